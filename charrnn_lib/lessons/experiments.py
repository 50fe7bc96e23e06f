"""Compare short training runs: one baseline config, one knob changed per run, one table of bits per character.

A fair comparison changes one thing at a time and keeps the rest equal: the same text, the same number of
steps and characters, the same seed. Bits per character can be compared across corpora only relative to
each corpus's unigram baseline, the bpc of a model that ignores context, so every result carries both.
A difference is believed only once it is larger than the spread of the same settings over several seeds,
so a grid can repeat each setting with `repeat_over_seeds` and be read with `summarize_over_seeds`.
Speed is not measured here: on a shared machine it tracks the load, not the model.
"""

from __future__ import annotations

import collections
import dataclasses
import difflib
import math
import re
import shutil
import statistics
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras

from charrnn_lib import checkpoints, datasets
from charrnn_lib.batches import require_one_batch, validation_size
from charrnn_lib.config import KNOBS, TrainConfig
from charrnn_lib.errors import ConfigError, CorpusError, DatasetError
from charrnn_lib.history import bits_per_character
from charrnn_lib.training import TrainingRun, train

DEFAULT_SEED = 1  # used when the baseline config has no seed: every run of a grid must start alike
_LABEL = re.compile(r"[\w.+=-]+")  # a label names a folder: letters, digits and . + = - _ only


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One run of a grid: the baseline config on `corpus` with `overrides` changed.

    `group` names what was varied, for the table and the plot; it defaults to the changed knobs
    (`"lstm_size"`), or `"baseline"` when nothing is changed. `setting` names the settings apart from the
    seed, so that runs repeated over seeds are summarized together; it defaults to the label.
    """

    label: str
    corpus: str
    overrides: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    group: str = ""
    setting: str = ""

    def __post_init__(self) -> None:
        if not self.group:
            object.__setattr__(self, "group", ", ".join(sorted(self.overrides)) or "baseline")
        if not self.setting:
            object.__setattr__(self, "setting", self.label)


@dataclasses.dataclass(frozen=True)
class ExperimentResult:
    """What one run measured; losses are mean cross-entropy in nats per character."""

    label: str
    corpus: str
    group: str
    setting: str
    overrides: Mapping[str, Any]
    parameters: int
    vocab_size: int
    characters_trained: int
    final_loss: float
    best_val_loss: float
    best_step: int
    unigram_bpc: float
    seconds: float
    run_dir: Path

    @property
    def best_val_bpc(self) -> float:
        return bits_per_character(self.best_val_loss)

    @property
    def best_val_perplexity(self) -> float:
        """exp(loss): as uncertain as a uniform choice among this many characters."""
        return math.exp(self.best_val_loss)

    @property
    def bpc_ratio(self) -> float:
        """Best validation bpc over the unigram bpc: 1.0 means no better than ignoring context."""
        return self.best_val_bpc / self.unigram_bpc


def unigram_bits_per_character(text: Iterable[Hashable]) -> float:
    """Entropy of the character frequencies in bits: the bpc of the best model that ignores context."""
    counts = collections.Counter(text)
    total = sum(counts.values())
    if total == 0:
        raise CorpusError("Cannot measure the entropy of empty text; pass at least one character.",
                          "无法计算空文本的熵；请至少传入一个字符。")
    return sum(count / total * math.log2(total / count) for count in counts.values())


def best_validation_bpc(history: Any) -> float:
    """The lowest validation loss of a run in bits per character: the model you would keep.

    `history` is the `TrainingHistory` of `cr.train` or the `history` dict of Keras' `History`.
    """
    val_loss = history.get("val_loss", []) if isinstance(history, Mapping) else history.val_loss
    if not len(val_loss):
        raise ConfigError(
            "The history has no validation loss: set validation_fraction > 0 and train at least save_every_n steps.",
            "训练历史中没有验证损失：请把 validation_fraction 设为大于 0，并至少训练 save_every_n 步。",
        )
    return bits_per_character(min(val_loss))


def repeat_over_seeds(experiments: Iterable[Experiment], seeds: Sequence[int]) -> list[Experiment]:
    """Each experiment once per seed, labelled `<label>.seed=<seed>`, keeping its group and setting.

    The runs of one setting then differ only by their initial weights and dropout masks: their spread is
    the noise that any difference between settings has to beat.
    """
    if len(seeds) != len(set(seeds)) or not seeds:
        raise ConfigError(f"seeds must be distinct and at least one, got {list(seeds)!r}; e.g. [1, 2, 3].",
                          f"seeds 必须至少有一个且互不相同，收到 {list(seeds)!r}；例如 [1, 2, 3]。")
    return [Experiment(f"{experiment.label}.seed={seed}", experiment.corpus, {**experiment.overrides, "seed": seed},
                       group=experiment.group, setting=experiment.setting)
            for experiment in experiments for seed in seeds]


@dataclasses.dataclass(frozen=True)
class SeedSummary:
    """The runs of one setting on one corpus, over seeds: mean and range of bpc and of bpc ÷ unigram bpc."""

    setting: str
    corpus: str
    group: str
    runs: int
    mean_bpc: float
    mean_perplexity: float
    unigram_bpc: float
    mean_ratio: float
    lowest_ratio: float
    highest_ratio: float


def summarize_over_seeds(results: Sequence[ExperimentResult]) -> list[SeedSummary]:
    """One summary per (setting, corpus), in the order the settings first appear."""
    by_setting: dict[tuple[str, str], list[ExperimentResult]] = {}
    for result in results:
        by_setting.setdefault((result.setting, result.corpus), []).append(result)
    summaries = []
    for (setting, corpus), runs in by_setting.items():
        ratios = [run.bpc_ratio for run in runs]
        summaries.append(SeedSummary(
            setting=setting, corpus=corpus, group=runs[0].group, runs=len(runs),
            mean_bpc=statistics.fmean(run.best_val_bpc for run in runs),
            mean_perplexity=statistics.fmean(run.best_val_perplexity for run in runs),
            unigram_bpc=runs[0].unigram_bpc, mean_ratio=statistics.fmean(ratios),
            lowest_ratio=min(ratios), highest_ratio=max(ratios),
        ))
    return summaries


def load_corpora(names: Iterable[str], max_chars: int | None, *,
                 load: Callable[..., str] = datasets.load) -> tuple[dict[str, str], list[str]]:
    """Each corpus once, as `{name: text}`, plus a bilingual note for each one that cannot be had here.

    A corpus whose data file is missing (and cannot be downloaded) is left out rather than stopping
    a lesson; print the notes so the reader knows which runs were skipped.
    """
    texts, notes = {}, []
    for name in dict.fromkeys(names):
        try:
            texts[name] = load(name, max_chars)
        except DatasetError as error:
            notes.append(f"Skipping {name}: {error.english} · 跳过 {name}：{error.chinese}")
    return texts, notes


def experiment_config(experiment: Experiment, base_config: TrainConfig) -> TrainConfig:
    """The baseline config with the experiment's knobs changed, named after its label, with a fixed seed."""
    unknown = [knob for knob in experiment.overrides if knob not in KNOBS]
    if unknown:
        knob = unknown[0]
        close = difflib.get_close_matches(knob, KNOBS, n=1, cutoff=0.5)
        suggestion = f" Did you mean {close[0]!r}?" if close else ""
        suggestion_zh = f"你是不是想写 {close[0]!r}？" if close else ""
        raise ConfigError(
            f"Experiment {experiment.label!r} changes the unknown knob {knob!r}.{suggestion} "
            f"The knobs are: {', '.join(KNOBS)}.",
            f"实验 {experiment.label!r} 修改了不存在的参数 {knob!r}。{suggestion_zh}可用的参数有：{', '.join(KNOBS)}。",
        )
    seed = base_config.seed if base_config.seed is not None else DEFAULT_SEED
    try:
        return base_config.replace(name=experiment.label, **{"seed": seed, **experiment.overrides})
    except ConfigError as error:
        raise ConfigError(f"Experiment {experiment.label!r}: {error.english}",
                          f"实验 {experiment.label!r}：{error.chinese}") from None


