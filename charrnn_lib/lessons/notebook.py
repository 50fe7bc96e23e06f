"""The opening cell of every lesson: seeds, one plot style with the course's CJK font, an environment report, and
under CHARRNN_STRICT=1 (`make test`) a refusal to display any figure or control that carries English words only."""

from __future__ import annotations

import dataclasses
import importlib
import os
import platform
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import matplotlib
from cycler import cycler

from charrnn_lib import backend
from charrnn_lib.config import quick_mode, strict_checks
from charrnn_lib.errors import CharRNNError

# Shared with tools/make_assets.py so the diagrams and the live plots look alike (Tableau 10).
PALETTE = ("#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#EDC948", "#B07AA1", "#9C755F")
# The CJK font the course depends on: Noto Sans SC Regular (SIL OFL 1.1) from the PyPI package
# pylopdf-fonts-zh-cn, so every set-up draws the same glyphs without a system font or root.
CJK_FONT_PACKAGE = "pylopdf_fonts_zh_cn"
LATIN_FONT = "DejaVu Sans"  # matplotlib's own font; Latin text keeps it, Chinese falls back to the CJK font
# Without the package: sans-serif fonts with Chinese glyphs, most common first (Linux, Windows, macOS).
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC",
    "Arial Unicode MS",
)
PLOT_STYLE = {
    "figure.figsize": (6.4, 3.6),
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.frameon": False,
    "image.cmap": "viridis",
}
# The versions pyproject.toml allows (tests/test_notebook_setup.py reads it); outside them a lesson may still run,
# so we only warn.
TESTED_PYTHON = ((3, 10), (3, 12))
TESTED_TENSORFLOW = ((2, 18), (2, 21))
TESTED_KERAS = ((3, 14), (3, 99))  # 3.12.0–3.13.2 break stateful RNNs in fit (pyproject.toml)
# The figure-language rule (`english_only`): a text with an English word (2+ ASCII letters) needs a CJK character
# too, unless it is one identifier or acronym token. Math between $…$ is symbols, not words.
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
CJK_CHARACTER = re.compile(r"[\u4e00-\u9fff]")
MATH = re.compile(r"\$[^$]*\$")
# One token that reads as code or notation: all capitals (LSTM, GRU), a capital inside (SimpleRNN), or a digit,
# _, -, ., =, brackets (h_t, W_x, top-p, x[0], lr=0.1, <unk>), or one of these lowercase function and unit names.
IDENTIFIER = re.compile(r"[A-Z][A-Z0-9]*s?|[A-Z]?[a-z]+[A-Z][A-Za-z0-9]*|\S*[\d_\-.=()\[\]{}<>^/]\S*")
LOWERCASE_NAMES = frozenset({"tanh", "sigmoid", "softmax", "relu", "exp", "log", "ln", "argmax", "logits", "bpc",
                             "dh_next"})
# How the report names each Keras backend's framework.
FRAMEWORK_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
DATA_TEXT = "charrnn-data"  # the gid of a Text artist that shows data (corpus lines, characters), exempt like ticks


@dataclasses.dataclass(frozen=True)
class EnvironmentReport:
    """What a lesson runs on; printed as one line by `setup`.

    `framework` is the version of Keras' backend framework: TensorFlow's by default, JAX's or PyTorch's when
    `backend` (as `keras.backend.backend()` names it) says so.
    """

    python: str
    framework: str
    keras: str
    accelerator: str
    quick: bool
    seed: int
    cjk_font: str | None
    backend: str = "tensorflow"

    def __str__(self) -> str:
        return " · ".join((
            f"Python {self.python}",
            f"{FRAMEWORK_NAMES.get(self.backend, self.backend)} {self.framework}",
            f"Keras {self.keras}",
            self.accelerator,
            "quick mode (CHARRNN_QUICK=1)" if self.quick else "full mode",
            f"seed {self.seed}",
            f"CJK font: {self.cjk_font or 'none'}",
        ))

    def _ipython_display_(self) -> None:
        """Show nothing when the setup cell ends with `setup()`: the line is already printed."""


