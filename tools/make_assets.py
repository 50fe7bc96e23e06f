"""Draw the course diagrams into assets/ as byte-stable SVG, so anyone can regenerate and review them.

    python tools/make_assets.py            # write assets/*.svg
    python tools/make_assets.py --check    # exit 1 if a committed diagram differs from a fresh drawing

Symbols, numbers and code names stay as they are; words come in English with Chinese below, the Chinese
drawn from the course's CJK font file (Noto Sans SC, PyPI pylopdf-fonts-zh-cn) and stored as outlines, so a
diagram never depends on the fonts of the machine that shows it. The batching grid is drawn from
`charrnn_lib.batches.make_batches` output, and the sampling bars and the attention weights from
`charrnn_lib.sample.apply_temperature`, so picture and code cannot drift.
Bytes are stable for a given matplotlib version: fixed hash salt, no date, text drawn as paths.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so the tool runs from a checkout without `pip install -e .`

from charrnn_lib.atomic import write_text_atomic  # noqa: E402
from charrnn_lib.batches import make_batches  # noqa: E402
from charrnn_lib.lessons.notebook import PALETTE, packaged_cjk_font  # noqa: E402
from charrnn_lib.sample import apply_temperature  # noqa: E402

ASSETS = ROOT / "assets"
INCH_PER_UNIT = 0.6  # diagrams are laid out in box units; 14 units ≈ one notebook width
INK, MUTED, PAPER = "#2B2D42", "#8D99AE", "#F4F5F7"
INPUT, HIDDEN, OUTPUT, GATE, CELL = PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[6]
STREAMS = (PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[6])
STYLE = {
    "svg.hashsalt": "charrnn-assets",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "font.size": 12,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
}
SVG_METADATA = {"Date": None, "Creator": "tools/make_assets.py"}
MONO = "DejaVu Sans Mono"


# --- drawing helpers ------------------------------------------------------------------------------

def tint(color: str, amount: float) -> tuple[float, float, float]:
    """`color` mixed with white; amount 0 keeps it, 1 gives white."""
    return tuple(channel + (1 - channel) * amount for channel in to_rgb(color))


def canvas(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure without axes whose coordinates are box units, origin bottom left."""
    figure = Figure(figsize=(width * INCH_PER_UNIT, height * INCH_PER_UNIT))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_aspect("equal")
    axes.axis("off")
    return figure, axes


def box(axes: Axes, center: tuple[float, float], size: tuple[float, float], text: str = "", color: str = INK, *,
        fill: float = 0.8, fontsize: float = 13, family: str | None = None) -> None:
    """A rounded box with a light fill of `color`, its edge in `color`, and centred text."""
    (x, y), (width, height) = center, size
    axes.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                  boxstyle="round,pad=0,rounding_size=0.12",
                                  facecolor=tint(color, fill), edgecolor=color, linewidth=1.4))
    if text:
        axes.text(x, y, text, ha="center", va="center", fontsize=fontsize, family=family or STYLE["font.family"])


def chinese_font(size: float) -> FontProperties:
    """The course's CJK font by file, not by family name: another installed "Noto Sans SC" cannot change the SVG."""
    path = packaged_cjk_font()
    if path is None:
        raise SystemExit("The diagrams need the course's CJK font: pip install -e . (it brings pylopdf-fonts-zh-cn)"
                         " · 绘制示意图需要课程的中文字体：请运行 pip install -e .（会装上 pylopdf-fonts-zh-cn）")
    return FontProperties(fname=path, size=size)


def bilingual(axes: Axes, position: tuple[float, float], english: str, chinese: str, *, fontsize: float = 11,
              color: str = INK, ha: str = "center", family: str | None = None) -> None:
    """`english` with `chinese` on the line below; `position` is where the two lines meet."""
    x, y = position
    axes.text(x, y + 0.03, english, ha=ha, va="bottom", fontsize=fontsize, color=color,
              family=family or STYLE["font.family"], linespacing=1.3)
    axes.text(x, y - 0.03, chinese, ha=ha, va="top", color=color, fontproperties=chinese_font(fontsize))


def arrow(axes: Axes, start: tuple[float, float], end: tuple[float, float], color: str = INK, *,
          width: float = 1.4, bend: float = 0.0) -> None:
    """An arrow from `start` to `end`, straight or bent into an arc (`bend` as in matplotlib's arc3)."""
    axes.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12,
                                   color=color, linewidth=width, shrinkA=0, shrinkB=0,
                                   connectionstyle=f"arc3,rad={bend}"))


def line(axes: Axes, points: list[tuple[float, float]], color: str = INK, width: float = 1.4) -> None:
    """A polyline without arrow head."""
    xs, ys = zip(*points, strict=True)
    axes.plot(xs, ys, color=color, linewidth=width, solid_capstyle="round", solid_joinstyle="round")


def operator(axes: Axes, center: tuple[float, float], symbol: str, color: str = INK) -> None:
    """A pointwise operation: a small white circle with ×, + or similar."""
    axes.add_patch(Circle(center, 0.28, facecolor="white", edgecolor=color, linewidth=1.4, zorder=3))
    axes.text(*center, symbol, ha="center", va="center", fontsize=14, zorder=4)


def grid(axes: Axes, origin: tuple[float, float], values: np.ndarray, colors: list[list], *, cell: float = 0.62,
         fontsize: float = 11, text_colors: list[list] | None = None) -> None:
    """A table of numbers; `origin` is the top-left corner, `colors[row][column]` each cell's fill."""
    left, top = origin
    text_colors = text_colors or [[INK] * values.shape[1]] * values.shape[0]
    for row, column in np.ndindex(values.shape):
        x, y = left + column * cell, top - row * cell
        axes.add_patch(FancyBboxPatch((x + 0.03, y - cell + 0.03), cell - 0.06, cell - 0.06,
                                      boxstyle="round,pad=0,rounding_size=0.06",
                                      facecolor=colors[row][column], edgecolor="none"))
        axes.text(x + cell / 2, y - cell / 2, f"{values[row, column]:g}", ha="center", va="center",
                  fontsize=fontsize, family=MONO, color=text_colors[row][column])


def brace(axes: Axes, start: tuple[float, float], end: tuple[float, float], text: str, *, side: str) -> None:
    """A bracket from `start` to `end` with a label on `side` ("above" or "left")."""
    (x0, y0), (x1, y1) = start, end
    tick = 0.12
    if side == "above":
        line(axes, [(x0, y0 - tick), (x0, y0), (x1, y1), (x1, y1 - tick)], MUTED, 1.2)
        axes.text((x0 + x1) / 2, y0 + 0.12, text, ha="center", va="bottom", fontsize=12, color=MUTED, family=MONO)
    else:
        line(axes, [(x0 + tick, y0), (x0, y0), (x1, y1), (x1 + tick, y1)], MUTED, 1.2)
        axes.text(x0 - 0.15, (y0 + y1) / 2, text, ha="right", va="center", fontsize=12, color=MUTED, family=MONO)


# --- the diagrams ---------------------------------------------------------------------------------