def validated_configs(experiments: Sequence[Experiment], base_config: TrainConfig,
                      texts: Mapping[str, str]) -> list[TrainConfig]:
    """Every run's config, after refusing anything that would fail halfway through the grid."""
    if not experiments:
        raise ConfigError("No experiments to run: pass a list with at least one Experiment(label, corpus, overrides).",
                          "没有要运行的实验：请至少传入一个 Experiment(label, corpus, overrides)。")
    labels = [experiment.label for experiment in experiments]
    for label in labels:
        if not _LABEL.fullmatch(label):
            raise ConfigError(
                f"The label {label!r} names the run's folder: use letters, digits and . + = - _ only, "
                "e.g. 'lstm_size=64'.",
                f"标签 {label!r} 用作运行文件夹的名字：只能包含字母、数字和 . + = - _，例如 'lstm_size=64'。",
            )
        if labels.count(label) > 1:
            raise ConfigError(f"The label {label!r} is used twice; give every experiment its own label.",
                              f"标签 {label!r} 出现了两次；请给每个实验一个不同的标签。")
    configs = [experiment_config(experiment, base_config) for experiment in experiments]
    for experiment, config in zip(experiments, configs, strict=True):
        if experiment.corpus not in texts:
            raise CorpusError(
                f"Experiment {experiment.label!r} needs the corpus {experiment.corpus!r}, which is not among the "
                f"texts ({', '.join(texts) or 'none'}); load it with load_corpora, or drop the experiment.",
                f"实验 {experiment.label!r} 需要语料 {experiment.corpus!r}，但它不在已载入的文本中"
                f"（{', '.join(texts) or '无'}）；请用 load_corpora 载入它，或去掉这个实验。",
            )
        _require_two_splits(experiment, config, len(texts[experiment.corpus]))
    return configs


