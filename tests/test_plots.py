"""charrnn_lib.lessons.plots: each helper draws the data it is given, labelled, and returns its Figure."""

from __future__ import annotations

import io
import math
import types
import warnings

import matplotlib

matplotlib.use("Agg")  # tests only: notebooks keep their inline backend

import numpy as np
import pytest
from matplotlib.figure import Figure

from charrnn_lib.batches import make_batches
from charrnn_lib.errors import CharRNNError
from charrnn_lib.history import TrainingHistory
from charrnn_lib.lessons import notebook, plots


@pytest.fixture(autouse=True)
def course_style():
    """Every figure is drawn as in a lesson: the course's style and its CJK font."""
    with matplotlib.rc_context():
        notebook.apply_plot_style()
        yield


def tick_texts(ticks) -> list[str]:
    return [tick.get_text() for tick in ticks]


def cell_texts(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def test_one_hot_shows_the_matrix_with_visible_row_labels():
    matrix = np.eye(4)[[2, 0, 3]]
    figure = plots.plot_one_hot(matrix, ["a", " ", "\n"])
    (ax,) = figure.axes
    assert isinstance(figure, Figure)
    np.testing.assert_array_equal(ax.images[0].get_array(), matrix)
    assert tick_texts(ax.get_yticklabels()) == ["a", "␣", "\\n"]
    assert "3 characters × 4 ids" in ax.get_title() and "3 个字符 × 4 个编号" in ax.get_title()
    assert ax.get_xlabel() == "id (column) · 编号（列）"


def test_one_hot_names_columns_when_given_and_draws_on_a_given_axes():
    host = Figure()
    ax = host.subplots()
    figure = plots.plot_one_hot(np.eye(3), ["x", "y", "z"], column_labels=["x", "y", "<unk>"], ax=ax)
    assert figure is host
    assert tick_texts(ax.get_xticklabels()) == ["x", "y", "<unk>"]


def test_one_hot_refuses_a_label_count_that_does_not_match_the_rows():
    with pytest.raises(CharRNNError, match="one label per row"):
        plots.plot_one_hot(np.eye(3), ["a", "b"])


def test_vocabulary_coverage_is_the_share_of_characters_the_top_k_cover():
    # "aaab c": a ×3, then ' ', b, c once each, out of 6 characters; k beyond the 4 distinct stays at 1.
    np.testing.assert_allclose(plots.vocabulary_coverage("aaab c", [1, 2, 4, 10]), [3 / 6, 4 / 6, 1.0, 1.0])


def test_coverage_plot_has_one_log_x_curve_per_corpus_with_its_values():
    texts = {"first": "aaab c", "second": "xy"}
    figure = plots.plot_vocabulary_coverage(texts, [1, 2, 3])
    (ax,) = figure.axes
    assert ax.get_xscale() == "log" and len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [3 / 6, 4 / 6, 5 / 6])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.5, 1.0, 1.0])
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [1, 2, 3])
    labels = tick_texts(ax.get_legend().get_texts())
    assert labels == ["first (4 distinct · 4 个不同字符)", "second (2 distinct · 2 个不同字符)"]
    assert "max_vocab" in ax.get_xlabel() and ax.get_title() == "Vocabulary coverage · 词表覆盖率"


@pytest.mark.parametrize("max_vocabs", [[], [0, 10], [2.5]])
def test_coverage_plot_refuses_sizes_that_are_not_positive_whole_numbers(max_vocabs):
    with pytest.raises(CharRNNError, match="max_vocabs"):
        plots.plot_vocabulary_coverage({"a": "abc"}, max_vocabs)


def test_training_history_plots_both_losses_against_steps_with_bits_on_the_right():
    history = TrainingHistory(steps=[10, 20, 30], loss=[3.0, 2.0, 1.5], val_steps=[20, 30], val_loss=[2.5, 2.0])
    figure = plots.plot_training_history(history)
    (ax,) = figure.axes
    training, validation = ax.lines
    np.testing.assert_array_equal(training.get_xdata(), [10, 20, 30])
    np.testing.assert_array_equal(training.get_ydata(), [3.0, 2.0, 1.5])
    np.testing.assert_array_equal(validation.get_xdata(), [20, 30])
    assert tick_texts(ax.get_legend().get_texts()) == ["training loss · 训练损失", "validation loss · 验证损失"]
    assert ax.get_xlabel() == "training step · 训练步数"
    assert ax.get_ylabel() == "loss (nats per character)\n每字符损失（奈特）"
    (bits,) = ax.child_axes
    assert bits.get_ylabel() == "bits per character\n每字符比特数"
    ax.set_ylim(0, 2 * math.log(2))  # 0..2 bits on the right-hand axis
    figure.draw_without_rendering()  # the secondary axis follows the main one when drawn
    assert bits.get_ylim() == pytest.approx((0.0, 2.0))