def draw_snapshots_to_sequence() -> Figure:
    """Left: at each step the model sees a longer prefix and predicts one character. Right: the same
    as one input sequence x and a target sequence y shifted by one, trained at all steps at once."""
    text = "hello"
    steps = len(text) - 1
    figure, axes = canvas(15.5, 5.6)
    size = 0.62
    for step in range(steps):
        y = 4.6 - step * 1.05
        axes.text(0.9, y, f"$t = {step + 1}$", ha="right", va="center", fontsize=12, color=MUTED)
        for position in range(step + 1):
            box(axes, (1.5 + position * 0.72, y), (size, size), text[position], INPUT, family=MONO)
        target_x = 1.5 + (steps - 1) * 0.72 + 1.55
        arrow(axes, (1.5 + step * 0.72 + 0.4, y), (target_x - 0.42, y), MUTED)
        box(axes, (target_x, y), (size, size), text[step + 1], OUTPUT, family=MONO)
    arrow(axes, (6.9, 2.75), (8.3, 2.75), INK, width=2.5)
    left = 10.1
    for step in range(steps):
        x = left + step * 1.1
        box(axes, (x, 1.55), (0.8, 0.8), text[step], INPUT, family=MONO, fontsize=15)
        box(axes, (x, 3.95), (0.8, 0.8), text[step + 1], OUTPUT, family=MONO, fontsize=15)
        arrow(axes, (x, 2.0), (x, 3.5), MUTED)
        axes.text(x, 0.75, f"$t = {step + 1}$", ha="center", va="center", fontsize=11, color=MUTED)
    axes.text(left - 0.75, 1.55, "$x$", ha="right", va="center", fontsize=16)
    axes.text(left - 0.75, 3.95, "$y$", ha="right", va="center", fontsize=16)
    return figure


def draw_unrolled_rnn() -> Figure:
    """A recurrent layer drawn folded (one cell with a loop) and unrolled over four time steps."""
    figure, axes = canvas(15.0, 6.4)
    levels = {"x": 1.9, "h": 3.7, "y": 5.5}

    def column(x: float, subscript: str) -> None:
        box(axes, (x, levels["x"]), (0.95, 0.75), f"$x_{{{subscript}}}$", INPUT, fontsize=15)
        box(axes, (x, levels["h"]), (1.05, 0.95), f"$h_{{{subscript}}}$", HIDDEN, fontsize=15, fill=0.7)
        box(axes, (x, levels["y"]), (0.95, 0.75), f"$y_{{{subscript}}}$", OUTPUT, fontsize=15)
        arrow(axes, (x, levels["x"] + 0.38), (x, levels["h"] - 0.48))
        arrow(axes, (x, levels["h"] + 0.48), (x, levels["y"] - 0.38))

    column(1.6, "t")
    arrow(axes, (2.13, levels["h"] + 0.2), (2.13, levels["h"] - 0.2), HIDDEN, width=1.8, bend=-2.2)
    axes.text(3.65, levels["h"], "$=$", ha="center", va="center", fontsize=24, color=MUTED)
    axes.text(5.0, levels["h"], "$h_0$", ha="center", va="center", fontsize=15, color=MUTED)
    previous = 5.35
    for step in range(1, 5):
        x = 5.0 + step * 2.0
        column(x, str(step))
        arrow(axes, (previous, levels["h"]), (x - 0.53, levels["h"]), HIDDEN, width=1.8)
        previous = x + 0.53
    arrow(axes, (previous, levels["h"]), (previous + 0.8, levels["h"]), HIDDEN, width=1.8)
    axes.text(previous + 1.0, levels["h"], "$\\cdots$", ha="left", va="center", fontsize=15, color=MUTED)
    bilingual(axes, (1.6, 0.75), "folded", "折叠", color=MUTED)
    bilingual(axes, (10.0, 0.75), "unrolled over the time steps", "按时间步展开", color=MUTED)
    return figure


def draw_batching_grid() -> Figure:
    """`make_batches(ids, num_seqs=3, num_steps=4)` on ids 0..24: the stream cut into rows, then into batches."""
    num_seqs, num_steps = 3, 4
    ids = np.arange(25)
    x, y = make_batches(ids, num_seqs, num_steps)  # (n_batches, num_seqs, num_steps) each
    n_batches = x.shape[0]
    row_of = {int(value): row for (_, row, _), value in np.ndenumerate(x)}  # which stream an id feeds
    fills = [[tint(STREAMS[row], 0.65)] * num_steps for row in range(num_seqs)]
    width_units, cell, gap = 17.2, 0.62, 0.45
    figure, axes = canvas(width_units, 5.0)
    # The whole stream, coloured by the row it becomes; the last id is only ever a target.
    strip_left = (width_units - len(ids) * cell) / 2 + 0.4
    colors = [[tint(STREAMS[row_of[int(i)]], 0.65) if int(i) in row_of else tint(MUTED, 0.7) for i in ids]]
    grid(axes, (strip_left, 4.7), ids.reshape(1, -1), colors, cell=cell, fontsize=10)
    axes.text(strip_left - 0.2, 4.7 - cell / 2, "ids", ha="right", va="center", fontsize=12, family=MONO)
    # x[k] and y[k] side by side: row i of batch k+1 continues row i of batch k, and y is x shifted by one.
    width = num_steps * cell
    group = n_batches * width + (n_batches - 1) * gap
    top, group_gap = 3.0, 1.6
    left = (width_units - 2 * group - group_gap) / 2 + 0.4
    for name, arrays, group_left in (("x", x, left), ("y", y, left + group + group_gap)):
        for batch in range(n_batches):
            origin = (group_left + batch * (width + gap), top)
            grid(axes, origin, arrays[batch], fills, cell=cell)
            axes.text(origin[0] + width / 2, top - num_seqs * cell - 0.2, f"{name}[{batch}]", ha="center", va="top",
                      fontsize=12, family=MONO)
    brace(axes, (left, top + 0.25), (left + width, top + 0.25), "num_steps", side="above")
    brace(axes, (left - 0.2, top), (left - 0.2, top - num_seqs * cell), "num_seqs", side="left")
    return figure