def setup(seed: int = 42) -> EnvironmentReport:
    """Make a lesson repeatable and its plots consistent, and say what it runs on (warns, never fails).

    Call it before importing keras: TensorFlow then starts without its start-up notices and INFO lines.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # TensorFlow's INFO lines off; its warnings and errors stay
    framework, keras = backend.load()
    with backend.without_notices():  # Keras seeds TensorFlow too when it is installed, so on JAX it starts it here
        keras.utils.set_random_seed(seed)
    cjk_font = apply_plot_style()
    report = EnvironmentReport(
        python=platform.python_version(),
        framework=framework.__version__,
        keras=keras.__version__,
        accelerator=describe_accelerator(),
        quick=quick_mode(),
        seed=seed,
        cjk_font=cjk_font,
        backend=keras.backend.backend(),
    )
    print(report, flush=True)
    for english, chinese in environment_warnings(report):
        warnings.warn(f"{english} · {chinese}", stacklevel=2)
    if strict_checks():
        guard_figure_languages()
    return report


def apply_plot_style() -> str | None:
    """Set the course's matplotlib style with a CJK fallback font; return the font's name, or None without one."""
    from matplotlib import font_manager

    importlib.import_module("matplotlib.pyplot")  # picks the notebook backend first, so it cannot undo our style

    matplotlib.rcParams.update(PLOT_STYLE)
    cjk_font = register_cjk_font() or choose_cjk_font(font.name for font in font_manager.fontManager.ttflist)
    if cjk_font:
        # A list of families, not the generic "sans-serif": matplotlib falls back glyph by glyph only along
        # font.family, so Latin text stays in DejaVu Sans and Chinese characters come from the CJK font.
        matplotlib.rcParams["font.family"] = [LATIN_FONT, cjk_font]
    return cjk_font


def packaged_cjk_font() -> Path | None:
    """The font file of `CJK_FONT_PACKAGE`, or None when the package is not installed."""
    try:
        package = importlib.import_module(CJK_FONT_PACKAGE)
    except ImportError:
        return None
    path = Path(package.sans_path())
    return path if path.is_file() else None


def register_cjk_font() -> str | None:
    """Add the packaged CJK font to matplotlib's font list (once per process) and return its family name."""
    from matplotlib import font_manager

    path = packaged_cjk_font()
    if path is None:
        return None
    if str(path) not in {font.fname for font in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def choose_cjk_font(installed: Iterable[str]) -> str | None:
    """The first font of `CJK_FONTS` among the installed font names, or None."""
    installed = set(installed)
    return next((name for name in CJK_FONTS if name in installed), None)


def describe_accelerator() -> str:
    """`CPU only` or the GPUs the backend's framework sees; never raises, since the report must not stop a lesson."""
    from charrnn_lib import native  # imports Keras: only once `setup` has loaded it quietly

    try:
        names = native.ops().gpu_names()
    except Exception as error:
        return f"devices unknown ({type(error).__name__})"
    return f"GPU ×{len(names)} ({names[0]})" if names else "CPU only"


def environment_warnings(report: EnvironmentReport) -> list[tuple[str, str]]:
    """Bilingual warnings about a missing CJK font and versions outside the tested range.

    A laptop CPU is what the course is sized for, so no GPU is never a warning.
    """
    found = []
    if report.cjk_font is None:
        found.append(("No CJK font: Chinese text in figures shows as empty boxes; install the course's packages "
                      "(`make install` or `pip install -e .` brings pylopdf-fonts-zh-cn), then restart the kernel.",
                      "没有中文字体：图中的中文会显示成空白方框；请安装课程依赖的包"
                      "（`make install` 或 `pip install -e .` 会装上 pylopdf-fonts-zh-cn），然后重启内核。"))
    for name, version, tested in (("Python", report.python, TESTED_PYTHON),
                                  ("TensorFlow", report.framework, TESTED_TENSORFLOW),
                                  ("Keras", report.keras, TESTED_KERAS)):
        if name == "TensorFlow" and report.backend != "tensorflow":
            continue  # the tested range is TensorFlow's; another backend's version is only reported
        if not tested[0] <= _major_minor(version) <= tested[1]:
            found.append((f"{name} {version} is outside the tested range; if a cell fails, install the "
                          "versions in pyproject.toml.",
                          f"{name} {version} 不在测试过的版本范围内；"
                          "如果有单元格出错，请安装 pyproject.toml 中的版本。"))
    return found


def _major_minor(version: str) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2])) if match else (0, 0)


