"""charrnn_lib.lessons.memory_task: the recall data asks for the character k steps back; comparisons run per seed."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pytest

from charrnn_lib.errors import ConfigError
from charrnn_lib.lessons.memory_task import (
    RecallSettings,
    build_recall_model,
    compare_cells,
    make_recall_data,
    train_on_growing_k,
)
from charrnn_lib.lessons.scratch_rnn import rnn_parameter_count


@pytest.mark.parametrize("k", [0, 1, 5, 30])
def test_the_target_is_the_character_k_steps_before_the_last(k):
    sequences, targets = make_recall_data(k, 200, alphabet_size=5, seed=1)
    assert sequences.shape == (200, k + 1) and targets.shape == (200,)
    np.testing.assert_array_equal(targets, sequences[:, -1 - k])
    assert sequences.min() >= 0 and sequences.max() <= 4 and sequences.dtype == np.int32


def test_recall_data_is_random_but_repeatable():
    first, _ = make_recall_data(10, 500, seed=(0, 10, 0))
    again, _ = make_recall_data(10, 500, seed=(0, 10, 0))
    other, _ = make_recall_data(10, 500, seed=(0, 10, 1))
    np.testing.assert_array_equal(first, again)
    assert (first != other).mean() > 0.5
    # every character is a target about equally often, so always guessing one scores about chance
    counts = np.bincount(make_recall_data(3, 8000, alphabet_size=8)[1], minlength=8)
    assert counts.min() > 800


@pytest.mark.parametrize("k", [-1, 2.0, True])
def test_impossible_k_is_refused(k):
    with pytest.raises(ConfigError, match="k"):
        make_recall_data(k, 10)


@pytest.mark.parametrize(("cell", "layer_type"), [("rnn", keras.layers.SimpleRNN), ("lstm", keras.layers.LSTM),
                                                  ("gru", keras.layers.GRU)])
def test_recall_model_reads_a_sequence_and_scores_every_character(cell, layer_type):
    model = build_recall_model(cell, units=6, alphabet_size=5)
    assert model(np.zeros((3, 9), "int32")).shape == (3, 5)
    assert [type(layer) for layer in model.layers if isinstance(layer, keras.layers.RNN)] == [layer_type]
    assert model.count_params() == rnn_parameter_count(cell, 5, 6) + 6 * 5 + 5


def test_unknown_cell_is_refused():
    with pytest.raises(ConfigError, match="cell"):
        build_recall_model("transformer")


def test_a_small_rnn_learns_to_recall_one_step_back():
    settings = RecallSettings(units=16, alphabet_size=4, train_size=1000, test_size=200, epochs_per_k=8)
    _, accuracies = train_on_growing_k("rnn", (1,), settings)
    assert accuracies[0] > 0.9


def test_compare_cells_reports_one_accuracy_per_seed_and_k_for_each_cell():
    settings = RecallSettings(units=4, alphabet_size=4, train_size=64, test_size=32, epochs_per_k=1)
    comparison = compare_cells((1, 2), settings, cells=("gru",), seeds=(3, 4, 5), verbose=0)
    assert comparison.ks == (1, 2) and comparison.seeds == (3, 4, 5) and comparison.chance == 0.25
    assert list(comparison.accuracy) == ["gru"] == list(comparison.models)
    scores = comparison.accuracy["gru"]
    assert scores.shape == (3, 2) and ((scores >= 0.0) & (scores <= 1.0)).all()
    assert comparison.models["gru"].name == "recall_gru"


def test_each_seed_is_its_own_run_and_the_kept_model_is_the_first_seeds():
    settings = RecallSettings(units=4, alphabet_size=4, train_size=64, test_size=32, epochs_per_k=1)
    comparison = compare_cells((1,), settings, cells=("rnn",), seeds=(3, 4), verbose=0)
    first_model, first_scores = train_on_growing_k("rnn", (1,), dataclasses.replace(settings, seed=3))
    _, second_scores = train_on_growing_k("rnn", (1,), dataclasses.replace(settings, seed=4))
    np.testing.assert_allclose(comparison.accuracy["rnn"][:, 0], [first_scores[0], second_scores[0]])
    for kept, again in zip(comparison.models["rnn"].get_weights(), first_model.get_weights(), strict=True):
        np.testing.assert_allclose(kept, again)


def test_seeds_default_to_the_settings_seed():
    settings = RecallSettings(units=4, alphabet_size=4, train_size=32, test_size=16, epochs_per_k=1, seed=7)
    assert compare_cells((1,), settings, cells=("rnn",), verbose=0).seeds == (7,)


@pytest.mark.parametrize("seeds", [(), (1.5,), (True,)])
def test_impossible_seeds_are_refused(seeds):
    with pytest.raises(ConfigError, match="seeds"):
        compare_cells((1,), cells=("rnn",), seeds=seeds, verbose=0)