def draw_one_hot_vs_embedding() -> Figure:
    """The same ids as one-hot rows (mostly zeros) and as rows looked up in an embedding table."""
    ids = np.array([2, 0, 3])
    vocab_size, embedding_size = 5, 3
    one_hot = np.eye(vocab_size, dtype=int)[ids]
    table = np.round(np.random.default_rng(7).normal(0, 0.6, size=(vocab_size, embedding_size)), 1) + 0.0
    cell, wide, top = 0.62, 0.8, 4.6
    middle = top - 1.5 * cell  # the centre line of a three-row block
    figure, axes = canvas(16.0, 6.6)

    def id_column(left: float) -> None:
        grid(axes, (left, top), ids[:, None], [[tint(INPUT, 0.65)] for _ in ids], cell=cell)
        axes.text(left + cell / 2, top + 0.2, "ids", ha="center", va="bottom", fontsize=12, family=MONO)

    def caption(center: float, below: float, text: str) -> None:
        axes.text(center, below - 0.2, text, ha="center", va="top", fontsize=11, family=MONO, color=MUTED,
                  linespacing=1.5)

    # One-hot: a row of vocab_size numbers per id, a single 1 at the id.
    id_column(0.5)
    one_hot_left = 2.35
    arrow(axes, (0.5 + cell + 0.15, middle), (one_hot_left - 0.15, middle), MUTED)
    grid(axes, (one_hot_left, top), one_hot,
         [[tint(INPUT, 0.1) if value else PAPER for value in row] for row in one_hot], cell=cell,
         text_colors=[["white" if value else MUTED for value in row] for row in one_hot])
    for column in range(vocab_size):
        axes.text(one_hot_left + (column + 0.5) * cell, top + 0.2, str(column), ha="center", va="bottom",
                  fontsize=10, color=MUTED, family=MONO)
    caption(one_hot_left + vocab_size * cell / 2, top - 3 * cell, "one_hot(ids, 5)\n(3, 5)")

    # Embedding: row `id` of a (vocab_size, embedding_size) table W, learned during training.
    axes.plot([6.3, 6.3], [0.6, 5.4], color=tint(MUTED, 0.5), linewidth=1.2)
    id_column(7.0)
    table_left, table_top = 9.5, top + 0.6
    picked = set(ids.tolist())
    grid(axes, (table_left, table_top), table,
         [[tint(HIDDEN, 0.55) if index in picked else PAPER] * embedding_size for index in range(vocab_size)],
         cell=wide, fontsize=10)
    for index in range(vocab_size):
        axes.text(table_left - 0.15, table_top - (index + 0.5) * wide, str(index), ha="right", va="center",
                  fontsize=10, color=MUTED, family=MONO)
    for row, value in enumerate(ids):
        arrow(axes, (7.0 + cell + 0.1, top - (row + 0.5) * cell),
              (table_left - 0.45, table_top - (value + 0.5) * wide), tint(HIDDEN, 0.2), width=1.1)
    caption(table_left + embedding_size * wide / 2, table_top - vocab_size * wide, "W\n(5, 3)")
    output_left = table_left + embedding_size * wide + 1.1
    arrow(axes, (output_left - 0.95, middle), (output_left - 0.15, middle), MUTED)
    grid(axes, (output_left, top), table[ids], [[tint(HIDDEN, 0.55)] * embedding_size for _ in ids], cell=wide,
         fontsize=10)
    caption(output_left + embedding_size * wide / 2, top - 3 * wide, "W[ids]\n(3, 3)")
    equation = "$\\mathrm{one\\_hot}(\\mathrm{ids}) \\cdot W = W[\\mathrm{ids}]$"
    axes.text(one_hot_left + vocab_size * cell / 2 - 0.6, 1.0, equation, ha="center",
              va="center", fontsize=14)
    bilingual(axes, (3.1, 6.0), "one-hot encoding", "独热编码", fontsize=12)
    bilingual(axes, (11.2, 6.0), "embedding", "嵌入", fontsize=12)
    return figure


def draw_lstm_cell() -> Figure:
    """One LSTM step: forget, input and output gates (σ), the candidate (tanh), the cell state line."""
    figure, axes = canvas(16.9, 7.4)
    axes.add_patch(FancyBboxPatch((1.0, 0.9), 10.0, 5.5, boxstyle="round,pad=0,rounding_size=0.4",
                                  facecolor=PAPER, edgecolor=tint(MUTED, 0.3), linewidth=1.4))
    top, mix, bottom = 5.5, 4.2, 1.5
    gates = {"f": 3.0, "i": 4.6, "g": 6.2, "o": 7.8}
    gate_level = 2.75
    # Cell state: c_{t-1} → × f_t → + (i_t × c̃_t) → c_t.
    arrow(axes, (0.2, top), (2.72, top), CELL, width=2.4)
    operator(axes, (3.0, top), "×", CELL)
    arrow(axes, (3.28, top), (5.92, top), CELL, width=2.4)
    operator(axes, (6.2, top), "+", CELL)
    arrow(axes, (6.48, top), (11.8, top), CELL, width=2.4)
    axes.text(0.1, top + 0.35, "$c_{t-1}$", ha="left", va="bottom", fontsize=15)
    axes.text(11.8, top + 0.35, "$c_t$", ha="right", va="bottom", fontsize=15)
    # Inputs: h_{t-1} from the left and x_t from below join and feed all four layers.
    line(axes, [(0.2, bottom), (gates["o"], bottom)], INPUT, 2.0)
    arrow(axes, (1.9, 0.2), (1.9, bottom - 0.02), INPUT, width=2.0)
    axes.text(0.1, bottom + 0.3, "$h_{t-1}$", ha="left", va="bottom", fontsize=15)
    axes.text(2.15, 0.25, "$x_t$", ha="left", va="bottom", fontsize=15)
    for name, x in gates.items():
        arrow(axes, (x, bottom), (x, gate_level - 0.33), INPUT, width=1.6)
        box(axes, (x, gate_level), (1.05, 0.64), "tanh" if name == "g" else "σ", HIDDEN if name == "g" else GATE,
            fontsize=13 if name == "g" else 16, fill=0.7)
    labels = {"f": "$f_t$", "i": "$i_t$", "g": "$\\tilde{c}_t$", "o": "$o_t$"}
    names = {"f": ("forget", "遗忘门"), "i": ("input", "输入门"), "g": ("candidate", "候选记忆元"),
             "o": ("output", "输出门")}
    for name, x in gates.items():
        axes.text(x + 0.12, gate_level + 0.55, labels[name], ha="left", va="bottom", fontsize=14)
        bilingual(axes, (x + 0.12, 1.97), *names[name], fontsize=9.5, color=MUTED, ha="left")
    bilingual(axes, (7.9, 5.92), "cell state", "记忆元", fontsize=10, color=MUTED)
    # forget gate scales the old cell state
    arrow(axes, (gates["f"], gate_level + 0.33), (gates["f"], top - 0.28))
    # input gate × candidate, added to the cell state
    line(axes, [(gates["i"], gate_level + 0.33), (gates["i"], mix), (gates["g"] - 0.28, mix)])
    arrow(axes, (gates["i"] + 1.0, mix), (gates["g"] - 0.28, mix))
    operator(axes, (gates["g"], mix), "×")
    arrow(axes, (gates["g"], gate_level + 0.33), (gates["g"], mix - 0.28))
    arrow(axes, (gates["g"], mix + 0.28), (gates["g"], top - 0.28))
    # output gate × tanh(c_t) gives h_t
    squash_x = 9.4
    arrow(axes, (squash_x, top), (squash_x, mix + 0.3), CELL, width=1.6)
    box(axes, (squash_x, mix), (1.05, 0.6), "tanh", HIDDEN, fontsize=13, fill=0.7)
    arrow(axes, (squash_x, mix - 0.3), (squash_x, 3.2 + 0.28))
    operator(axes, (squash_x, 3.2), "×")
    line(axes, [(gates["o"], gate_level + 0.33), (gates["o"], 3.2), (squash_x - 0.28, 3.2)])
    arrow(axes, (gates["o"] + 0.9, 3.2), (squash_x - 0.28, 3.2))
    line(axes, [(squash_x, 2.92), (squash_x, bottom), (10.3, bottom)], OUTPUT, 2.0)
    arrow(axes, (10.3, bottom), (11.8, bottom), OUTPUT, width=2.0)
    arrow(axes, (10.3, bottom), (10.3, 7.2), OUTPUT, width=2.0)
    axes.text(11.8, bottom + 0.3, "$h_t$", ha="right", va="bottom", fontsize=15)
    axes.text(10.5, 6.75, "$h_t$", ha="left", va="center", fontsize=15)
    equations = (
        "$f_t = \\sigma(W_f\\,[h_{t-1}, x_t] + b_f)$",
        "$i_t = \\sigma(W_i\\,[h_{t-1}, x_t] + b_i)$",
        "$\\tilde{c}_t = \\tanh(W_c\\,[h_{t-1}, x_t] + b_c)$",
        "$o_t = \\sigma(W_o\\,[h_{t-1}, x_t] + b_o)$",
        "$c_t = f_t \\odot c_{t-1} + i_t \\odot \\tilde{c}_t$",
        "$h_t = o_t \\odot \\tanh(c_t)$",
    )
    for row, equation in enumerate(equations):
        axes.text(12.3, 5.6 - row * 0.82, equation, ha="left", va="center", fontsize=12.5)
    return figure