def run_experiments(experiments: Sequence[Experiment], base_config: TrainConfig, texts: Mapping[str, str], *,
                    run_root: str | Path, verbose: int = 0) -> list[ExperimentResult]:
    """Train every experiment from scratch into `run_root/<label>` and measure it.

    Every input is checked before the first run starts. `verbose=1` shows one progress bar for the
    grid, `verbose=2` also each run's own. A folder left by an earlier run of the same label is replaced.
    """
    configs = validated_configs(experiments, base_config, texts)
    unigram = {}
    progress = keras.utils.Progbar(len(experiments), stateful_metrics=["val_bpc"]) if verbose else None
    results = []
    for index, (experiment, config) in enumerate(zip(experiments, configs, strict=True)):
        run_dir = Path(run_root) / experiment.label
        if (run_dir / checkpoints.CONFIG_FILE).exists():
            shutil.rmtree(run_dir)  # an earlier run of this label: its checkpoints must not outlive it
        started = time.perf_counter()
        run = train(texts[experiment.corpus], config, run_dir, resume=False, verbose=int(verbose >= 2),
                    keep_checkpoints=1)
        seconds = time.perf_counter() - started
        # Measured on what the model predicts: ids, with the characters beyond max_vocab merged into <unk>.
        vocabulary = (experiment.corpus, config.architecture.max_vocab)
        if vocabulary not in unigram:
            unigram[vocabulary] = unigram_bits_per_character(run.converter.encode(texts[experiment.corpus]))
        results.append(_measure(experiment, run, unigram[vocabulary], seconds))
        if progress is not None:
            progress.update(index + 1, [("val_bpc", results[-1].best_val_bpc)])
    return results


def _require_two_splits(experiment: Experiment, config: TrainConfig, n_chars: int) -> None:
    """Refuse a corpus too short for one training batch and one validation batch: bpc needs both."""
    layout = config.layout
    if layout.validation_fraction == 0:
        raise ConfigError(
            f"Experiment {experiment.label!r} has validation_fraction 0, but experiments compare validation loss; "
            "set it to e.g. 0.05.",
            f"实验 {experiment.label!r} 的 validation_fraction 为 0，而实验比较的是验证损失；请设为例如 0.05。",
        )
    n_validation = validation_size(n_chars, layout.validation_fraction)
    for part, size, part_zh in (("training", n_chars - n_validation, "训练"), ("validation", n_validation, "验证")):
        try:
            require_one_batch(size, layout.num_seqs, layout.num_steps)
        except CorpusError as error:
            raise CorpusError(
                f"Experiment {experiment.label!r}: the corpus {experiment.corpus!r} has {n_chars:,} characters, "
                f"{n_chars - n_validation:,} for training and {n_validation:,} for validation. The {part} part: "
                f"{error.english} A larger validation_fraction or more text (max_chars) helps too.",
                f"实验 {experiment.label!r}：语料 {experiment.corpus!r} 有 {n_chars:,} 个字符，训练用 "
                f"{n_chars - n_validation:,} 个，验证用 {n_validation:,} 个。{part_zh}部分：{error.chinese}"
                "更大的 validation_fraction 或更多文本（max_chars）也有帮助。",
            ) from None


