"""charrnn_lib.lessons.inside: the states it reads are the model's, and the feature helpers say what they mean."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from charrnn_lib.errors import ConfigError
from charrnn_lib.lessons.inside import (
    ActivationReader,
    inside_quotes,
    most_correlated_unit,
    position_in_line,
    unit_correlations,
)
from charrnn_lib.model import build_char_rnn
from charrnn_lib.text import TextConverter

TEXT = 'ab "cd" e\nf "g'


@pytest.fixture(scope="module")
def reader():
    keras.utils.set_random_seed(0)
    converter = TextConverter.from_text(TEXT)
    model = build_char_rnn(converter.vocab_size, lstm_size=8, num_layers=2, batch_size=1, keep_prob=0.5)
    return ActivationReader(model, converter)


@pytest.mark.parametrize("use_embedding", [False, True])
def test_the_states_and_logits_are_those_of_the_model_run_from_a_fresh_state(use_embedding):
    keras.utils.set_random_seed(1)
    converter = TextConverter.from_text(TEXT)
    model = build_char_rnn(converter.vocab_size, lstm_size=8, num_layers=2, batch_size=1, keep_prob=0.5,
                           use_embedding=use_embedding, embedding_size=4)
    reader = ActivationReader(model, converter)
    activations = reader.read(TEXT)
    ids = reader.converter.encode(TEXT)[None, :]  # (1, time)
    for layer in model.layers:
        if isinstance(layer, keras.layers.RNN):
            layer.reset_state()
    np.testing.assert_allclose(activations.logits, model.predict(ids, verbose=0)[0], atol=1e-4)
    first_layer = keras.Model(model.inputs, model.get_layer("lstm_1").output)
    for layer in model.layers:
        if isinstance(layer, keras.layers.RNN):
            layer.reset_state()
    np.testing.assert_allclose(activations.hidden[0], first_layer.predict(ids, verbose=0)[0], atol=1e-5)
    assert activations.cell.shape == (2, len(TEXT), 8)


def test_the_last_cell_state_is_the_one_the_layer_carries(reader):
    activations = reader.read(TEXT)
    model = reader.model
    for layer in model.layers:
        if isinstance(layer, keras.layers.RNN):
            layer.reset_state()
    model.predict(reader.converter.encode(TEXT)[None, :], verbose=0)
    _, carried_cell = model.get_layer("lstm_2").states
    np.testing.assert_allclose(activations.cell[1, -1], np.asarray(carried_cell)[0], atol=1e-5)


def test_a_gru_model_and_an_empty_text_are_refused(reader):
    converter = TextConverter.from_text(TEXT)
    with pytest.raises(ConfigError, match="LSTM"):
        ActivationReader(build_char_rnn(converter.vocab_size, cell="gru", batch_size=1), converter)
    with pytest.raises(ConfigError, match="empty"):
        reader.read("")


def test_inside_quotes_opens_on_the_opening_quote_and_closes_on_the_closing_one():
    assert inside_quotes('a"bc"d"e').tolist() == [False, True, True, True, False, False, True, True]


def test_position_in_line_restarts_after_each_line_break():
    assert position_in_line("ab\ncde\n\nf").tolist() == [1, 2, 0, 1, 2, 3, 0, 0, 1]


def test_unit_correlations_match_numpy_and_give_zero_for_a_constant_unit():
    rng = np.random.default_rng(0)
    states = rng.normal(size=(50, 3))
    states[:, 2] = 1.5
    feature = rng.normal(size=50)
    got = unit_correlations(states, feature)
    for unit in range(2):
        assert got[unit] == pytest.approx(np.corrcoef(states[:, unit], feature)[0, 1])
    assert got[2] == 0.0
    with pytest.raises(ConfigError, match="same text"):
        unit_correlations(states, feature[:-1])


def test_most_correlated_unit_takes_either_sign_and_the_asked_state(reader):
    activations = reader.read(TEXT)
    quotes = inside_quotes(TEXT)
    for kind in ("hidden", "cell"):
        correlations = unit_correlations(activations.state(kind)[1], quotes)
        assert most_correlated_unit(activations, quotes, layer=1, kind=kind) == int(np.argmax(np.abs(correlations)))
    with pytest.raises(ConfigError, match="kind"):
        activations.state("gates")


def test_readable_text_writes_white_on_dark_cells_and_black_on_light_ones():
    from charrnn_lib.lessons import inside, plots

    values = np.array([-1.0, -0.05, 0.0, 0.05, 1.0])  # the ends of the scale are dark, its middle nearly white
    figure = inside.readable_text(plots.plot_text_activation("abcde", values))
    colours = [text.get_color() for text in figure.axes[0].texts]
    assert colours == ["white", "black", "black", "black", "white"]


@pytest.mark.skipif(keras.backend.backend() != "tensorflow" or importlib.util.find_spec("jax") is None,
                    reason="runs this file's reader tests on JAX from a TensorFlow run (needs jax installed)")
def test_the_reader_tests_pass_on_jax_too():
    """Lesson 10 reads states on JAX as well: ActivationReader once used tf.scan in a tf.function, which JAX's
    Keras layers cannot run in. In a process of its own, since Keras fixes its backend at import."""
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", __file__, "-k",
                             "states_and_logits or last_cell_state or most_correlated"],
                            capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0 and "4 passed" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
