"""Settings: the model's architecture, the batch layout, the training run's (which holds both), and sampling's.

Every value is checked once, when the settings are made; everything downstream takes the settings object.
The command line's flags are generated from these fields and their `help` metadata (`charrnn_lib.cli.options`).
Also here: the quick-mode and strict-checks switches, the only environment variables the library reads
besides the data folder.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, TypeVar

from charrnn_lib.errors import CheckpointError, ConfigError
from charrnn_lib.versioned_json import VersionedJson

CELL_TYPES = ("lstm", "gru", "rnn")
DEFAULT_TOP_N = 5  # the source material samples among the 5 most likely characters
T = TypeVar("T")


def require_positive_whole_numbers(**values: Any) -> None:
    """Refuse sizes and counts that are not whole numbers ≥ 1, naming the knob and echoing the value."""
    for knob, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{knob} must be a positive whole number, got {value!r}.",
                              f"{knob} 必须是正整数，收到 {value!r}。")


def require_cell(cell: str) -> None:
    """Refuse a recurrent cell type the course does not build."""
    if cell not in CELL_TYPES:
        raise ConfigError(f"cell must be one of {', '.join(CELL_TYPES)}, got {cell!r}.",
                          f"cell 只能是 {', '.join(CELL_TYPES)} 之一，收到 {cell!r}。")


def require_keep_prob(knob: str, value: float) -> None:
    """Refuse a dropout keep probability outside (0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
        raise ConfigError(
            f"{knob} is the probability of keeping a unit and must be in (0, 1], got {value!r}; 0.5 is a common "
            f"choice.",
            f"{knob} 是保留神经元的概率，必须在 (0, 1] 之间，收到 {value!r}；常用 0.5。",
        )


def quick_mode() -> bool:
    """True when CHARRNN_QUICK=1: notebooks and CI shrink corpora, models and steps.

    This is the only place the library reads the variable.
    """
    return os.environ.get("CHARRNN_QUICK", "").strip().lower() in {"1", "true", "yes", "on"}


def strict_checks() -> bool:
    """True when CHARRNN_STRICT=1 (set by the test command): exercise checks raise on fail or error."""
    return os.environ.get("CHARRNN_STRICT", "").strip().lower() in {"1", "true", "yes", "on"}


def by_mode(*, full: T, quick: T) -> T:
    """Pick the full-mode value for a class, or the quick-mode value for CI."""
    return quick if quick_mode() else full


def _knob(default: Any, help_text: str, **flag: Any) -> Any:
    """A field with its command-line help (English · 中文) and any other argparse options in the metadata."""
    return dataclasses.field(default=default, metadata={"help": help_text, **flag})


@dataclasses.dataclass(frozen=True)
class Architecture:
    """What fixes the weights' shapes: a resumed run must keep every one of these, and so must a sampler."""

    cell: str = _knob("lstm", "recurrent cell · 循环单元", choices=CELL_TYPES)
    lstm_size: int = _knob(128, "hidden units per recurrent layer · 每层隐藏单元数")
    num_layers: int = _knob(2, "number of recurrent layers · 循环层数")
    use_embedding: bool = _knob(False, "embedding instead of one-hot input · 使用嵌入层而不是独热编码")
    embedding_size: int = _knob(128, "embedding size · 嵌入维度")
    # With the text, the vocabulary's cap fixes the sizes of the input and the output layer.
    max_vocab: int = _knob(3500, "keep the most frequent characters, the rest become <unk> · 词表最大字符数")

    def __post_init__(self) -> None:
        require_positive_whole_numbers(lstm_size=self.lstm_size, num_layers=self.num_layers,
                                       embedding_size=self.embedding_size, max_vocab=self.max_vocab)
        require_cell(self.cell)
        require_switch("use_embedding", self.use_embedding)


@dataclasses.dataclass(frozen=True)
class BatchLayout:
    """How the text becomes batches: `num_seqs` streams cut into windows of `num_steps`, the tail held out.

    A resumed run keeps these too: the streams it continues, and the hidden state it carries, depend on them.
    """

    num_seqs: int = _knob(32, "sequences per batch (rows, each its own stream of text) · 每批序列数")
    num_steps: int = _knob(26, "characters per sequence (time steps) · 每条序列的长度")
    validation_fraction: float = _knob(0.05, "tail of the corpus held out for validation · 验证集比例")

    def __post_init__(self) -> None:
        require_positive_whole_numbers(num_seqs=self.num_seqs, num_steps=self.num_steps)
        if not 0.0 <= self.validation_fraction < 1.0:
            raise ConfigError(
                f"validation_fraction must be in [0, 1), got {self.validation_fraction!r}.",
                f"validation_fraction 必须在 [0, 1) 之间，收到 {self.validation_fraction!r}。",
            )

    @property
    def chars_per_batch(self) -> int:
        return self.num_seqs * self.num_steps


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything needed to rebuild and continue a run; saved as `config.json` in the run folder.

    Make one from the flat knob names the source material uses with `TrainConfig.from_knobs(lstm_size=256, ...)`,
    and change knobs with `config.replace(...)`; both route each knob to the architecture, the layout or the run.
    """

    name: str = _knob("default", "run name: model/<name>/ · 模型名")
    architecture: Architecture = dataclasses.field(default_factory=Architecture)
    layout: BatchLayout = dataclasses.field(default_factory=BatchLayout)
    # The defaults learn on every catalog corpus in a short run (README, "Recipes"); the source material's values
    # (0.001, 0.5, no bias start) stay on the unigram plateau for hundreds of steps on Chinese.
    learning_rate: float = _knob(0.005, "Adam learning rate · 学习率")
    train_keep_prob: float = _knob(0.8, "probability of keeping a unit in dropout · dropout 保留概率")
    grad_clip: float = _knob(5.0, "clip gradients to this global norm · 梯度裁剪阈值")
    unigram_output_bias: bool = _knob(
        True, "start the output bias at the log character frequencies · 输出层偏置从字符频率的对数开始")
    max_steps: int = _knob(10000, "training steps (batches) in total · 总训练步数")
    save_every_n: int = _knob(1000, "validate and save a checkpoint every n steps · 每 n 步验证并保存")
    log_every_n: int = _knob(10, "record the training loss every n steps · 每 n 步记录日志")
    seed: int | None = _knob(None, "random seed for a reproducible run · 随机种子", type=int)
    # Data parallelism (keras.distribution, JAX only): the backend and the visible devices are checked when training
    # starts (`native`), as they are facts of the machine, not of the settings.
    devices: int = _knob(1, "split each batch's rows across this many devices (JAX) · 把每批的各行分到这么多个设备上"
                            "（JAX）")

    def __post_init__(self) -> None:
        require_run_name(self.name)
        for part, kind in _PARTS.items():
            if not isinstance(getattr(self, part), kind):
                raise ConfigError(
                    f"{part} must be a {kind.__name__}, got {getattr(self, part)!r}; use TrainConfig.from_knobs(...).",
                    f"{part} 必须是 {kind.__name__}，收到 {getattr(self, part)!r}；请用 TrainConfig.from_knobs(...)。")
        require_positive_whole_numbers(max_steps=self.max_steps, save_every_n=self.save_every_n,
                                       log_every_n=self.log_every_n)
        require_keep_prob("train_keep_prob", self.train_keep_prob)
        require_switch("unigram_output_bias", self.unigram_output_bias)
        require_rows_per_device(self.layout.num_seqs, self.devices)
        for knob, example in (("learning_rate", "the default is 0.005"), ("grad_clip", "the source material uses 5")):
            value = getattr(self, knob)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ConfigError(f"{knob} must be positive, got {value!r}; {example}.",
                                  f"{knob} 必须为正数，收到 {value!r}；{_EXAMPLES_ZH[knob]}。")

    @classmethod
    def from_knobs(cls, **knobs: Any) -> TrainConfig:
        """Settings from flat knob names (`num_seqs=...`, `learning_rate=...`), as the source material names them."""
        return cls().replace(**knobs)

    def replace(self, **knobs: Any) -> TrainConfig:
        """A copy with some knobs changed, each routed to the architecture, the batch layout or the run."""
        unknown = [knob for knob in knobs if knob not in KNOBS and knob != "name"]
        if unknown:
            raise ConfigError(f"Unknown setting {unknown[0]!r}; the settings are: name, {', '.join(KNOBS)}.",
                              f"未知的设置 {unknown[0]!r}；可用的设置有：name、{'、'.join(KNOBS)}。")
        parts = {part: dataclasses.replace(getattr(self, part), **{knob: value for knob, value in knobs.items()
                                                                  if knob in _knobs_of(kind)})
                 for part, kind in _PARTS.items()}
        run = {knob: value for knob, value in knobs.items() if knob not in _PART_KNOBS}
        return dataclasses.replace(self, **parts, **run)

    def knobs(self) -> dict[str, Any]:
        """Every knob by its flat name (the architecture's and the layout's included), as `from_knobs` takes them."""
        run = {field.name: getattr(self, field.name) for field in dataclasses.fields(self) if field.name not in _PARTS}
        return {**run, **dataclasses.asdict(self.layout), **dataclasses.asdict(self.architecture)}

    def save(self, path: str | os.PathLike, **facts: Any) -> None:
        """Write the settings (plus facts such as `vocab_size`) as JSON, atomically."""
        CONFIG_JSON.write(path, {**dataclasses.asdict(self), **facts})

    @classmethod
    def load(cls, path: str | os.PathLike) -> tuple[TrainConfig, dict[str, Any]]:
        """Read saved settings of any version; returns them and the facts saved beside them.

        Version 1 wrote every knob at the top level, version 2 the model's under `model`, version 3 the
        architecture's and the layout's under their names: each is read as flat knobs.
        """
        fields, _ = CONFIG_JSON.read(path)
        nested = {key: value for key, value in fields.items() if key in _NESTED_KEYS and isinstance(value, dict)}
        flat = {**{key: value for key, value in fields.items() if key not in nested},
                **{knob: value for part in nested.values() for knob, value in part.items()}}
        known = {key: value for key, value in flat.items() if key in KNOBS or key == "name"}
        facts = {key: value for key, value in fields.items() if key not in known and key not in nested}
        try:
            return cls.from_knobs(**known), facts
        except ConfigError as error:
            raise CheckpointError(
                f"{path} holds an invalid config: {error.english}",
                f"{path} 中的配置无效：{error.chinese}",
            ) from None


@dataclasses.dataclass(frozen=True)
class SamplingSettings:
    """How the next character is drawn: the cuts and the temperature that `charrnn_lib.sample` applies, in order.

    `top_n=None` and `top_p=None` switch those cuts off. Change some with `settings.replace(top_n=1)`.
    """

    top_n: int | None = _knob(DEFAULT_TOP_N, "sample among the n most likely characters, 0 = all · "
                                             "只在概率最高的 n 个字符中采样，0 表示全部", type=int)
    top_p: float | None = _knob(None, "then keep the fewest most likely characters whose probability adds up to "
                                      "p (nucleus sampling; default: off) · 再只保留累计概率达到 p 的最可能字符"
                                      "（核采样）", type=float)
    temperature: float = _knob(1.0, "below 1 = safer, above 1 = wilder · 温度：小于 1 更保守，大于 1 更大胆")

    def __post_init__(self) -> None:
        if self.top_n is not None:
            require_positive_whole_numbers(top_n=self.top_n)
        if self.top_p is not None and (isinstance(self.top_p, bool) or not isinstance(self.top_p, (int, float))
                                       or not 0.0 < self.top_p <= 1.0):
            raise ConfigError(
                f"top_p must be in (0, 1], got {self.top_p!r}; 0.9 keeps the most probable characters that make up "
                f"90 % of the probability, None keeps them all.",
                f"top_p 必须在 (0, 1] 之间，收到 {self.top_p!r}；0.9 表示保留累计概率达到 90% 的最可能字符，"
                f"None 表示全部保留。",
            )
        if isinstance(self.temperature, bool) or not isinstance(self.temperature, (int, float)) \
                or not self.temperature > 0:
            raise ConfigError(
                f"temperature must be positive, got {self.temperature!r}; 1.0 samples the model as trained, "
                f"lower is more conservative.",
                f"temperature 必须为正数，收到 {self.temperature!r}；1.0 即按模型原样采样，更低则更保守。",
            )

    @classmethod
    def from_controls(cls, *, top_n: int, top_p: float | None, temperature: float) -> SamplingSettings:
        """From a control where top_n 0 switches the top-n cut off: the command line's flags, the lessons' slider."""
        return cls(top_n or None, top_p, temperature)

    def replace(self, **changes: Any) -> SamplingSettings:
        """A copy with some settings changed (and checked), e.g. `settings.replace(temperature=0.7)`."""
        unknown = [name for name in changes if name not in SAMPLING_KNOBS]
        if unknown:
            raise ConfigError(f"Unknown sampling setting {unknown[0]!r}; they are: {', '.join(SAMPLING_KNOBS)}.",
                              f"未知的采样设置 {unknown[0]!r}；可用的有：{'、'.join(SAMPLING_KNOBS)}。")
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True)
class PoemSettings:
    """How `poet.compose` chooses among candidates (the sampling itself is `SamplingSettings`)."""

    candidates: int = _knob(8, "poems sampled for each one printed; the most likely that copies no training couplet "
                               "and repeats no more characters than real poems is kept · 每首诗的候选数：取其中模型"
                               "最认可、不抄袭、不多重复字的一首", type=int)

    def __post_init__(self) -> None:
        require_positive_whole_numbers(candidates=self.candidates)


def require_run_name(name: str) -> None:
    """Refuse a run name that is not one folder name: it becomes the folder `model/<name>/`."""
    if not isinstance(name, str) or not name.strip() or name != name.strip() or name in {".", ".."} \
            or any(char in name for char in "/\\\0"):
        raise ConfigError(
            f"name becomes the run folder model/<name>/, so it must be one folder name (no / or \\, not . or .., "
            f"no spaces around it), got {name!r}; e.g. 'poem'.",
            f"name 会成为运行文件夹 model/<name>/，所以必须是单个文件夹名（不含 / 或 \\，不能是 . 或 ..，"
            f"前后不能有空格），收到 {name!r}；例如 'poem'。",
        )


def require_rows_per_device(num_seqs: int, devices: int) -> None:
    """Refuse a device count that does not split the batch's rows evenly: each device trains whole rows."""
    require_positive_whole_numbers(devices=devices)
    if num_seqs % devices:
        fit = max(count for count in range(1, devices + 1) if num_seqs % count == 0)
        raise ConfigError(
            f"num_seqs={num_seqs} rows cannot be split evenly across devices={devices}: each device trains whole "
            f"rows (streams) and keeps their state; use num_seqs={num_seqs + devices - num_seqs % devices} or "
            f"devices={fit}.",
            f"num_seqs={num_seqs} 行无法平均分到 devices={devices} 个设备上：每个设备训练完整的行（文本流）并保存"
            f"它们的隐状态；请用 num_seqs={num_seqs + devices - num_seqs % devices} 或 devices={fit}。",
        )


def require_switch(knob: str, value: bool) -> None:
    """Refuse an on/off setting that is not True or False (a 1 or a "yes" would mean something else elsewhere)."""
    if not isinstance(value, bool):
        raise ConfigError(f"{knob} must be True or False, got {value!r}.",
                          f"{knob} 必须是 True 或 False，收到 {value!r}。")


def _knobs_of(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(kind))


_EXAMPLES_ZH = {"learning_rate": "默认值是 0.005", "grad_clip": "原始材料使用 5"}
_PARTS: dict[str, type] = {"layout": BatchLayout, "architecture": Architecture}
_PART_KNOBS = (*_knobs_of(BatchLayout), *_knobs_of(Architecture))
_NESTED_KEYS = ("model", *_PARTS)  # "model": version 2's name for the architecture and the layout together
# Every knob by its flat name, the layout's and the architecture's first: the command line's flags and what an
# experiment may change.
KNOBS = (*_PART_KNOBS, *(knob for knob in _knobs_of(TrainConfig) if knob not in {"name", *_PARTS}))
SAMPLING_KNOBS = _knobs_of(SamplingSettings)
CONFIG_JSON = VersionedJson("charrnn-config", (1, 2, 3), CheckpointError, ("config file", "配置文件"),
                            ("is this a folder written by `charrnn train`? Restore the file or retrain",
                             "这是 `charrnn train` 生成的文件夹吗？请恢复该文件或重新训练"))