def _measure(experiment: Experiment, run: TrainingRun, unigram_bpc: float, seconds: float) -> ExperimentResult:
    """One result from a finished run, measured at its best validation step."""
    history, config = run.history, run.config
    best = min(range(len(history.val_loss)), key=history.val_loss.__getitem__)
    steps_trained = int(run.model.optimizer.iterations)
    return ExperimentResult(
        label=experiment.label,
        corpus=experiment.corpus,
        group=experiment.group,
        setting=experiment.setting,
        overrides=dict(experiment.overrides),
        parameters=run.model.count_params(),
        vocab_size=run.converter.vocab_size,
        characters_trained=steps_trained * config.layout.chars_per_batch,
        final_loss=history.loss[-1],
        best_val_loss=history.val_loss[best],
        best_step=history.val_steps[best],
        unigram_bpc=unigram_bpc,
        seconds=seconds,
        run_dir=run.run_dir,
    )


# --- The results table -------------------------------------------------------------------------------------------

# (heading, how to get the value from a result, format); a Jupyter cell shows the table as markdown.
_COLUMNS: tuple[tuple[str, Callable[[ExperimentResult], Any], str], ...] = (
    ("experiment", lambda result: result.label, "{}"),
    ("varied", lambda result: result.group, "{}"),
    ("corpus", lambda result: result.corpus, "{}"),
    ("parameters", lambda result: result.parameters, "{:,}"),
    ("chars trained", lambda result: result.characters_trained, "{:,}"),
    ("train loss", lambda result: result.final_loss, "{:.3f}"),
    ("best val loss", lambda result: result.best_val_loss, "{:.3f}"),
    ("val bpc", lambda result: result.best_val_bpc, "{:.3f}"),
    ("val perplexity", lambda result: result.best_val_perplexity, "{:,.1f}"),
    ("unigram bpc", lambda result: result.unigram_bpc, "{:.3f}"),
    ("bpc / unigram", lambda result: result.bpc_ratio, "{:.2f}"),
)
_RIGHT_ALIGNED = frozenset(heading for heading, _, style in _COLUMNS if style != "{}")


@dataclasses.dataclass(frozen=True)
class ResultsTable:
    """The results as rows of `{column: value}`; shown as a markdown table in Jupyter, as text elsewhere."""

    rows: list[dict[str, Any]]

    @property
    def columns(self) -> list[str]:
        return [heading for heading, _, _ in _COLUMNS]

    def formatted_rows(self) -> list[list[str]]:
        styles = [style for _, _, style in _COLUMNS]
        return [[style.format(row[column]) for column, style in zip(self.columns, styles, strict=True)]
                for row in self.rows]

    def _repr_markdown_(self) -> str:
        rule = ["---:" if column in _RIGHT_ALIGNED else ":---" for column in self.columns]
        lines = [self.columns, rule, *self.formatted_rows()]
        return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)

    def __str__(self) -> str:
        lines = [self.columns, *self.formatted_rows()]
        widths = [max(len(cells[index]) for cells in lines) for index in range(len(self.columns))]
        return "\n".join("  ".join(cell.rjust(width) if column in _RIGHT_ALIGNED else cell.ljust(width)
                                   for cell, width, column in zip(cells, widths, self.columns, strict=True)).rstrip()
                         for cells in lines)

    __repr__ = __str__


def results_table(results: Sequence[ExperimentResult]) -> ResultsTable:
    """One row per run, in the order given: what was varied, the model's size, bits per character and perplexity.

    There is no speed column: on a shared machine identical models ran at 6,375 to 15,677 characters a second.
    """
    return ResultsTable([{heading: value(result) for heading, value, _ in _COLUMNS} for result in results])
