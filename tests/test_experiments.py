"""lessons.experiments: a grid of short runs, each measured in its own folder, compared in bits per character."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # tests only: notebooks keep their inline backend

import numpy as np
import pytest

from charrnn_lib import checkpoints
from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import CharRNNError, ConfigError, CorpusError, DatasetError
from charrnn_lib.history import TrainingHistory
from charrnn_lib.lessons import plots
from charrnn_lib.lessons.experiments import (
    Experiment,
    ExperimentResult,
    best_validation_bpc,
    load_corpora,
    repeat_over_seeds,
    results_table,
    run_experiments,
    summarize_over_seeds,
    unigram_bits_per_character,
)
from charrnn_lib.lessons.notebook import english_only_texts
from charrnn_lib.model import build_char_rnn

TEXTS = {"cycle": "abcdefghij\n" * 40, "pairs": "ab" * 300}  # 440 and 600 characters of self-made text
BASE = TrainConfig.from_knobs(num_seqs=4, num_steps=10, lstm_size=8, num_layers=1, learning_rate=0.01,
                              train_keep_prob=1.0, max_steps=12, save_every_n=4, log_every_n=4,
                              validation_fraction=0.2, seed=3)
GRID = [Experiment("baseline", "cycle"), Experiment("lstm_size=16", "cycle", {"lstm_size": 16}),
        Experiment("pairs", "pairs", group="corpus")]


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """The grid trained once for the tests that only read its results: (run_root, results)."""
    run_root = tmp_path_factory.mktemp("grid")
    return run_root, run_experiments(GRID, BASE, TEXTS, run_root=run_root)


# --- the unigram baseline and the best validation bpc ------------------------------------------------------------

@pytest.mark.parametrize(("text", "bits"), [
    ("abab", 1.0), ("aaaa", 0.0), ("abcd", 2.0), ("aab", math.log2(3) - 2 / 3), ([7, 7, 3, 3], 1.0)])
def test_unigram_bpc_is_the_entropy_of_the_character_frequencies(text, bits):
    assert unigram_bits_per_character(text) == pytest.approx(bits)


def test_unigram_bpc_of_empty_text_is_refused():
    with pytest.raises(CorpusError, match="empty text"):
        unigram_bits_per_character("")


def test_best_validation_bpc_is_the_lowest_validation_loss_in_bits():
    history = TrainingHistory(val_steps=[10, 20, 30], val_loss=[2.0, 1.2, 1.5], loss=[0.5, 0.4, 0.3])
    assert best_validation_bpc(history) == pytest.approx(1.2 / math.log(2))
    assert best_validation_bpc({"loss": [0.5], "val_loss": [2.0, 1.2, 1.5]}) == pytest.approx(1.2 / math.log(2))
    with pytest.raises(ConfigError, match="validation_fraction"):
        best_validation_bpc({"loss": [0.5]})


# --- running a grid ------------------------------------------------------------------------------------------------

def test_each_run_has_its_own_folder_with_its_own_config(grid):
    run_root, results = grid
    assert [result.run_dir for result in results] == [run_root / "baseline", run_root / "lstm_size=16",
                                                      run_root / "pairs"]
    saved = [json.loads((result.run_dir / checkpoints.CONFIG_FILE).read_text(encoding="utf-8")) for result in results]
    assert [config["architecture"]["lstm_size"] for config in saved] == [8, 16, 8]
    assert {config["seed"] for config in saved} == {3}
    assert all(checkpoints.list_checkpoints(result.run_dir) for result in results)


def test_results_record_the_minimum_of_the_validation_history(grid):
    _, results = grid
    for result in results:
        history = TrainingHistory.load(result.run_dir / checkpoints.HISTORY_FILE)
        assert history.val_steps == [4, 8, 12]
        assert result.best_val_loss == min(history.val_loss)
        assert result.best_step == history.val_steps[history.val_loss.index(min(history.val_loss))]
        assert result.best_val_bpc == pytest.approx(best_validation_bpc(history))
        assert result.final_loss == history.loss[-1]
        assert result.characters_trained == 12 * 4 * 10


def test_overrides_really_change_the_model(grid):
    _, results = grid
    baseline, wider, _ = results
    vocab_size = baseline.vocab_size
    assert baseline.parameters == build_char_rnn(vocab_size, lstm_size=8, num_layers=1, batch_size=4).count_params()
    assert wider.parameters == build_char_rnn(vocab_size, lstm_size=16, num_layers=1, batch_size=4).count_params()
    assert wider.parameters > baseline.parameters
    assert (baseline.group, wider.group, results[2].group) == ("baseline", "lstm_size", "corpus")
    assert wider.overrides == {"lstm_size": 16}


def test_unigram_bpc_is_measured_per_corpus(grid):
    _, results = grid
    # The cycle has 11 equally frequent characters; the pairs text two.
    assert results[0].unigram_bpc == pytest.approx(math.log2(11))
    assert results[2].unigram_bpc == pytest.approx(1.0)
    assert results[0].bpc_ratio == pytest.approx(results[0].best_val_bpc / math.log2(11))
    assert all(result.seconds > 0 for result in results)


def test_perplexity_is_the_exponential_of_the_best_validation_loss(grid):
    _, results = grid
    for result in results:
        assert result.best_val_perplexity == pytest.approx(math.exp(result.best_val_loss))
        assert result.best_val_perplexity == pytest.approx(2 ** result.best_val_bpc)


# --- repeating settings over seeds ---------------------------------------------------------------------------------

def test_repeat_over_seeds_keeps_group_and_setting_and_changes_only_the_seed():
    repeated = repeat_over_seeds([Experiment("lstm_size=16", "cycle", {"lstm_size": 16}),
                                  Experiment("pairs", "pairs", group="corpus")], [1, 2])
    assert [experiment.label for experiment in repeated] == ["lstm_size=16.seed=1", "lstm_size=16.seed=2",
                                                             "pairs.seed=1", "pairs.seed=2"]
    assert [experiment.setting for experiment in repeated] == ["lstm_size=16"] * 2 + ["pairs"] * 2
    assert [experiment.group for experiment in repeated] == ["lstm_size"] * 2 + ["corpus"] * 2
    assert repeated[1].overrides == {"lstm_size": 16, "seed": 2}


@pytest.mark.parametrize("seeds", [[], [1, 1]])
def test_repeat_over_seeds_refuses_no_seeds_or_a_repeated_seed(seeds):
    with pytest.raises(ConfigError, match="distinct") as caught:
        repeat_over_seeds([Experiment("a", "cycle")], seeds)
    assert caught.value.chinese


def test_repeated_runs_really_start_from_different_seeds(tmp_path):
    results = run_experiments(repeat_over_seeds([Experiment("baseline", "cycle")], [1, 2]), BASE, TEXTS,
                              run_root=tmp_path)
    saved = [json.loads((result.run_dir / checkpoints.CONFIG_FILE).read_text(encoding="utf-8")) for result in results]
    assert [config["seed"] for config in saved] == [1, 2]
    assert results[0].best_val_loss != results[1].best_val_loss
    (summary,) = summarize_over_seeds(results)
    assert (summary.setting, summary.runs) == ("baseline", 2)


def test_summary_gives_mean_and_range_per_setting_and_corpus():
    results = [fake_result("a.seed=1", "baseline", "anna", 2.0, 4.0, setting="a"),
               fake_result("tang", "corpus", "tang", 9.0, 9.0),
               fake_result("a.seed=2", "baseline", "anna", 3.0, 4.0, setting="a")]
    first, second = summarize_over_seeds(results)
    assert (first.setting, first.corpus, first.group, first.runs) == ("a", "anna", "baseline", 2)
    assert first.mean_bpc == pytest.approx(2.5)
    assert (first.mean_ratio, first.lowest_ratio, first.highest_ratio) == pytest.approx((0.625, 0.5, 0.75))
    assert first.mean_perplexity == pytest.approx((2 ** 2.0 + 2 ** 3.0) / 2)
    assert (second.setting, second.runs, second.mean_ratio) == ("tang", 1, pytest.approx(1.0))


def test_a_rerun_replaces_the_earlier_run_of_the_same_label(tmp_path):
    run_experiments([Experiment("run", "pairs")], BASE, TEXTS, run_root=tmp_path)
    (result,) = run_experiments([Experiment("run", "pairs", {"max_steps": 4})], BASE, TEXTS, run_root=tmp_path)
    assert [step for step, _ in checkpoints.list_checkpoints(result.run_dir)] == [4]
    assert result.characters_trained == 4 * 4 * 10


# --- refusing a grid before anything is trained --------------------------------------------------------------------

def test_an_empty_grid_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="at least one Experiment"):
        run_experiments([], BASE, TEXTS, run_root=tmp_path)


@pytest.mark.parametrize(("experiment", "extra_texts", "error", "match"), [
    (Experiment("a", "cycle", {"keep_prob": 0.8}), {}, ConfigError, "Did you mean 'train_keep_prob'"),
    (Experiment("a", "cycle", {"name": "b"}), {}, ConfigError, "unknown knob 'name'"),
    (Experiment("a", "cycle", {"lstm_size": 0}), {}, ConfigError, "Experiment 'a': lstm_size must be"),
    (Experiment("first", "pairs"), {}, ConfigError, "used twice"),
    (Experiment("a/b", "cycle"), {}, ConfigError, "names the run's folder"),
    (Experiment("a", "cycle", {"validation_fraction": 0.0}), {}, ConfigError, "compare validation loss"),
    (Experiment("a", "missing"), {}, CorpusError, "load it with load_corpora"),
    (Experiment("a", "short"), {"short": "abc" * 10}, CorpusError, "use more text"),
    (Experiment("a", "tail"), {"tail": "ab" * 100}, CorpusError, "160 for training and 40 for validation"),
])
def test_a_bad_experiment_is_refused_before_any_training(tmp_path, experiment, extra_texts, error, match):
    grid = [Experiment("first", "cycle"), experiment]  # a valid run comes first: it must not start either
    with pytest.raises(error, match=match) as caught:
        run_experiments(grid, BASE, TEXTS | extra_texts, run_root=tmp_path)
    assert caught.value.chinese  # bilingual
    assert list(tmp_path.iterdir()) == []


def test_load_corpora_loads_each_corpus_once_and_notes_the_missing_ones():
    calls = []

    def load(name, max_chars):
        calls.append((name, max_chars))
        if name == "absent":
            raise DatasetError("absent.txt is not in the data folder.", "数据文件夹中没有 absent.txt。")
        return TEXTS[name][:max_chars]

    texts, notes = load_corpora(["cycle", "absent", "cycle", "pairs"], 100, load=load)
    assert calls == [("cycle", 100), ("absent", 100), ("pairs", 100)]
    assert texts == {"cycle": TEXTS["cycle"][:100], "pairs": TEXTS["pairs"][:100]}
    assert len(notes) == 1 and "Skipping absent" in notes[0] and "跳过 absent" in notes[0]


# --- the table and the plot ----------------------------------------------------------------------------------------

def test_results_table_has_one_row_per_run_and_renders_as_markdown(grid):
    _, results = grid
    table = results_table(results)
    assert [row["experiment"] for row in table.rows] == ["baseline", "lstm_size=16", "pairs"]
    assert table.rows[1]["parameters"] == results[1].parameters
    assert table.rows[0]["bpc / unigram"] == pytest.approx(results[0].bpc_ratio)
    assert table.rows[0]["val perplexity"] == pytest.approx(results[0].best_val_perplexity)
    assert not any("chars/s" in column or "seconds" in column for column in table.columns)  # load, not the model
    markdown = table._repr_markdown_().splitlines()
    assert len(markdown) == 2 + len(results) and markdown[0].startswith("| experiment |")
    assert f"{results[1].parameters:,}" in markdown[3]
    assert str(table).splitlines()[0].split()[:2] == ["experiment", "varied"]


def test_plot_shows_one_bar_per_setting_at_the_mean_ratio_with_the_seed_range():
    results = [fake_result("baseline.seed=1", "baseline", "anna", 2.2, 4.4, setting="baseline"),
               fake_result("baseline.seed=2", "baseline", "anna", 2.64, 4.4, setting="baseline"),
               fake_result("lstm_size=64", "lstm_size", "anna", 3.3, 4.4),
               fake_result("tang.seed=1", "corpus", "tang", 9.0, 9.0, setting="tang"),
               fake_result("tang.seed=2", "corpus", "tang", 8.1, 9.0, setting="tang")]
    figure = plots.plot_experiments(results)
    (ax,) = figure.axes
    bars = ax.patches
    assert [round(bar.get_width(), 3) for bar in bars] == [0.55, 0.75, 0.95]  # bpc ÷ unigram, mean over seeds
    assert [label.get_text() for label in ax.get_yticklabels()] == [
        "baseline (anna, 2×)", "lstm_size=64 (anna)", "tang (tang, 2×)"]
    centres = [bar.get_y() + bar.get_height() / 2 for bar in bars]
    assert np.diff(centres).tolist() == [2.0, 2.0]  # one empty row between groups
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [sorted(np.round(line.get_xdata(), 3)) for line in dots] == [[0.5, 0.6], [0.75], [0.9, 1.0]]
    whiskers = [collection.get_segments()[0] for collection in ax.collections]  # only settings with several seeds
    assert [sorted(np.round([point[0] for point in whisker], 3)) for whisker in whiskers] == [[0.5, 0.6], [0.9, 1.0]]
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert set(legend) == {"baseline · 基线", "lstm_size", "corpus · 语料库",
                           "unigram bpc (no context) · 一元 bpc（不看上下文）"}
    assert not english_only_texts(figure)  # a knob name is an identifier; the plain words carry their Chinese


def test_plot_refuses_no_results():
    with pytest.raises(CharRNNError, match="at least one result"):
        plots.plot_experiments([])


def fake_result(label, group, corpus, bpc, unigram_bpc, *, setting=""):
    """A result as the plot and the summary read it, without training."""
    return ExperimentResult(label=label, corpus=corpus, group=group, setting=setting or label, overrides={},
                            parameters=1, vocab_size=2, characters_trained=1, final_loss=1.0,
                            best_val_loss=bpc * math.log(2), best_step=1, unigram_bpc=unigram_bpc, seconds=1.0,
                            run_dir=Path("unused"))