def draw_char_rnn() -> Figure:
    """The course model unrolled over four steps: characters → one-hot/embedding → LSTM × 2 → softmax."""
    text = "hello"
    vocab = sorted(set(text))  # e, h, l, o
    steps = len(text) - 1
    figure, axes = canvas(14.4, 9.2)
    axes.set_xlim(-1.0, 13.4)  # one more unit on the left for the Chinese layer names
    levels = {"x": 0.7, "encode": 2.1, "lstm1": 3.7, "lstm2": 5.3, "softmax": 6.95, "y": 8.55}
    for level in ("x", "y"):
        axes.text(1.9, levels[level], f"${level}_t$", ha="right", va="center", fontsize=15)
    layer_names = {"encode": ("one_hot /\nEmbedding", "独热编码 / 嵌入层"), "lstm1": ("LSTM", "长短期记忆网络"),
                   "lstm2": ("LSTM", "长短期记忆网络"), "softmax": ("Dense +\nsoftmax", "全连接层 + softmax")}
    for level, (english, chinese) in layer_names.items():
        bilingual(axes, (1.9, levels[level]), english, chinese, fontsize=11, ha="right", family=MONO)
    # Made-up scores over the vocabulary, highest for the right next character.
    scores = np.full((steps, len(vocab)), 0.3) + 0.25 * np.arange(len(vocab))[::-1]
    for step in range(steps):
        scores[step, vocab.index(text[step + 1])] = 2.4
    probabilities = apply_temperature(scores, 1.0)
    for step in range(steps):
        x = 3.6 + step * 2.55
        box(axes, (x, levels["x"]), (0.8, 0.7), text[step], INPUT, family=MONO, fontsize=15)
        for position in range(len(vocab)):  # the one-hot (or embedding) vector of this character
            axes.add_patch(FancyBboxPatch((x - 0.57 + position * 0.3, levels["encode"] - 0.14), 0.24, 0.28,
                                          boxstyle="round,pad=0,rounding_size=0.04",
                                          facecolor=INPUT if vocab[position] == text[step] else tint(INPUT, 0.8),
                                          edgecolor="none"))
        for level, layer in (("lstm1", 1), ("lstm2", 2)):
            box(axes, (x, levels[level]), (1.45, 0.8), f"$h^{{({layer})}}_{{{step + 1}}}$", HIDDEN, fill=0.7,
                fontsize=14)
            start = x - 2.55 + 0.73 if step else 2.2
            arrow(axes, (start, levels[level]), (x - 0.73, levels[level]), HIDDEN, width=1.8)
            if step == steps - 1:
                arrow(axes, (x + 0.73, levels[level]), (x + 1.45, levels[level]), HIDDEN, width=1.8)
        box(axes, (x, levels["softmax"]), (1.45, 0.95), "", OUTPUT, fill=0.85)
        for position, probability in enumerate(probabilities[step]):
            chosen = vocab[position] == text[step + 1]
            axes.add_patch(FancyBboxPatch((x - 0.5 + position * 0.27, levels["softmax"] - 0.36), 0.19,
                                          0.72 * probability / probabilities.max(), boxstyle="square,pad=0",
                                          facecolor=OUTPUT if chosen else tint(OUTPUT, 0.45), edgecolor="none"))
        box(axes, (x, levels["y"]), (0.8, 0.7), text[step + 1], OUTPUT, family=MONO, fontsize=15)
        for lower, upper, below, above in (("x", "encode", 0.35, 0.3), ("encode", "lstm1", 0.3, 0.4),
                                            ("lstm1", "lstm2", 0.4, 0.4), ("lstm2", "softmax", 0.4, 0.48),
                                            ("softmax", "y", 0.48, 0.35)):
            arrow(axes, (x, levels[lower] + below), (x, levels[upper] - above), MUTED)
    return figure


def draw_sampling() -> Figure:
    """How temperature reshapes the next-character distribution, and what top-n keeps."""
    characters = ["e", "a", "t", "o", "n", "s", "h", "r"]
    logits = np.array([2.0, 1.6, 1.1, 0.8, 0.4, 0.1, -0.3, -0.8])
    panels = [("$T = 0.5$", apply_temperature(logits, 0.5), None), ("$T = 1$", apply_temperature(logits, 1.0), None),
              ("$T = 2$", apply_temperature(logits, 2.0), None), ("top_n = 3", apply_temperature(logits, 1.0), 3)]
    figure = Figure(figsize=(10.0, 3.0))
    grid_spec = figure.add_gridspec(1, len(panels), left=0.06, right=0.99, bottom=0.14, top=0.86, wspace=0.12)
    positions = np.arange(len(characters))
    for index, (title, probabilities, top_n) in enumerate(panels):
        axes = figure.add_subplot(grid_spec[0, index], sharey=figure.axes[0] if index else None)
        if top_n is None:
            axes.bar(positions, probabilities, width=0.72, color=tint(INPUT, 0.25), edgecolor=INPUT, linewidth=1.0)
        else:
            kept = np.argsort(probabilities)[-top_n:]
            renormalised = np.zeros_like(probabilities)
            renormalised[kept] = probabilities[kept] / probabilities[kept].sum()
            axes.bar(positions, probabilities, width=0.72, color="none", edgecolor=MUTED, linewidth=1.0,
                     linestyle=(0, (2, 2)))
            axes.bar(positions[kept], renormalised[kept], width=0.72, color=tint(OUTPUT, 0.25), edgecolor=OUTPUT,
                     linewidth=1.0)
        axes.set_title(title, fontsize=13, family=MONO if not title.startswith("$") else None)
        axes.set_xticks(positions, characters, family=MONO, fontsize=11)
        axes.tick_params(length=0)
        axes.set_ylim(0, 0.75)
        axes.grid(axis="y", color=tint(MUTED, 0.6), linewidth=0.6)
        axes.set_axisbelow(True)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        axes.spines["bottom"].set_color(MUTED)
        if index:
            axes.tick_params(labelleft=False)
        else:
            axes.set_ylabel("$p$", fontsize=13, rotation=0, labelpad=10)
    return figure


