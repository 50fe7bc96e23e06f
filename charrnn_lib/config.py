"""Run settings: the model's (what fixes the weights' shapes and the batch layout) inside the training run's.

Every value is checked once, when the settings are made; everything downstream takes the settings object.
The command line's flags are generated from these fields and their `help` metadata (`charrnn_lib.cli`).
Also here: the quick-mode and strict-checks switches, the only environment variables the library reads
besides the data folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any, TypeVar

from charrnn_lib.atomic import write_text_atomic
from charrnn_lib.errors import CheckpointError, ConfigError

CELL_TYPES = ("lstm", "gru", "rnn")
FORMAT_VERSION = 2  # version 1 wrote every knob at the top level; `TrainConfig.load` still reads it
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
class ModelConfig:
    """What fixes the weights' shapes and the batch layout: a resumed run must keep every one of these."""

    num_seqs: int = _knob(32, "sequences per batch (rows, each its own stream of text) · 每批序列数")
    num_steps: int = _knob(26, "characters per sequence (time steps) · 每条序列的长度")
    cell: str = _knob("lstm", "recurrent cell · 循环单元", choices=CELL_TYPES)
    lstm_size: int = _knob(128, "hidden units per recurrent layer · 每层隐藏单元数")
    num_layers: int = _knob(2, "number of recurrent layers · 循环层数")
    use_embedding: bool = _knob(False, "embedding instead of one-hot input · 使用嵌入层而不是独热编码")
    embedding_size: int = _knob(128, "embedding size · 嵌入维度")
    max_vocab: int = _knob(3500, "keep the most frequent characters, the rest become <unk> · 词表最大字符数")
    validation_fraction: float = _knob(0.05, "tail of the corpus held out for validation · 验证集比例")

    def __post_init__(self) -> None:
        require_positive_whole_numbers(num_seqs=self.num_seqs, num_steps=self.num_steps, lstm_size=self.lstm_size,
                                       num_layers=self.num_layers, embedding_size=self.embedding_size,
                                       max_vocab=self.max_vocab)
        require_cell(self.cell)
        if not isinstance(self.use_embedding, bool):
            raise ConfigError(f"use_embedding must be True or False, got {self.use_embedding!r}.",
                              f"use_embedding 必须是 True 或 False，收到 {self.use_embedding!r}。")
        if not 0.0 <= self.validation_fraction < 1.0:
            raise ConfigError(
                f"validation_fraction must be in [0, 1), got {self.validation_fraction!r}.",
                f"validation_fraction 必须在 [0, 1) 之间，收到 {self.validation_fraction!r}。",
            )


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything needed to rebuild and continue a run; saved as `config.json` in the run folder.

    Make one from the flat knob names the source material uses with `TrainConfig.from_knobs(lstm_size=256, ...)`,
    and change knobs with `config.replace(...)`; both route each knob to `model` or to the run.
    """

    name: str = _knob("default", "run name: model/<name>/ · 模型名")
    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
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

    def __post_init__(self) -> None:
        if not isinstance(self.model, ModelConfig):
            raise ConfigError(f"model must be a ModelConfig, got {self.model!r}; use TrainConfig.from_knobs(...).",
                              f"model 必须是 ModelConfig，收到 {self.model!r}；请用 TrainConfig.from_knobs(...)。")
        require_positive_whole_numbers(max_steps=self.max_steps, save_every_n=self.save_every_n,
                                       log_every_n=self.log_every_n)
        require_keep_prob("train_keep_prob", self.train_keep_prob)
        if not isinstance(self.unigram_output_bias, bool):
            raise ConfigError(f"unigram_output_bias must be True or False, got {self.unigram_output_bias!r}.",
                              f"unigram_output_bias 必须是 True 或 False，收到 {self.unigram_output_bias!r}。")
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
        """A copy with some knobs changed, each routed to the model's settings or the run's."""
        unknown = [knob for knob in knobs if knob not in KNOBS and knob != "name"]
        if unknown:
            raise ConfigError(f"Unknown setting {unknown[0]!r}; the settings are: name, {', '.join(KNOBS)}.",
                              f"未知的设置 {unknown[0]!r}；可用的设置有：name、{'、'.join(KNOBS)}。")
        model_knobs = {knob: value for knob, value in knobs.items() if knob in MODEL_KNOBS}
        run_knobs = {knob: value for knob, value in knobs.items() if knob not in MODEL_KNOBS}
        return dataclasses.replace(self, model=dataclasses.replace(self.model, **model_knobs), **run_knobs)

    def knobs(self) -> dict[str, Any]:
        """Every knob by its flat name (the model's included), as `from_knobs` takes them."""
        run = {field.name: getattr(self, field.name) for field in dataclasses.fields(self) if field.name != "model"}
        return {**run, **dataclasses.asdict(self.model)}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def save(self, path: str | os.PathLike, **extra: Any) -> None:
        """Write the settings (plus facts such as `vocab_size`) as JSON, atomically."""
        payload = {"format": "charrnn-config", "version": FORMAT_VERSION, **self.to_dict(), **extra}
        write_text_atomic(path, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> tuple[TrainConfig, dict[str, Any]]:
        """Read saved settings; returns them and the extra facts saved beside them."""
        path = Path(path)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CheckpointError(
                f"No config.json at {path}; is this a folder written by `charrnn train`?",
                f"在 {path} 找不到 config.json；这是 `charrnn train` 生成的文件夹吗？",
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CheckpointError(
                f"{path} is not valid JSON ({error}); restore it or retrain.",
                f"{path} 不是有效的 JSON（{error}）；请恢复该文件或重新训练。",
            ) from None
        if not isinstance(payload, dict) or payload.get("format") != "charrnn-config":
            raise CheckpointError(f"{path} is not a charrnn config file.", f"{path} 不是 charrnn 的配置文件。")
        flat = {**payload, **payload.get("model", {})} if isinstance(payload.get("model"), dict) else payload
        known = {key: value for key, value in flat.items() if key in KNOBS or key == "name"}
        extra = {key: value for key, value in payload.items()
                 if key not in known and key not in {"format", "version", "model"}}
        try:
            return cls.from_knobs(**known), extra
        except ConfigError as error:
            raise CheckpointError(
                f"{path} holds an invalid config: {error.english}",
                f"{path} 中的配置无效：{error.chinese}",
            ) from None


_EXAMPLES_ZH = {"learning_rate": "默认值是 0.005", "grad_clip": "原始材料使用 5"}
MODEL_KNOBS = tuple(field.name for field in dataclasses.fields(ModelConfig))
# Every knob by its flat name, the model's first: the command line's flags and what an experiment may change.
KNOBS = (*MODEL_KNOBS, *(field.name for field in dataclasses.fields(TrainConfig)
                         if field.name not in {"name", "model"}))
