"""Plots the lessons share: corpus overview, one-hot heat maps, vocabulary coverage, training curves, batching grid.

Every helper returns the `matplotlib.figure.Figure` it drew on. Without `ax`, it draws on a new figure
that pyplot has already let go of, so a notebook cell ending with the call shows the figure exactly once,
as the cell's value (an open pyplot figure would be shown a second time when the cell ends), and no
figure is left open. Outside a notebook, save it with `figure.savefig(path)`. With `ax`, the figure is
the caller's and pyplot shows it when the cell ends, so end that cell with `plt.show()`, not with the call
(nbval ignores a trailing `;`). Titles and axis labels are bilingual ("English · 中文", terms from
docs/glossary.md); `cr.lessons.notebook.setup` registers the CJK font that draws them.
"""

from __future__ import annotations

import collections
import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter, StrMethodFormatter

from charrnn_lib.errors import CharRNNError
from charrnn_lib.lessons.experiments import summarize_over_seeds
from charrnn_lib.lessons.notebook import DATA_TEXT, PALETTE
from charrnn_lib.text import UNK_TOKEN

# Characters that would be invisible or break a label, drawn as visible symbols.
VISIBLE_CHARACTERS = {" ": "␣", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
MAX_ANNOTATED_CELLS = 600  # above this, a batching grid is too small to read numbers in its cells
PERPLEXITY_AXIS_OFFSET = 1.2  # where the perplexity axis sits, in widths of the plot from its left edge
MAX_EXAMPLE_LINE = 40  # characters of an example line the corpus overview shows before cutting it with `…`
# Experiment groups that are words rather than knob names, as the legend of `plot_experiments` shows them.
GROUP_LABELS = {"baseline": "baseline · 基线", "corpus": "corpus · 语料库"}
TRAINING_LOSS, VALIDATION_LOSS = "training loss · 训练损失", "validation loss · 验证损失"


def visible(label: Any) -> str:
    """A label as text with whitespace made visible: `' '` → `␣`, `'\\n'` → `\\n`."""
    return VISIBLE_CHARACTERS.get(label, str(label)) if isinstance(label, str) else str(label)


def plot_corpus_overview(text: str, *, top_k: int = 20, example_lines: int = 4) -> Figure:
    """A first look at a corpus: how long its lines are, its `top_k` most frequent characters, a few of its lines.

    Punctuation and whitespace are left out of the frequencies: in the Tang corpus `，` and `。` end every
    verse and would top the chart. The example lines are spread evenly from the first line to the last.
    """
    if not text:
        raise CharRNNError("Cannot draw an overview of empty text; load a corpus first, e.g. cr.datasets.load('tang').",
                           "无法为空文本绘制概览；请先加载语料，例如 cr.datasets.load('tang')。")
    for name, value, least in (("top_k", top_k, 1), ("example_lines", example_lines, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            raise CharRNNError(f"{name} must be a whole number ≥ {least}, got {value!r}; e.g. {name}=4.",
                               f"{name} 必须是 ≥ {least} 的整数，收到 {value!r}；例如 {name}=4。")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the text's final line break ends the last line; it does not start an empty one
    figure = _new_figure((10.0, 6.4))
    grid = figure.add_gridspec(2, 2, width_ratios=(1, 1.4))
    _draw_line_lengths(figure.add_subplot(grid[0, 0]), lines)
    _draw_example_lines(figure.add_subplot(grid[0, 1]), lines, example_lines)
    _draw_top_characters(figure.add_subplot(grid[1, :]), text, top_k)
    distinct = len(set(text))
    figure.suptitle(f"{len(text):,} characters · {distinct:,} distinct · {len(lines):,} lines\n"
                    f"{len(text):,} 个字符 · {distinct:,} 个不同字符 · {len(lines):,} 行")
    return figure


def _draw_line_lengths(ax: Axes, lines: Sequence[str]) -> None:
    """A bar per line length (in characters, without the line break): how many lines have it."""
    counts = np.bincount([len(line) for line in lines])  # counts[n]: lines of n characters
    lengths = np.flatnonzero(counts)
    ax.bar(lengths, counts[lengths], width=0.8)
    ax.set_xlim(lengths.min() - 3, lengths.max() + 3)  # room either side, so even one length reads as a bar
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel("characters per line · 每行字符数")
    ax.set_ylabel("lines\n行数")
    ax.set_title("Line lengths · 每行长度")


def _draw_example_lines(ax: Axes, lines: Sequence[str], count: int) -> None:
    """`count` lines spread evenly through the corpus, as text; long ones cut with `…`."""
    picks = np.unique(np.linspace(0, len(lines) - 1, count).round().astype(int)) if lines and count else []
    for row, index in enumerate(picks):
        line = lines[index]
        shown = line if len(line) <= MAX_EXAMPLE_LINE else line[:MAX_EXAMPLE_LINE - 1] + "…"
        ax.text(0.02, 1 - (row + 0.5) / len(picks), shown, transform=ax.transAxes, va="center", fontsize=13,
                gid=DATA_TEXT)  # the corpus itself, in its own language
    ax.axis("off")
    ax.set_title("A few lines · 语料中的几行")


def _draw_top_characters(ax: Axes, text: str, top_k: int) -> None:
    """The `top_k` most frequent characters, punctuation and whitespace left out, as shares of the whole text."""
    counts = collections.Counter(character for character in text if unicodedata.category(character)[0] not in "PZC")
    top = counts.most_common(top_k)
    ax.bar(range(len(top)), [count / len(text) for _, count in top], width=0.7, color=PALETTE[1])
    ax.set_xticks(range(len(top)), [character for character, _ in top], fontsize=12)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.grid(axis="x", visible=False)
    ax.set_ylabel("share of the text\n占全文比例")
    ax.set_title(f"The {len(top)} most frequent characters, punctuation left out · "
                 f"最常见的 {len(top)} 个字符（不含标点）")


def plot_one_hot(matrix: Any, labels: Sequence[Any], *, column_labels: Sequence[Any] | None = None,
                 ax: Axes | None = None) -> Figure:
    """A one-hot matrix `(positions, depth)` as a heat map: one row per character, one column per id.

    `labels` name the rows (the characters encoded); `column_labels` optionally name the columns
    (the vocabulary), otherwise the columns are numbered by id.
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or len(labels) != matrix.shape[0]:
        raise CharRNNError(
            f"plot_one_hot needs a 2-D matrix with one label per row; got shape {matrix.shape} and "
            f"{len(labels)} labels.",
            f"plot_one_hot 需要二维矩阵且每行一个标签；收到形状 {matrix.shape} 和 {len(labels)} 个标签。",
        )
    figure, ax = _figure_and_axes(ax, size=(6.4, max(2.4, 0.28 * matrix.shape[0] + 1.2)))
    ax.imshow(matrix, aspect="auto", interpolation="nearest", cmap="Blues", vmin=0, vmax=1)
    ax.grid(False)
    ax.set_yticks(range(matrix.shape[0]), [visible(label) for label in labels])
    if column_labels is not None:
        ax.set_xticks(range(len(column_labels)), [visible(label) for label in column_labels])
    ax.set_xlabel("id (column) · 编号（列）")
    ax.set_ylabel("character (row)\n字符（行）")
    ax.set_title(f"One-hot vectors: {matrix.shape[0]} characters × {matrix.shape[1]} ids\n"
                 f"独热编码：{matrix.shape[0]} 个字符 × {matrix.shape[1]} 个编号")
    return figure


def vocabulary_coverage(text: str, max_vocabs: Sequence[int]) -> np.ndarray:
    """The share of `text` that the `k` most frequent characters cover, for each `k` in `max_vocabs`."""
    if not text:
        raise CharRNNError("Cannot measure the coverage of empty text.", "无法计算空文本的覆盖率。")
    counts = np.array(sorted(collections.Counter(text).values(), reverse=True))
    covered = np.cumsum(counts) / len(text)  # covered[k - 1]: share of the k most frequent characters
    return covered[np.minimum(np.asarray(max_vocabs), len(counts)) - 1]


def plot_vocabulary_coverage(texts: Mapping[str, str], max_vocabs: Sequence[int], *,
                             ax: Axes | None = None) -> Figure:
    """One coverage curve per corpus (`{name: text}`): the share of characters kept by `max_vocab`, log-x."""
    max_vocabs = list(max_vocabs)
    if not max_vocabs or any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1
                             for k in max_vocabs):
        raise CharRNNError(
            f"max_vocabs must be positive whole numbers, got {max_vocabs!r}; e.g. [10, 100, 1000].",
            f"max_vocabs 必须是正整数，收到 {max_vocabs!r}；例如 [10, 100, 1000]。",
        )
    figure, ax = _figure_and_axes(ax)
    for name, text in texts.items():
        ax.plot(max_vocabs, vocabulary_coverage(text, max_vocabs), marker="o", markersize=3,
                label=f"{name} ({len(set(text)):,} distinct · {len(set(text)):,} 个不同字符)")
    ax.set_xscale("log")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel("max_vocab (most frequent characters kept) · 保留的最常见字符数")
    ax.set_ylabel("characters covered\n覆盖的字符比例")
    ax.set_title("Vocabulary coverage · 词表覆盖率")
    ax.legend()
    return figure


def plot_training_history(history: Any, *, ax: Axes | None = None, perplexity: bool | None = None) -> Figure:
    """Training and validation loss (nats, left axis; bits per character and perplexity, right axes) against steps.

    `history` is the `TrainingHistory` of `cr.train` (steps, loss, val_steps, val_loss) or the `History`
    that `keras.Model.fit` returns (plotted against epochs). The perplexity axis (e^loss, the number of equally
    likely characters) is drawn when the history records `val_perplexity`, unless `perplexity=False`.
    """
    x_label, curves = _loss_curves(history)
    if not any(len(steps) for steps, _, _ in curves):
        raise CharRNNError(
            "The history has no logged loss yet; train for at least log_every_n steps first.",
            "训练历史中还没有记录损失；请先训练至少 log_every_n 步。",
        )
    figure, ax = _figure_and_axes(ax)
    for (steps, losses, label), marker in zip(curves, ("", "o"), strict=True):
        if len(steps):
            ax.plot(steps, losses, marker=marker, markersize=4, label=label)
    bits = ax.secondary_yaxis("right", functions=(lambda nats: nats / math.log(2), lambda b: b * math.log(2)))
    bits.set_ylabel("bits per character\n每字符比特数")
    if perplexity if perplexity is not None else _records_perplexity(history):
        # e^loss grows fast, so it gets an axis of its own, set off to the right of the bits.
        exp_axis = ax.secondary_yaxis(PERPLEXITY_AXIS_OFFSET, functions=(np.exp, _log_of_positive))
        exp_axis.set_ylabel("perplexity\n困惑度")
    ax.set_xlabel(x_label)
    ax.set_ylabel("loss (nats per character)\n每字符损失（奈特）")
    ax.set_title("Training history · 训练过程")
    ax.legend()
    return figure


def _log_of_positive(values: Any) -> Any:
    """ln, with the non-positive values matplotlib probes while it sets the limits clamped to the tiniest float."""
    return np.log(np.maximum(values, np.finfo(float).tiny))


def _records_perplexity(history: Any) -> bool:
    logs = getattr(history, "history", None)
    if isinstance(logs, dict):
        return bool(logs.get("val_perplexity"))
    return bool(getattr(history, "val_perplexity", None))


def plot_batch_grid(x: Any, y: Any, *, vocab: Sequence[str] | None = None, max_batches: int = 4) -> Figure:
    """The first `max_batches` batches side by side, inputs above targets, one colour per row (stream).

    `x` and `y` are `(n_batches, num_seqs, num_steps)` as `make_batches` returns them, or one batch
    `(num_seqs, num_steps)`. Cells show the ids, or the characters when `vocab` is given.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 2:
        x, y = x[np.newaxis], y[np.newaxis]
    if x.ndim != 3 or x.shape != y.shape:
        raise CharRNNError(
            f"plot_batch_grid needs x and y of equal shape (n_batches, num_seqs, num_steps); got {x.shape} and "
            f"{y.shape}.",
            f"plot_batch_grid 需要形状相同的 x 和 y，即 (n_batches, num_seqs, num_steps)；"
            f"收到 {x.shape} 和 {y.shape}。",
        )
    x, y = x[:max_batches], y[:max_batches]
    n_batches, num_seqs, num_steps = x.shape
    columns = n_batches * num_steps
    axes = _new_figure((min(14.0, max(4.8, 0.34 * columns + 1.6)), 2 * (0.34 * num_seqs + 0.9))).subplots(2, 1)
    figure = axes[0].figure
    for ax, name, batches, meaning in zip(axes, ("x", "y"), (x, y), ("inputs x\n输入", "targets y\n目标"),
                                          strict=True):
        _draw_batch_panel(ax, name, batches, vocab)
        ax.set_ylabel(meaning)
    noun = "batch" if n_batches == 1 else "batches"
    figure.suptitle(f"{n_batches} {noun} of num_seqs={num_seqs} × num_steps={num_steps}\n"
                    f"{n_batches} 个批次，每批 num_seqs={num_seqs} × num_steps={num_steps}")
    return figure


def _draw_batch_panel(ax: Axes, name: str, batches: np.ndarray, vocab: Sequence[str] | None) -> None:
    """One row of batches: row i of every batch in one colour, batches separated by white gaps."""
    n_batches, num_seqs, num_steps = batches.shape
    rows = np.hstack(list(batches))  # (num_seqs, n_batches * num_steps): each row is one stream in time order
    colours = ListedColormap([_tint(PALETTE[row % len(PALETTE)], 0.6) for row in range(num_seqs)])
    ax.imshow(np.repeat(np.arange(num_seqs)[:, np.newaxis], rows.shape[1], axis=1), cmap=colours,
              vmin=-0.5, vmax=num_seqs - 0.5, aspect="auto", interpolation="nearest")
    ax.grid(False)
    for boundary in range(1, n_batches):
        ax.axvline(boundary * num_steps - 0.5, color="white", linewidth=4)
    if rows.size <= MAX_ANNOTATED_CELLS:
        for (row, column), value in np.ndenumerate(rows):
            ax.text(column, row, _cell_text(int(value), vocab), ha="center", va="center", fontsize=8,
                    family=_monospace_first(), gid=DATA_TEXT)
    ax.set_xticks([batch * num_steps + (num_steps - 1) / 2 for batch in range(n_batches)],
                  [f"{name}[{batch}]" for batch in range(n_batches)])
    ax.set_yticks(range(num_seqs), [f"row {row} · 第 {row} 行" for row in range(num_seqs)])
    ax.tick_params(length=0)


def _cell_text(value: int, vocab: Sequence[str] | None) -> str:
    """The id itself, or its character (the last id of a vocabulary is `<unk>`)."""
    if vocab is None:
        return str(value)
    return visible(vocab[value]) if value < len(vocab) else UNK_TOKEN


def plot_experiments(results: Sequence[Any], *, ax: Axes | None = None) -> Figure:
    """Best validation bpc ÷ unigram bpc: a bar per setting (the mean over its seeds), grouped by what was varied.

    `results` are the `ExperimentResult`s of `cr.lessons.experiments.run_experiments`; runs of the same
    setting and corpus (see `repeat_over_seeds`) share a bar, each seed drawn as a dot and their range as an
    error bar: a difference inside those ranges is noise. The line at 1.0 is the unigram bpc of each corpus,
    a model that ignores context; the further left of it a bar ends, the more the runs learned from context.
    """
    if not results:
        raise CharRNNError("plot_experiments needs at least one result; run some experiments first.",
                           "plot_experiments 至少需要一个结果；请先运行实验。")
    summaries = summarize_over_seeds(results)
    groups = list(dict.fromkeys(summary.group for summary in summaries))
    rows = [summary for group in groups for summary in summaries if summary.group == group]
    positions = [index + groups.index(summary.group) for index, summary in enumerate(rows)]  # a gap between groups
    figure, ax = _figure_and_axes(ax, size=(9.0, 0.34 * (positions[-1] + 1) + 1.6))
    labelled = set()
    for summary, y in zip(rows, positions, strict=True):
        group = groups.index(summary.group)
        ax.barh(y, summary.mean_ratio, color=PALETTE[group % len(PALETTE)], alpha=0.8,
                label=None if group in labelled else GROUP_LABELS.get(summary.group, summary.group))
        labelled.add(group)
        ratios = [result.bpc_ratio for result in results
                  if (result.setting, result.corpus) == (summary.setting, summary.corpus)]
        ax.plot(ratios, [y] * len(ratios), "o", color="black", markersize=3)
        if summary.runs > 1:
            ax.errorbar(summary.mean_ratio, y, xerr=[[summary.mean_ratio - summary.lowest_ratio],
                                                     [summary.highest_ratio - summary.mean_ratio]],
                        color="black", capsize=3, linewidth=1)
        ax.text(summary.highest_ratio, y, f"  {summary.mean_ratio:.2f}", va="center", fontsize=8)
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1,
               label="unigram bpc (no context) · 一元 bpc（不看上下文）")
    ax.set_yticks(positions, [f"{summary.setting} ({summary.corpus}, {summary.runs}×)" if summary.runs > 1
                              else f"{summary.setting} ({summary.corpus})" for summary in rows])
    ax.invert_yaxis()  # the first setting on top
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("best validation bpc ÷ unigram bpc · 最佳验证 bpc ÷ 一元 bpc")
    ax.set_title("Experiments: lower is better; dots are seeds, whiskers their range\n"
                 "实验：越低越好；圆点是各个随机种子，须线是它们的范围")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)  # beside the bars, never on them
    return figure


def _loss_curves(history: Any) -> tuple[str, list[tuple[Sequence[float], Sequence[float], str]]]:
    """(x-axis label, [(x, loss, label) for training, validation]) from either kind of history."""
    if isinstance(getattr(history, "history", None), dict):  # keras.callbacks.History from fit()
        epochs = [epoch + 1 for epoch in history.epoch]
        logs = history.history
        return "epoch · 轮", [(epochs if "loss" in logs else [], logs.get("loss", []), TRAINING_LOSS),
                             (epochs if "val_loss" in logs else [], logs.get("val_loss", []), VALIDATION_LOSS)]
    return "training step · 训练步数", [(history.steps, history.loss, TRAINING_LOSS),
                                      (history.val_steps, history.val_loss, VALIDATION_LOSS)]


def _figure_and_axes(ax: Axes | None, size: tuple[float, float] | None = None) -> tuple[Figure, Axes]:
    """The figure of `ax`, or a new one-axes figure that pyplot does not track."""
    if ax is not None:
        return ax.figure, ax
    figure = _new_figure(size)
    return figure, figure.subplots()


def _monospace_first() -> list[str]:
    """Monospace glyphs first, then the figure's own fonts (the CJK fallback) for characters monospace lacks."""
    import matplotlib

    return ["monospace", *matplotlib.rcParams["font.family"]]


def _new_figure(size: tuple[float, float] | None) -> Figure:
    """A figure a notebook shows once, as the value of the cell that returns it.

    Creating it through pyplot sets up the notebook's display of figures; closing it at once means the
    inline backend does not show it again when the cell ends.
    """
    import matplotlib.pyplot as plt  # here, not at the top: `import charrnn_lib` must not pick a backend

    figure = plt.figure(figsize=size, layout="constrained")
    plt.close(figure)
    return figure


def _tint(colour: str, amount: float) -> tuple[float, float, float]:
    """`colour` mixed with `amount` of white, so the text drawn on it stays readable."""
    return tuple(channel + (1 - channel) * amount for channel in to_rgb(colour))


def plot_text_activation(text: str, values: Any, *, title: str = "Activation · 激活值", width: int = 64,
                         ax: Axes | None = None) -> Figure:
    """`text` with each character on a background coloured by `values` `(len(text),)`: red high, blue low.

    Karpathy's picture of an interpretable cell: a unit that tracks quotes turns one colour inside them.
    Line breaks start a new row (drawn as ↵); rows longer than `width` wrap. The scale is symmetric around 0.
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(values) != len(text) or not text:
        raise CharRNNError(
            f"plot_text_activation needs one value per character; got {len(values)} values for "
            f"{len(text)} characters.",
            f"plot_text_activation 需要每个字符一个值；收到 {len(values)} 个值和 {len(text)} 个字符。",
        )
    cells, row, column = [], 0, 0  # (row, column, character, value) for each character
    for char, value in zip(text, values, strict=True):
        if column == width and char != "\n":  # a line break at the edge is drawn there, not on a row of its own
            row, column = row + 1, 0
        cells.append((row, column, "↵" if char == "\n" else char, value))
        row, column = (row + 1, 0) if char == "\n" else (row, column + 1)
    rows = cells[-1][0] + 1
    cjk = any(unicodedata.east_asian_width(char) in "WF" for char in text)
    figure, ax = _figure_and_axes(ax, size=(min(16.0, 0.16 * width * (1.8 if cjk else 1.0)) + 1.2,
                                            0.3 * rows + 0.9))
    scale = float(np.abs(values).max()) or 1.0
    import matplotlib

    colours = matplotlib.colormaps["RdBu_r"]
    for row, column, char, value in cells:
        ax.add_patch(matplotlib.patches.Rectangle((column, row), 1, 1, color=colours(0.5 + 0.5 * value / scale)))
        ax.text(column + 0.5, row + 0.5, char, ha="center", va="center", fontsize=8, family=_monospace_first(),
                gid=DATA_TEXT)
    ax.set_xlim(0, width + 1)  # room for a ↵ after a full row
    ax.set_ylim(rows, 0)
    ax.set_axis_off()
    ax.set_title(title)
    mappable = matplotlib.cm.ScalarMappable(matplotlib.colors.Normalize(-scale, scale), colours)
    figure.colorbar(mappable, ax=ax, shrink=0.8, pad=0.01, label="activation · 激活值")
    return figure