def draw_sequence_tasks() -> Figure:
    """The shapes of sequence tasks, unrolled: one to many, many to one, many to many (aligned and not)."""
    panels = (  # (English, Chinese, example, example in Chinese, steps with an input, steps with an output)
        ("one to many", "一对多", "music generation", "音乐生成", {0}, {0, 1, 2, 3}),
        ("many to one", "多对一", "sentiment classification", "情感分类", {0, 1, 2, 3}, {3}),
        ("many to many", "多对多", "char-RNN, tagging words", "字符级 RNN、词性标注", {0, 1, 2, 3}, {0, 1, 2, 3}),
        ("many to many, other length", "多对多（长度不同）", "machine translation", "机器翻译", {0, 1}, {2, 3}),
    )
    width = 4.7
    figure, axes = canvas(width * len(panels) + 0.3, 7.0)
    levels = {"x": 1.9, "h": 3.5, "y": 5.1}
    for index, (english, chinese, example, example_zh, inputs, outputs) in enumerate(panels):
        left = 0.3 + index * width
        bilingual(axes, (left + width / 2 - 0.15, 6.45), english, chinese, fontsize=12)
        bilingual(axes, (left + width / 2 - 0.15, 0.75), example, example_zh, fontsize=10, color=MUTED)
        for step in range(4):
            x = left + 0.6 + step * 1.05
            box(axes, (x, levels["h"]), (0.75, 0.7), "$h$", HIDDEN, fontsize=13, fill=0.7)
            if step:
                arrow(axes, (x - 0.68, levels["h"]), (x - 0.38, levels["h"]), HIDDEN, width=1.6)
            if step in inputs:
                box(axes, (x, levels["x"]), (0.65, 0.6), "$x$", INPUT, fontsize=13)
                arrow(axes, (x, levels["x"] + 0.3), (x, levels["h"] - 0.35))
            if step in outputs:
                box(axes, (x, levels["y"]), (0.65, 0.6), "$y$", OUTPUT, fontsize=13)
                arrow(axes, (x, levels["h"] + 0.35), (x, levels["y"] - 0.3))
        if index:
            axes.plot([left - 0.15, left - 0.15], [0.3, 6.9], color=tint(MUTED, 0.5), linewidth=1.0)
    return figure


def draw_bptt_backward() -> Figure:
    """Backpropagation through time on four steps: each h_t gets its own prediction's gradient plus dh_next."""
    figure, axes = canvas(16.6, 8.4)
    levels = {"x": 2.3, "h": 4.4, "loss": 6.6}
    steps = 4
    for step in range(steps):
        x = 2.2 + step * 3.2
        name = f"{step + 1}"
        box(axes, (x, levels["x"]), (0.9, 0.7), f"$x_{name}$", INPUT, fontsize=14)
        box(axes, (x, levels["h"]), (1.0, 0.85), f"$h_{name}$", HIDDEN, fontsize=14, fill=0.7)
        box(axes, (x, levels["loss"]), (0.9, 0.7), f"$L_{name}$", OUTPUT, fontsize=14)
        arrow(axes, (x - 0.15, levels["x"] + 0.35), (x - 0.15, levels["h"] - 0.43), MUTED, width=1.0)
        arrow(axes, (x - 0.15, levels["h"] + 0.43), (x - 0.15, levels["loss"] - 0.35), MUTED, width=1.0)
        # backward: the loss of this step reaches h_t through the read-out
        arrow(axes, (x + 0.2, levels["loss"] - 0.35), (x + 0.2, levels["h"] + 0.43), GATE, width=2.2)
        axes.text(x + 0.35, (levels["loss"] + levels["h"]) / 2, "$\\delta_{" + name + "} W_y^\\top$", ha="left",
                  va="center", fontsize=12, color=GATE)
        if step:
            arrow(axes, (x - 3.2 + 0.5, levels["h"] + 0.15), (x - 0.5, levels["h"] + 0.15), MUTED, width=1.0)
            arrow(axes, (x - 0.5, levels["h"] - 0.2), (x - 3.2 + 0.5, levels["h"] - 0.2), GATE, width=2.2)
            axes.text(x - 1.6, levels["h"] - 0.35, "dh_next", ha="center", va="top", fontsize=11, family=MONO,
                      color=GATE)
            axes.text(x - 1.6, levels["h"] - 0.85, "$dz_{" + name + "} W_h^\\top$", ha="center", va="top",
                      fontsize=12, color=GATE)
    last = 2.2 + (steps - 1) * 3.2
    axes.text(last + 0.6, levels["h"] - 0.2, "dh_next = 0", ha="left", va="center", fontsize=11, family=MONO,
              color=GATE)
    axes.text(8.0, 7.75, "$dh_t = \\delta_t W_y^\\top + dh^{next}, \\quad dz_t = dh_t \\odot (1 - h_t^2)$",
              ha="center", va="center", fontsize=13)
    axes.text(8.0, 1.3, "$dW_x \\;{+}{=}\\; x_t^\\top dz_t, \\quad dW_h \\;{+}{=}\\; h_{t-1}^\\top dz_t, "
              "\\quad db \\;{+}{=}\\; \\sum dz_t$", ha="center", va="center", fontsize=12, color=MUTED)
    legend_y = 0.45
    arrow(axes, (2.0, legend_y), (2.9, legend_y), MUTED, width=1.0)
    bilingual(axes, (3.1, legend_y), "forward", "前向计算", fontsize=10, ha="left", color=MUTED)
    arrow(axes, (6.6, legend_y), (7.5, legend_y), GATE, width=2.2)
    bilingual(axes, (7.7, legend_y), "backward, from the last step", "反向传播，从最后一步开始", fontsize=10,
              ha="left", color=GATE)
    return figure


