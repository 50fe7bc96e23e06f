"""The opening cell of every lesson: seeds, one plot style with the course's CJK font, an environment report."""

from __future__ import annotations

import dataclasses
import importlib
import os
import platform
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import matplotlib
from cycler import cycler

from charrnn_lib import backend
from charrnn_lib.config import quick_mode

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


@dataclasses.dataclass(frozen=True)
class EnvironmentReport:
    """What a lesson runs on; printed as one line by `setup`."""

    python: str
    tensorflow: str
    keras: str
    accelerator: str
    quick: bool
    seed: int
    cjk_font: str | None

    def __str__(self) -> str:
        return " · ".join((
            f"Python {self.python}",
            f"TensorFlow {self.tensorflow}",
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
    tf, keras = backend.load()
    keras.utils.set_random_seed(seed)
    cjk_font = apply_plot_style()
    report = EnvironmentReport(
        python=platform.python_version(),
        tensorflow=tf.__version__,
        keras=keras.__version__,
        accelerator=describe_accelerator(),
        quick=quick_mode(),
        seed=seed,
        cjk_font=cjk_font,
    )
    print(report, flush=True)
    for english, chinese in environment_warnings(report):
        warnings.warn(f"{english} · {chinese}", stacklevel=2)
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
    """`CPU only` or the GPUs TensorFlow sees; never raises, since the report must not stop a lesson."""
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return "CPU only"
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", gpus[0].name)
        return f"GPU ×{len(gpus)} ({name})"
    except Exception as error:
        return f"devices unknown ({type(error).__name__})"


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
                                  ("TensorFlow", report.tensorflow, TESTED_TENSORFLOW),
                                  ("Keras", report.keras, TESTED_KERAS)):
        if not tested[0] <= _major_minor(version) <= tested[1]:
            found.append((f"{name} {version} is outside the tested range; if a cell fails, install the "
                          "versions in pyproject.toml.",
                          f"{name} {version} 不在测试过的版本范围内；"
                          "如果有单元格出错，请安装 pyproject.toml 中的版本。"))
    return found


def _major_minor(version: str) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2])) if match else (0, 0)