# --- every figure in both languages ---------------------------------------------------------------------------

class EnglishOnlyFigureError(CharRNNError):
    """A figure (or a control) shows a word-carrying text in English only."""


def english_only(text: str) -> bool:
    """True when `text` carries an English word but no Chinese character and is not one identifier or acronym.

    `"Training loss"` and `"loss"` are English-only; `"loss · 损失"`, `"LSTM"`, `"h_t"`, `"top-p"`, `"tanh"`, `"0.5"`
    and `"$w^k$"` are not.
    """
    words = MATH.sub(" ", text)
    if not ENGLISH_WORD.search(words) or CJK_CHARACTER.search(words):
        return False
    tokens = words.split()
    if len(tokens) == 1 and (IDENTIFIER.fullmatch(tokens[0]) or tokens[0] in LOWERCASE_NAMES):
        return False
    return True


def figure_texts(figure: Any) -> list[tuple[str, str]]:
    """(where, text) for every word-carrying text of a matplotlib figure; tick labels and data texts left out.

    Suptitle and super axis labels, each axes' titles and x/y labels (colorbars and secondary axes included),
    legend titles and entries, and free texts and annotations on the figure or on any axes.
    """
    from matplotlib.text import Text

    found = []

    def add(where: str, artist: Any) -> None:
        if isinstance(artist, Text) and artist.get_visible() and artist.get_gid() != DATA_TEXT and artist.get_text():
            found.append((where, artist.get_text()))

    def add_legend(where: str, legend: Any) -> None:
        if legend is not None:
            add(f"{where} legend title", legend.get_title())
            for entry in legend.get_texts():
                add(f"{where} legend entry", entry)

    def add_axes(axes: Any, where: str) -> None:
        for side, title in (("title", axes.title), ("left title", axes._left_title),
                            ("right title", axes._right_title)):
            add(f"{where} {side}", title)
        add(f"{where} x label", axes.xaxis.label)
        add(f"{where} y label", axes.yaxis.label)
        add_legend(where, axes.get_legend())
        for text in axes.texts:
            add(f"{where} text", text)
        for child in axes.child_axes:  # secondary axes
            add_axes(child, f"{where} secondary axis")

    def add_figure(figure: Any, where: str) -> None:
        for name in ("_suptitle", "_supxlabel", "_supylabel"):
            add(f"{where}{name.lstrip('_')}", getattr(figure, name, None))
        for legend in figure.legends:
            add_legend(f"{where}figure", legend)
        for text in figure.texts:
            add(f"{where}figure text", text)
        for index, axes in enumerate(figure.axes):
            add_axes(axes, f"{where}axes {index}")
        for index, subfigure in enumerate(getattr(figure, "subfigs", [])):
            add_figure(subfigure, f"{where}subfigure {index} ")

    add_figure(figure, "")
    return found


def chinese_in_a_math_line(text: str) -> bool:
    """True when one line of `text` holds both $…$ math and Chinese: matplotlib draws such a line with the math
    font, which has no Chinese glyphs, so the Chinese shows as empty boxes. Put the math on a line of its own."""
    return any(MATH.search(line) and CJK_CHARACTER.search(line) for line in text.split("\n"))