def _lstm_stage(axes: Axes, left: float, stage: int) -> None:
    """One LSTM cell drawn up to `stage` (1 forget, 2 write, 3 output); the parts new at `stage` in colour."""
    def ink(part_stage: int, color: str) -> str:
        return color if part_stage == stage else tint(MUTED, 0.35)

    top, mix, gate_level, bottom = 5.0, 3.9, 2.6, 1.4
    gates = {"f": left + 1.3, "i": left + 2.6, "g": left + 3.9, "o": left + 5.2}
    right = left + 6.6
    axes.add_patch(FancyBboxPatch((left + 0.4, 0.9), 5.9, 4.7, boxstyle="round,pad=0,rounding_size=0.3",
                                  facecolor=PAPER, edgecolor=tint(MUTED, 0.3), linewidth=1.2))
    # the cell state line and the inputs, present from the start
    arrow(axes, (left, top), (gates["f"] - 0.28, top), CELL, width=2.2)
    operator(axes, (gates["f"], top), "×", ink(1, CELL))
    if stage == 1:
        arrow(axes, (gates["f"] + 0.28, top), (right, top), CELL, width=2.2)
    else:
        arrow(axes, (gates["f"] + 0.28, top), (gates["g"] - 0.28, top), CELL, width=2.2)
        arrow(axes, (gates["g"] + 0.28, top), (right, top), CELL, width=2.2)
    axes.text(left + 0.05, top + 0.25, "$c_{t-1}$", ha="left", va="bottom", fontsize=13)
    axes.text(right, top + 0.25, "$c_t$", ha="right", va="bottom", fontsize=13)
    used = [name for name, part_stage in (("f", 1), ("i", 2), ("g", 2), ("o", 3)) if part_stage <= stage]
    line(axes, [(left, bottom), (gates[used[-1]], bottom)], INPUT, 1.8)
    axes.text(left + 0.05, bottom + 0.2, "$h_{t-1}, x_t$", ha="left", va="bottom", fontsize=12)
    for name in used:
        part_stage = {"f": 1, "i": 2, "g": 2, "o": 3}[name]
        color = ink(part_stage, HIDDEN if name == "g" else GATE)
        arrow(axes, (gates[name], bottom), (gates[name], gate_level - 0.3), ink(part_stage, INPUT), width=1.4)
        box(axes, (gates[name], gate_level), (0.9, 0.58), "tanh" if name == "g" else "σ", color,
            fontsize=11 if name == "g" else 14, fill=0.7)
        label = {"f": "$f_t$", "i": "$i_t$", "g": "$\\tilde{c}_t$", "o": "$o_t$"}[name]
        axes.text(gates[name] - 0.5, gate_level + 0.42, label, ha="right", va="bottom", fontsize=12)
    arrow(axes, (gates["f"], gate_level + 0.3), (gates["f"], top - 0.28), ink(1, INK))
    if stage >= 2:
        operator(axes, (gates["g"], top), "+", ink(2, CELL))
        line(axes, [(gates["i"], gate_level + 0.3), (gates["i"], mix), (gates["g"] - 0.28, mix)], ink(2, INK))
        operator(axes, (gates["g"], mix), "×", ink(2, INK))
        arrow(axes, (gates["g"], gate_level + 0.3), (gates["g"], mix - 0.28), ink(2, INK))
        arrow(axes, (gates["g"], mix + 0.28), (gates["g"], top - 0.28), ink(2, INK))
    if stage >= 3:
        squash = gates["o"] + 0.75
        arrow(axes, (squash, top), (squash, mix + 0.27), ink(3, CELL), width=1.4)
        box(axes, (squash, mix), (0.8, 0.5), "tanh", ink(3, HIDDEN), fontsize=10, fill=0.7)
        operator(axes, (squash, 3.1), "×", ink(3, INK))
        arrow(axes, (squash, mix - 0.25), (squash, 3.1 + 0.28), ink(3, INK))
        line(axes, [(gates["o"], gate_level + 0.3), (gates["o"], 3.1), (squash - 0.28, 3.1)], ink(3, INK))
        line(axes, [(squash + 0.28, 3.1), (right - 0.1, 3.1)], OUTPUT, 1.8)
        arrow(axes, (right - 0.1, 3.1), (right + 0.3, 3.1), OUTPUT, width=1.8)
        axes.text(right + 0.05, 3.3, "$h_t$", ha="left", va="bottom", fontsize=13)


def draw_lstm_gates() -> Figure:
    """The LSTM built up gate by gate: forget (scale the old memory), write (input gate × candidate), output."""
    stages = (("1. forget: scale the old memory", "① 遗忘：缩放旧的记忆元", "$c_t = f_t \\odot c_{t-1}$"),
              ("2. write: add a gated candidate", "② 写入：加上经过门控的候选值",
               "$c_t = f_t \\odot c_{t-1} + i_t \\odot \\tilde{c}_t$"),
              ("3. output: show part of the memory", "③ 输出：显示记忆元的一部分", "$h_t = o_t \\odot \\tanh(c_t)$"))
    width = 7.4
    figure, axes = canvas(width * len(stages) + 0.4, 7.6)
    for index, (english, chinese, equation) in enumerate(stages):
        left = 0.2 + index * width
        _lstm_stage(axes, left, index + 1)
        bilingual(axes, (left + 3.4, 6.8), english, chinese, fontsize=11.5)
        axes.text(left + 3.4, 0.4, equation, ha="center", va="center", fontsize=12.5)
    return figure


def draw_gru_cell() -> Figure:
    """One GRU step as Keras computes it: update gate z, reset gate r (after the matmul), candidate h̃."""
    figure, axes = canvas(17.8, 8.0)
    axes.add_patch(FancyBboxPatch((1.0, 0.9), 9.5, 6.0, boxstyle="round,pad=0,rounding_size=0.4",
                                  facecolor=PAPER, edgecolor=tint(MUTED, 0.3), linewidth=1.4))
    top, bottom, gate_level, one_minus_level = 6.1, 1.5, 3.4, 5.0
    z_x, r_x, reset_x, candidate_x, add_x = 3.0, 4.6, 6.2, 7.4, 9.0
    # the state line: h_{t-1} → × z → + → h_t
    arrow(axes, (0.2, top), (z_x - 0.28, top), HIDDEN, width=2.4)
    operator(axes, (z_x, top), "×", HIDDEN)
    arrow(axes, (z_x + 0.28, top), (add_x - 0.28, top), HIDDEN, width=2.4)
    operator(axes, (add_x, top), "+", HIDDEN)
    arrow(axes, (add_x + 0.28, top), (11.4, top), HIDDEN, width=2.4)
    axes.text(0.1, top + 0.3, "$h_{t-1}$", ha="left", va="bottom", fontsize=15)
    axes.text(11.4, top + 0.3, "$h_t$", ha="right", va="bottom", fontsize=15)
    # inputs: h_{t-1} drops to the bottom line, x_t comes from below
    line(axes, [(1.6, top), (1.6, bottom), (candidate_x, bottom)], INPUT, 2.0)
    arrow(axes, (2.2, 0.2), (2.2, bottom - 0.02), INPUT, width=2.0)
    axes.text(2.45, 0.25, "$x_t$", ha="left", va="bottom", fontsize=15)
    for x, symbol, color, label, names in ((z_x, "σ", GATE, "$z_t$", ("update gate", "更新门")),
                                           (r_x, "σ", GATE, "$r_t$", ("reset gate", "重置门")),
                                           (candidate_x, "tanh", HIDDEN, "$\\tilde{h}_t$",
                                            ("candidate", "候选隐状态"))):
        box(axes, (x, gate_level), (1.05, 0.64), symbol, color, fontsize=16 if symbol == "σ" else 13, fill=0.7)
        axes.text(x + 0.62, gate_level + 0.25, label, ha="left", va="bottom", fontsize=14)
        bilingual(axes, (x + 0.12, gate_level - 0.85), *names, fontsize=9.5, color=MUTED, ha="left")
        arrow(axes, (x, bottom), (x, gate_level - 0.33), INPUT, width=1.6)
    # the reset gate scales the recurrent part h_{t-1} U_h after its matrix product, then the candidate's tanh
    arrow(axes, (reset_x, bottom), (reset_x, gate_level - 0.28), INPUT, width=1.6)
    axes.text(reset_x - 0.12, bottom + 0.55, "$h_{t-1} U_h$", ha="right", va="center", fontsize=11, color=MUTED)
    line(axes, [(r_x, gate_level + 0.33), (r_x, 4.3), (reset_x, 4.3), (reset_x, gate_level + 0.28)])
    operator(axes, (reset_x, gate_level), "×")
    arrow(axes, (reset_x + 0.28, gate_level), (candidate_x - 0.53, gate_level))
    # z keeps the old state; 1 − z lets the candidate in
    arrow(axes, (z_x, gate_level + 0.33), (z_x, top - 0.28))
    line(axes, [(z_x, one_minus_level), (6.2, one_minus_level)])
    operator(axes, (6.5, one_minus_level), "1−")
    arrow(axes, (6.78, one_minus_level), (add_x - 0.28, one_minus_level))
    operator(axes, (add_x, one_minus_level), "×")
    line(axes, [(candidate_x, gate_level + 0.33), (candidate_x, 4.3), (add_x, 4.3)])
    arrow(axes, (add_x, 4.3), (add_x, one_minus_level - 0.28))
    arrow(axes, (add_x, one_minus_level + 0.28), (add_x, top - 0.28))
    equations = (
        "$z_t = \\sigma(x_t W_z + h_{t-1} U_z + b_z)$",
        "$r_t = \\sigma(x_t W_r + h_{t-1} U_r + b_r)$",
        "$\\tilde{h}_t = \\tanh(x_t W_h + r_t \\odot (h_{t-1} U_h + b'_h) + b_h)$",
        "$h_t = z_t \\odot h_{t-1} + (1 - z_t) \\odot \\tilde{h}_t$",
    )
    for row, equation in enumerate(equations):
        axes.text(10.9, 5.4 - row * 0.95, equation, ha="left", va="center", fontsize=11.5)
    return figure


