"""The figure-language rule of `charrnn_lib.lessons.notebook`: every word-carrying text of a figure or control is
bilingual, and under CHARRNN_STRICT=1 a notebook refuses to show one that is English-only."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from charrnn_lib.lessons import notebook, plots
from charrnn_lib.lessons.notebook import EnglishOnlyFigureError, check_figure_languages, english_only


@pytest.mark.parametrize("text", [
    "Training loss", "loss", "Loss (log scale)", "w = 0.9 and more", "distance from the last step (steps)",
    "Temperature", "chance", "x in positions 0-4 and more",
])
def test_english_words_without_chinese_are_english_only(text):
    assert english_only(text)


@pytest.mark.parametrize("text", [
    "Training loss · 训练损失", "loss\n损失", "损失", "LSTM", "GRU", "RNNs", "SimpleRNN", "h_t", "W_x", "tanh", "top-p",
    "dh_next", "<unk>", "w = 0.9", "0.5", "$w^k$", "$\\tilde{c}_t$", "", "x", "c̃_t", "SimpleRNN(64)", "1.5^k",
])
def test_bilingual_texts_and_single_identifiers_pass(text):
    assert not english_only(text)


def figure_with(**planted: str) -> Figure:
    """A bilingual figure with one planted text in the given place."""
    figure = Figure()
    axes = figure.subplots()
    image = axes.imshow(np.eye(3))
    axes.plot([0, 1], [0, 1], label=planted.get("legend", "curve · 曲线"))
    axes.set_title(planted.get("title", "A title · 标题"))
    axes.set_xlabel(planted.get("xlabel", "step · 步"))
    axes.set_ylabel("h_t")
    axes.legend()
    figure.colorbar(image, ax=axes, label=planted.get("colorbar", "value · 值"))
    if "annotation" in planted:
        axes.annotate(planted["annotation"], (0.5, 0.5))
    if "suptitle" in planted:
        figure.suptitle(planted["suptitle"])
    axes.set_xticks([0, 1, 2], ["first", "second", "third"])  # tick labels are data: exempt
    return figure


def test_a_bilingual_figure_with_english_tick_labels_passes():
    check_figure_languages(figure_with())


@pytest.mark.parametrize(("place", "where"), [
    ("title", "axes 0 title"), ("legend", "axes 0 legend entry"), ("annotation", "axes 0 text"),
    ("xlabel", "axes 0 x label"), ("colorbar", "axes 1 y label"), ("suptitle", "suptitle"),
])
def test_a_planted_english_only_text_fails_and_is_named(place, where):
    with pytest.raises(EnglishOnlyFigureError) as raised:
        check_figure_languages(figure_with(**{place: "Planted English words"}))
    assert f"{where}: 'Planted English words'" in raised.value.english
    assert "只有英文" in raised.value.chinese and "'Planted English words'" in raised.value.chinese


def test_chinese_on_a_line_with_math_fails_as_empty_boxes():
    assert notebook.chinese_in_a_math_line("$w^k$（对数坐标）")
    assert not notebook.chinese_in_a_math_line("$w^k$ (log scale)\n（对数坐标）")
    with pytest.raises(EnglishOnlyFigureError, match="empty boxes") as raised:
        check_figure_languages(figure_with(title="Size of $W^k$ · $W^k$ 的大小"))
    assert "空白方框" in raised.value.chinese
    check_figure_languages(figure_with(title="Size of $W^k$\nW 的 k 次幂的大小"))


def test_secondary_axes_are_checked_and_data_texts_are_exempt():
    figure = Figure()
    axes = figure.subplots()
    axes.text(0, 0, "Happy families are all alike", gid=notebook.DATA_TEXT)  # a corpus line, shown as data
    check_figure_languages(figure)
    axes.secondary_yaxis("right").set_ylabel("bits per character")
    with pytest.raises(EnglishOnlyFigureError, match="secondary axis y label"):
        check_figure_languages(figure)


def test_the_shared_plot_helpers_draw_bilingual_figures():
    text = "Happy families are all alike;\nevery unhappy family is unhappy in its own way.\n" * 3
    vocab = sorted(set(text))
    ids = np.array([vocab.index(char) for char in text])
    for figure in (plots.plot_corpus_overview(text),
                   plots.plot_one_hot(np.eye(4), list("abcd")),
                   plots.plot_vocabulary_coverage({"Anna Karenina · 安娜": text}, [1, 5, 10]),
                   plots.plot_batch_grid(ids[:24].reshape(1, 2, 12), ids[1:25].reshape(1, 2, 12), vocab=vocab),
                   plots.plot_text_activation(text[:40], np.linspace(-1, 1, 40))):
        check_figure_languages(figure)


def test_widget_labels_follow_the_same_rule():
    widgets = pytest.importorskip("ipywidgets")
    box = widgets.VBox([widgets.IntSlider(description="length · 长度"), widgets.Text(description="start")])
    with pytest.raises(EnglishOnlyFigureError, match="Text description: 'start'"):
        notebook.check_widget_languages(box)
    notebook.check_widget_languages(widgets.VBox([widgets.IntSlider(description="top_n"),
                                                  widgets.Label("temperature · 温度")]))


def test_outside_ipython_the_guard_installs_nothing():
    assert notebook.guard_figure_languages() is False


SETUP = "import charrnn_lib as cr\ncr.lessons.notebook.setup()\nimport matplotlib.pyplot as plt"


def run_cells(sources: list[str], tmp_path, monkeypatch, kernel_config) -> list:
    """Run the setup cell and `sources` in a fresh kernel under CHARRNN_STRICT=1; the code cells with outputs."""
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    monkeypatch.setenv("CHARRNN_QUICK", "1")
    lesson = new_notebook(cells=[new_code_cell(source) for source in (SETUP, *sources)])
    NotebookClient(lesson, timeout=300, kernel_name="python3", allow_errors=True, config=kernel_config,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return lesson.cells[1:]


def error_text(cell) -> str:
    return "\n".join(f"{output.ename}: {output.evalue}" for output in cell.outputs if output.output_type == "error")


def test_a_notebook_under_strict_mode_refuses_an_english_only_figure_or_control(tmp_path, monkeypatch,
                                                                                kernel_config):
    shown, returned, drawn, control, bilingual = run_cells([
        "plt.plot([1, 2])\nplt.title('Training loss')\nplt.show()",  # plt.show()
        "figure, axes = plt.subplots()\naxes.set_xlabel('distance in steps')\nplt.close(figure)\nfigure",  # value
        "plt.figure()\nplt.plot([1, 2], label='no clipping')\nplt.legend()",  # drawn when the cell ends
        "import ipywidgets\nipywidgets.VBox([ipywidgets.IntSlider(description='max length')])",  # a control
        "plt.plot([1, 2])\nplt.title('Training loss · 训练损失')\nplt.xlabel('LSTM')\nplt.show()",
    ], tmp_path, monkeypatch, kernel_config)
    for cell, text in ((shown, "'Training loss'"), (returned, "'distance in steps'"), (drawn, "'no clipping'"),
                       (control, "'max length'")):
        error = error_text(cell)
        assert "EnglishOnlyFigureError" in error and text in error and "只有英文" in error, cell.outputs
        assert not any("image/png" in output.get("data", {}) for output in cell.outputs)
    assert error_text(bilingual) == ""
    assert any("image/png" in output.get("data", {}) for output in bilingual.outputs)