def english_only_texts(figure: Any) -> list[tuple[str, str]]:
    """(where, text) for each of the figure's word-carrying texts that `english_only` flags."""
    return [(where, text) for where, text in figure_texts(figure) if english_only(text)]


def check_figure_languages(figure: Any) -> None:
    """Raise `EnglishOnlyFigureError` naming every English-only text of `figure`, or Chinese that would show as
    empty boxes; return quietly otherwise."""
    boxes = [(where, text) for where, text in figure_texts(figure) if chinese_in_a_math_line(text)]
    if boxes:
        listed = "; ".join(f"{where}: {text!r}" for where, text in boxes)
        raise EnglishOnlyFigureError(
            f"Chinese on the same line as $…$ math in a figure ({listed}) is drawn as empty boxes: put the Chinese "
            "on a line of its own ('\\n'), without math.",
            f"图中的中文与 $…$ 公式在同一行（{listed}），会显示成空白方框：请把中文放在单独的一行（'\\n'），不含公式。",
        )
    found = english_only_texts(figure)
    if found:
        listed = "; ".join(f"{where}: {text!r}" for where, text in found)
        raise EnglishOnlyFigureError(
            f"English-only text in a figure ({listed}). Every title, axis label, legend entry and annotation "
            "that carries words carries Chinese too, e.g. 'training step · 训练步数'.",
            f"图中有只有英文的文字（{listed}）。凡是带文字的标题、坐标轴标签、图例和注释都要同时写中文，"
            "例如 'training step · 训练步数'。",
        )


def widget_texts(widget: Any) -> list[tuple[str, str]]:
    """(where, text) for the labels of an ipywidgets control and of the controls inside it."""
    found = []
    description = getattr(widget, "description", "")
    if isinstance(description, str) and description:
        found.append((f"{type(widget).__name__} description", description))
    if type(widget).__name__ in ("Label", "Button", "ToggleButton"):
        value = getattr(widget, "value", "")
        if isinstance(value, str) and value:
            found.append((f"{type(widget).__name__} text", value))
    for child in getattr(widget, "children", ()) or ():
        found.extend(widget_texts(child))
    return found


def check_widget_languages(widget: Any) -> None:
    """Raise `EnglishOnlyFigureError` naming every English-only label of an ipywidgets control."""
    found = [(where, text) for where, text in widget_texts(widget) if english_only(text)]
    if found:
        listed = "; ".join(f"{where}: {text!r}" for where, text in found)
        raise EnglishOnlyFigureError(
            f"English-only control label ({listed}); write it in both languages, e.g. 'length · 长度'.",
            f"控件标签只有英文（{listed}）；请同时写中文，例如 'length · 长度'。",
        )


def check_display_languages(value: Any) -> None:
    """The figure-language rule for anything a notebook displays: matplotlib figures and ipywidgets controls."""
    from matplotlib.figure import Figure

    if isinstance(value, Figure):
        check_figure_languages(value)
    elif type(value).__module__.startswith("ipywidgets"):
        check_widget_languages(value)


def guard_figure_languages() -> bool:
    """Make IPython refuse to display an English-only figure or control (CHARRNN_STRICT=1, as in `make test`).

    Every figure a notebook shows, as a cell's value, through `plt.show()` or when pyplot draws it at the end
    of a cell, passes through IPython's display formatter; the check runs there and its error becomes the
    cell's error. Returns False outside IPython (nothing is displayed there).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    formatter = shell.display_formatter
    if getattr(formatter.format, "checks_languages", False):
        return True  # setup() ran before in this kernel
    original = formatter.format

    def format_checked(value: Any, *args: Any, **kwargs: Any) -> Any:
        check_display_languages(value)
        return original(value, *args, **kwargs)

    format_checked.checks_languages = True
    formatter.format = format_checked
    return True