def draw_gradient_highway() -> Figure:
    """Backwards through time: a SimpleRNN's gradient passes W_h and tanh' at every step and fades; along the
    LSTM's cell state it is only multiplied by the forget gate, so with f ≈ 1 it arrives whole."""
    figure, axes = canvas(16.0, 8.4)
    steps = 5
    rows = ((5.6, "h", HIDDEN, "$\\times\\, W_h^\\top \\mathrm{diag}(\\tanh')$", True,
             ("SimpleRNN: every step multiplies by W_h and tanh'", "SimpleRNN：每一步都要乘以 W_h 和 tanh 的导数")),
            (2.2, "c", CELL, "$\\times\\, f_t$", False,
             ("LSTM cell state: only the forget gate, f ≈ 1", "LSTM 的记忆元：只乘以遗忘门，f ≈ 1")))
    for level, name, color, factor, fades, (english, chinese) in rows:
        bilingual(axes, (0.4, level + 1.35), english, chinese, fontsize=11.5, ha="left")
        for step in range(steps):
            x = 1.4 + step * 3.2
            box(axes, (x, level), (1.0, 0.8), f"${name}_{{{step + 1}}}$", color, fontsize=14, fill=0.7)
            if step:
                # the backward arrow from step+1 to step: thinner and paler the further it has travelled
                travelled = steps - 1 - step
                width = max(0.5, 3.2 * 0.55 ** travelled) if fades else 3.2
                start, end = (x - 0.5, level), (x - 3.2 + 0.5, level)
                axes.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10 + 3 * width,
                                               color=GATE, linewidth=width, shrinkA=0, shrinkB=0,
                                               alpha=max(0.35, 0.6 ** travelled) if fades else 1.0))
                axes.text(x - 1.6, level - 0.55, factor, ha="center", va="top", fontsize=11, color=MUTED)
        axes.text(1.4 + (steps - 1) * 3.2 + 0.65, level, "$\\partial L$", ha="left", va="center", fontsize=14,
                  color=GATE)
    bilingual(axes, (8.0, 0.55), "gradient travelling back in time", "沿时间反向传播的梯度", fontsize=10,
              color=GATE)
    return figure


def draw_loss_cliff() -> Figure:
    """A loss with a cliff: where the wall is steep the gradient is huge, and an unclipped step throws the
    parameter far away; a clipped step, the same direction but at most θ long, stays close."""
    figure, axes = canvas(15.0, 7.6)
    origin, scale_x, scale_y = (1.6, 1.3), 1.55, 0.95

    def loss(w: np.ndarray) -> np.ndarray:
        return 0.5 + 0.05 * (w - 2.0) ** 2 + 3.2 / (1.0 + np.exp(-(w - 5.0) / 0.08))

    def to_canvas(w: float, value: float) -> tuple[float, float]:
        return origin[0] + scale_x * w, origin[1] + scale_y * value

    w = np.linspace(0.0, 7.4, 600)
    xs, ys = zip(*(to_canvas(a, b) for a, b in zip(w, loss(w), strict=True)), strict=True)
    axes.plot(xs, ys, color=INK, linewidth=2.0)
    arrow(axes, origin, (origin[0] + scale_x * 8.2, origin[1]), MUTED)
    arrow(axes, origin, (origin[0], origin[1] + scale_y * 5.9), MUTED)
    bilingual(axes, (origin[0] + scale_x * 8.1, origin[1] - 0.45), "parameter w", "参数 w", fontsize=11, ha="right",
              color=MUTED)
    bilingual(axes, (origin[0] + 0.2, origin[1] + scale_y * 5.9), "loss", "损失", fontsize=11, ha="left",
              color=MUTED)
    start = 5.0
    here = to_canvas(start, float(loss(np.array(start))))
    axes.add_patch(Circle(here, 0.14, facecolor=GATE, edgecolor="none", zorder=4))
    clipped = to_canvas(start - 0.9, float(loss(np.array(start - 0.9))))
    arrow(axes, (here[0] - 0.15, here[1] - 0.1), (clipped[0] + 0.1, clipped[1] + 0.15), OUTPUT, width=2.4, bend=0.25)
    axes.add_patch(Circle(clipped, 0.12, facecolor=OUTPUT, edgecolor="none", zorder=4))
    bilingual(axes, (clipped[0] - 0.3, clipped[1] + 1.05), "clipped step: at most θ", "裁剪后的一步：至多 θ",
              fontsize=10.5, ha="right", color=OUTPUT)
    far = (origin[0] + 0.15, origin[1] + scale_y * 3.6)
    axes.add_patch(FancyArrowPatch((here[0] - 0.2, here[1] + 0.15), far, arrowstyle="-|>", mutation_scale=14,
                                   color=GATE, linewidth=2.0, linestyle="--", shrinkA=0, shrinkB=0,
                                   connectionstyle="arc3,rad=0.25"))
    bilingual(axes, (6.2, 7.0), "unclipped step: thrown far away", "不裁剪的一步：被甩到远处",
              fontsize=10.5, color=GATE)
    bilingual(axes, (here[0] + 0.4, here[1] - 0.35), "steep wall: huge gradient", "陡峭的悬崖：梯度极大",
              fontsize=10.5, ha="left", color=MUTED)
    return figure