def test_training_history_shows_perplexity_beside_bits_when_the_history_records_it():
    history = TrainingHistory(steps=[10, 20], loss=[3.0, 2.0])
    history.record_validation(10, 2.5)
    history.record_validation(20, 2.0)
    figure = plots.plot_training_history(history)
    (ax,) = figure.axes
    _, perplexity = ax.child_axes
    assert perplexity.get_ylabel() == "perplexity\n困惑度"
    ax.set_ylim(math.log(2), math.log(20))
    figure.draw_without_rendering()
    assert perplexity.get_ylim() == pytest.approx((2.0, 20.0))
    (plain,) = plots.plot_training_history(history, perplexity=False).axes
    assert len(plain.child_axes) == 1


def test_training_history_without_validation_draws_only_the_training_curve():
    history = TrainingHistory(steps=[1, 2], loss=[2.0, 1.0])
    (ax,) = plots.plot_training_history(history).axes
    assert len(ax.lines) == 1


def test_training_history_accepts_a_keras_fit_history_by_epoch():
    history = types.SimpleNamespace(epoch=[0, 1, 2], history={"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0]})
    (ax,) = plots.plot_training_history(history).axes
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [3.5, 2.5, 2.0])
    assert ax.get_xlabel() == "epoch · 轮"


def test_training_history_with_nothing_logged_says_so():
    with pytest.raises(CharRNNError, match="no logged loss"):
        plots.plot_training_history(TrainingHistory())


def test_batch_grid_shows_each_row_as_one_stream_across_batches():
    x, y = make_batches(np.arange(25), num_seqs=3, num_steps=4)
    figure = plots.plot_batch_grid(x, y)
    x_ax, y_ax = figure.axes
    # Cells are written row by row; row 0 reads 0..7 across x[0] and x[1], row 1 reads 8..15.
    assert cell_texts(x_ax) == [str(value) for value in range(24)]
    assert cell_texts(y_ax) == [str(value) for value in range(1, 25)]
    assert tick_texts(x_ax.get_xticklabels()) == ["x[0]", "x[1]"]
    assert tick_texts(y_ax.get_yticklabels()) == ["row 0 · 第 0 行", "row 1 · 第 1 行", "row 2 · 第 2 行"]
    assert "num_seqs=3 × num_steps=4" in figure.get_suptitle() and "2 个批次" in figure.get_suptitle()
    assert x_ax.get_ylabel() == "inputs x\n输入" and y_ax.get_ylabel() == "targets y\n目标"


def test_batch_grid_shows_characters_and_unk_with_a_vocabulary_and_stops_at_max_batches():
    x, y = make_batches(np.array([0, 1, 2, 3, 0, 1, 2, 3, 0]), num_seqs=1, num_steps=2)
    figure = plots.plot_batch_grid(x, y, vocab=["a", " ", "\n"], max_batches=2)
    x_ax, _ = figure.axes
    assert cell_texts(x_ax) == ["a", "␣", "\\n", "<unk>"]
    assert len(x_ax.get_xticks()) == 2


def test_batch_grid_accepts_one_batch_and_refuses_mismatched_shapes():
    x, y = make_batches(np.arange(9), num_seqs=2, num_steps=4)
    assert len(plots.plot_batch_grid(x[0], y[0]).axes[0].texts) == 8
    with pytest.raises(CharRNNError, match="equal shape"):
        plots.plot_batch_grid(x, y[:, :, :3])


def test_batch_grid_leaves_out_numbers_that_would_be_too_small_to_read():
    x, y = make_batches(np.arange(4001), num_seqs=25, num_steps=40)
    assert len(plots.plot_batch_grid(x, y).axes[0].texts) == 0


def test_new_figures_are_not_left_open_in_pyplot_so_a_notebook_shows_each_once():
    import matplotlib.pyplot as plt

    plt.close("all")
    figure = plots.plot_vocabulary_coverage({"a": "abc"}, [1, 2])
    assert plt.get_fignums() == [] and figure.axes


# --- the corpus overview (lesson 7) ---------------------------------------------------------------------------------

def test_corpus_overview_counts_line_lengths_and_ranks_characters_without_punctuation():
    text = "白日依山尽，\n黄河入海流。\n山山\n"  # lines of 6, 6 and 2 characters; 山 ×3, then the rest once
    figure = plots.plot_corpus_overview(text, top_k=3, example_lines=2)
    lengths_ax, lines_ax, characters_ax = figure.axes
    assert [bar.get_x() + bar.get_width() / 2 for bar in lengths_ax.patches] == [2, 6]
    assert [bar.get_height() for bar in lengths_ax.patches] == [1, 2]
    assert tick_texts(characters_ax.get_xticklabels()) == ["山", "白", "日"]  # ties keep the text's order
    np.testing.assert_allclose([bar.get_height() for bar in characters_ax.patches], np.array([3, 1, 1]) / len(text))
    assert cell_texts(lines_ax) == ["白日依山尽，", "山山"]  # the first line and the last
    assert "17 characters · 13 distinct · 3 lines" in figure.get_suptitle()  # line breaks count as characters
    assert "3 行" in figure.get_suptitle() and "最常见的 3 个字符" in characters_ax.get_title()


def test_corpus_overview_cuts_long_example_lines_and_shows_as_many_as_asked():
    text = "".join(f"{'x' * 60}{index}\n" for index in range(10))
    lines_ax = plots.plot_corpus_overview(text, example_lines=3).axes[1]
    shown = cell_texts(lines_ax)
    assert len(shown) == 3 and all(len(line) == plots.MAX_EXAMPLE_LINE and line.endswith("…") for line in shown)
    assert cell_texts(plots.plot_corpus_overview(text, example_lines=0).axes[1]) == []


@pytest.mark.parametrize(("text", "options", "message"), [
    ("", {}, "empty text"), ("abc", {"top_k": 0}, "top_k"), ("abc", {"example_lines": -1}, "example_lines"),
    ("abc", {"top_k": 2.5}, "top_k"),
])
def test_corpus_overview_refuses_empty_text_and_impossible_counts(text, options, message):
    with pytest.raises(CharRNNError, match=message):
        plots.plot_corpus_overview(text, **options)


# --- Chinese text renders: no glyph is missing -------------------------------------------------------------------

def missing_glyphs(figure: Figure) -> list[str]:
    """Render `figure` to PNG and return matplotlib's "Glyph … missing from font(s) …" warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png", dpi=40)
    return [str(warning.message) for warning in caught if "missing from font" in str(warning.message)]


def every_plot() -> list[Figure]:
    """One figure of each helper, with Chinese in its labels, ticks and cells."""
    x, y = make_batches(np.arange(9), num_seqs=1, num_steps=4)
    history = TrainingHistory(steps=[1, 2], loss=[2.0, 1.0], val_steps=[2], val_loss=[1.5])
    return [
        plots.plot_corpus_overview("白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。\n"),
        plots.plot_one_hot(np.eye(3), ["唐", "诗", " "]),
        plots.plot_vocabulary_coverage({"唐诗": "床前明月光"}, [1, 2]),
        plots.plot_training_history(history),
        plots.plot_batch_grid(x, y, vocab=["平", "仄", "\n"]),
    ]


def test_chinese_labels_render_with_the_course_font_and_no_glyph_is_missing():
    for figure in every_plot():
        missing = missing_glyphs(figure)
        assert missing == [], f"{missing[:2]}: is pylopdf-fonts-zh-cn installed? pip install -e ."


def test_the_glyph_check_fails_when_the_figure_has_no_cjk_font():
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        missing = missing_glyphs(plots.plot_vocabulary_coverage({"唐诗": "床前明月光"}, [1, 2]))
    assert any("missing from font(s) DejaVu Sans" in message and "8BCD" in message for message in missing)  # 词


def test_plot_text_activation_draws_one_coloured_cell_per_character_and_wraps_lines():
    from charrnn_lib.lessons.plots import plot_text_activation

    text = 'He said "yes".\nNo.'
    values = np.linspace(-1.0, 1.0, len(text))
    figure = plot_text_activation(text, values, width=10)
    ax = figure.axes[0]
    assert len(ax.patches) == len(text)
    drawn = "".join(label.get_text() for label in ax.texts)
    assert drawn == text.replace("\n", "↵")
    assert ax.get_ylim() == (3, 0)  # 14 characters wrap at 10, the line break opens a third row
    lowest, highest = ax.patches[0].get_facecolor(), ax.patches[-1].get_facecolor()
    assert lowest[2] > lowest[0] and highest[0] > highest[2]  # blue for the lowest, red for the highest


def test_plot_text_activation_refuses_values_that_do_not_match_the_text():
    from charrnn_lib.errors import CharRNNError
    from charrnn_lib.lessons.plots import plot_text_activation

    with pytest.raises(CharRNNError, match="one value per character"):
        plot_text_activation("abc", [0.1, 0.2])


def test_plot_text_activation_keeps_a_line_break_at_the_edge_on_its_row():
    from charrnn_lib.lessons.plots import plot_text_activation

    figure = plot_text_activation("abc\ndef\n", np.arange(8.0), width=3)
    ax = figure.axes[0]
    rows = sorted({patch.get_y() for patch in ax.patches})
    assert rows == [0, 1]
    assert ax.patches[3].get_x() == 3 and ax.get_xlim() == (0, 4)