def draw_attention() -> Figure:
    """One step of an RNN decoder with attention (Bahdanau et al., 2014): the decoder's previous state is scored
    against every encoder state, softmax turns the scores into weights, and the weighted sum of the encoder states
    is the context the step reads. The weights are `apply_temperature` (softmax) of the scores drawn."""
    scores = np.array([0.3, 1.1, 2.4, 0.6, -0.5])  # made-up scores e_i, one per encoder state
    weights = apply_temperature(scores, 1.0)  # (5,) the softmax: positive, summing to 1
    figure, axes = canvas(16.8, 9.4)
    columns = 1.3 + 1.45 * np.arange(len(scores))
    levels = {"h": 1.9, "query": 2.62, "score": 3.25, "bar": 3.95, "sum": 7.2}
    tallest, decoder, labels = 1.3, 14.0, columns[-1] + 0.85
    sigma = (float(columns.mean()), levels["sum"])
    for index, (x, score, weight) in enumerate(zip(columns, scores, weights, strict=True)):
        box(axes, (x, levels["h"]), (0.95, 0.75), f"$h_{index + 1}$", HIDDEN, fontsize=15, fill=0.7)
        if index:
            arrow(axes, (x - 1.45 + 0.48, levels["h"]), (x - 0.48, levels["h"]), HIDDEN, width=1.6)
        arrow(axes, (x, levels["h"] + 0.38), (x, levels["score"] - 0.28), MUTED)
        axes.add_patch(Circle((x, levels["query"]), 0.07, facecolor=GATE, edgecolor="none", zorder=3))
        box(axes, (x, levels["score"]), (0.95, 0.55), f"{score:.1f}".replace("-", "−"), GATE, fontsize=11, family=MONO)
        arrow(axes, (x, levels["score"] + 0.28), (x, levels["bar"] - 0.02), MUTED, width=1.0)
        height = tallest * weight / weights.max()
        axes.add_patch(FancyBboxPatch((x - 0.3, levels["bar"]), 0.6, height, boxstyle="square,pad=0",
                                      facecolor=tint(OUTPUT, 0.3), edgecolor=OUTPUT, linewidth=1.2))
        axes.text(x, levels["bar"] + height + 0.06, f"{weight:.2f}", ha="center", va="bottom", fontsize=10.5,
                  family=MONO)
        # α_i h_i on its way to the sum: the thicker the line, the more of h_i the context takes
        start = np.array([x, levels["bar"] + height + 0.42])
        direction = (np.array(sigma) - start) / np.linalg.norm(np.array(sigma) - start)
        arrow(axes, tuple(start), tuple(np.array(sigma) - 0.3 * direction), tint(OUTPUT, 0.15),
              width=0.6 + 6.0 * weight)
    # the query: the decoder's previous state, compared with every encoder state
    line(axes, [(decoder, levels["query"]), (columns[0] - 0.55, levels["query"])], GATE, 1.6)
    box(axes, (decoder, levels["h"]), (1.05, 0.75), "$s_{t-1}$", HIDDEN, fontsize=15, fill=0.7)
    arrow(axes, (decoder, levels["h"] + 0.38), (decoder, levels["sum"] - 0.5), HIDDEN, width=1.6)
    axes.add_patch(Circle((decoder, levels["query"]), 0.07, facecolor=GATE, edgecolor="none", zorder=3))
    # the weighted sum is the context, which the decoder step reads with s_{t-1} and the previous character
    operator(axes, sigma, "Σ", OUTPUT)
    context = 9.3
    arrow(axes, (sigma[0] + 0.28, levels["sum"]), (context - 0.5, levels["sum"]), OUTPUT, width=1.8)
    box(axes, (context, levels["sum"]), (1.0, 0.75), "$c_t$", OUTPUT, fontsize=15, fill=0.7)
    arrow(axes, (context + 0.5, levels["sum"]), (decoder - 1.15, levels["sum"]), OUTPUT, width=1.8)
    box(axes, (decoder, levels["sum"]), (2.3, 1.0), "", HIDDEN, fill=0.7)
    bilingual(axes, (decoder, levels["sum"]), "decoder step", "解码器的一步", fontsize=11)
    arrow(axes, (decoder + 2.55, levels["sum"]), (decoder + 1.15, levels["sum"]), INPUT, width=1.6)
    axes.text(decoder + 2.5, levels["sum"] + 0.15, "$y_{t-1}$", ha="right", va="bottom", fontsize=14)
    arrow(axes, (decoder, levels["sum"] + 0.5), (decoder, 8.43), HIDDEN, width=1.6)
    axes.text(decoder - 0.12, 8.0, "$s_t$", ha="right", va="center", fontsize=14)
    box(axes, (decoder, 8.78), (0.85, 0.7), "$y_t$", OUTPUT, fontsize=15)
    # what each row is
    bilingual(axes, (labels, levels["score"]), "scores: $s_{t-1}$ against each $h_i$",
              "注意力分数：查询与每个编码器隐状态比较", fontsize=10.5, ha="left", color=GATE)
    bilingual(axes, (labels, levels["bar"] + 0.75), "weights: softmax of the scores, summing to 1",
              "注意力权重：分数的 softmax，和为 1", fontsize=10.5, ha="left", color=OUTPUT)
    bilingual(axes, (context, 6.2), "context $c_t = \\Sigma_i\\, \\alpha_i h_i$", "上下文变量：加权和", fontsize=10.5,
              color=OUTPUT)
    bilingual(axes, (float(columns.mean()), 0.95), "encoder states, one per input character",
              "编码器的隐状态，每个输入字符一个", fontsize=10.5, color=MUTED)
    bilingual(axes, (decoder, 0.95), "decoder state: the query", "解码器的隐状态：查询", fontsize=10.5, color=MUTED)
    return figure


DIAGRAMS: dict[str, Callable[[], Figure]] = {
    "snapshots_to_sequence.svg": draw_snapshots_to_sequence,
    "unrolled_rnn.svg": draw_unrolled_rnn,
    "batching_grid.svg": draw_batching_grid,
    "one_hot_vs_embedding.svg": draw_one_hot_vs_embedding,
    "lstm_cell.svg": draw_lstm_cell,
    "char_rnn.svg": draw_char_rnn,
    "sampling.svg": draw_sampling,
    "sequence_tasks.svg": draw_sequence_tasks,
    "bptt_backward.svg": draw_bptt_backward,
    "lstm_gates.svg": draw_lstm_gates,
    "gru_cell.svg": draw_gru_cell,
    "gradient_highway.svg": draw_gradient_highway,
    "loss_cliff.svg": draw_loss_cliff,
    "attention.svg": draw_attention,
}


# --- writing and checking -------------------------------------------------------------------------

def render(name: str) -> bytes:
    """One diagram as SVG bytes, drawn under a fixed style so a user's matplotlibrc cannot change it."""
    with matplotlib.style.context(["default", STYLE]):
        figure = DIAGRAMS[name]()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def write_assets(folder: Path) -> list[Path]:
    """Write every diagram into `folder` (atomically); returns the files that changed."""
    changed = []
    for name in DIAGRAMS:
        target, text = folder / name, render(name).decode("utf-8")
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            write_text_atomic(target, text)
            changed.append(target)
    return changed


def find_drift(folder: Path) -> list[str]:
    """One line per committed diagram that is missing or differs from a fresh drawing."""
    problems = []
    for name in DIAGRAMS:
        target = folder / name
        if not target.exists():
            problems.append(f"{target} is missing · 缺少该文件")
        elif target.read_bytes() != render(name):
            problems.append(f"{target} differs from a fresh drawing · 与重新绘制的结果不一致")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a committed diagram is out of date")
    parser.add_argument("--output", type=Path, default=ASSETS, help="folder to write or check")
    arguments = parser.parse_args(argv)
    if arguments.check:
        problems = find_drift(arguments.output)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("Run `python tools/make_assets.py` · 请运行 `python tools/make_assets.py`", file=sys.stderr)
        return 1 if problems else 0
    for path in write_assets(arguments.output):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
