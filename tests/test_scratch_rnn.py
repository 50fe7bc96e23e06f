"""lessons.scratch_rnn: the NumPy cells and the parameter counts agree with Keras' own layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from charrnn_lib.errors import ConfigError
from charrnn_lib.lessons.scratch_rnn import (
    lstm_step,
    rnn_forward,
    rnn_parameter_count,
    rnn_step,
    simple_rnn_weights,
    trace_lstm,
)

LAYERS = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def random_inputs(batch, time, input_dim, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, time, input_dim)).astype("float32")


def built_simple_rnn(units, xs):
    """A SimpleRNN with a non-zero bias (the default is zeros, which would hide a missing bias)."""
    layer = keras.layers.SimpleRNN(units, return_sequences=True,
                                   bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=0))
    return layer, keras.ops.convert_to_numpy(layer(xs))


@pytest.mark.parametrize(("batch", "time", "input_dim", "units"), [(2, 7, 3, 5), (1, 1, 4, 4), (5, 12, 10, 2)])
def test_numpy_rnn_forward_equals_keras_simple_rnn(batch, time, input_dim, units):
    xs = random_inputs(batch, time, input_dim)
    layer, expected = built_simple_rnn(units, xs)
    ours = rnn_forward(xs, np.zeros((batch, units), "float32"), *simple_rnn_weights(layer))
    assert ours.shape == (batch, time, units)
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_numpy_rnn_forward_starts_from_the_given_state_like_keras_initial_state():
    xs = random_inputs(3, 4, 2, seed=1)
    h0 = np.random.default_rng(2).uniform(-1, 1, (3, 6)).astype("float32")
    layer, _ = built_simple_rnn(6, xs)
    expected = keras.ops.convert_to_numpy(layer(xs, initial_state=[h0]))
    np.testing.assert_allclose(rnn_forward(xs, h0, *simple_rnn_weights(layer)), expected, atol=1e-5)
    assert np.abs(rnn_forward(xs, np.zeros_like(h0), *simple_rnn_weights(layer)) - expected).max() > 1e-3


def test_one_rnn_step_is_the_formula_for_a_vector_and_for_each_row_of_a_batch():
    rng = np.random.default_rng(3)
    x, h, W_x, W_h, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(3, 4)), \
        rng.normal(size=(4, 4)), rng.normal(size=4)
    batch = rnn_step(x, h, W_x, W_h, b)
    assert batch.shape == (2, 4)
    for row in range(2):
        np.testing.assert_allclose(rnn_step(x[row], h[row], W_x, W_h, b), np.tanh(W_x.T @ x[row] + W_h.T @ h[row] + b))
        np.testing.assert_allclose(batch[row], rnn_step(x[row], h[row], W_x, W_h, b))


def test_simple_rnn_weights_come_in_keras_layout_and_other_layers_are_refused():
    layer, _ = built_simple_rnn(5, random_inputs(1, 2, 3))
    W_x, W_h, b = simple_rnn_weights(layer)
    assert (W_x.shape, W_h.shape, b.shape) == ((3, 5), (5, 5), (5,))
    with pytest.raises(ConfigError, match="SimpleRNN"):
        simple_rnn_weights(keras.layers.SimpleRNN(5))  # not built yet
    lstm = keras.layers.LSTM(5)
    lstm(random_inputs(1, 2, 3))
    with pytest.raises(ConfigError, match="SimpleRNN"):
        simple_rnn_weights(lstm)


def test_traced_lstm_gives_keras_outputs_and_gates_between_zero_and_one():
    xs = random_inputs(2, 6, 3, seed=4)
    layer = keras.layers.LSTM(4, return_sequences=True, return_state=True,
                              bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=1))
    hidden, _, last_cell = (keras.ops.convert_to_numpy(value) for value in layer(xs))
    trace = trace_lstm(layer, xs)
    np.testing.assert_allclose(trace.hidden, hidden, atol=1e-5)
    np.testing.assert_allclose(trace.cell[:, -1], last_cell, atol=1e-5)
    for gate in (trace.input_gate, trace.forget_gate, trace.output_gate):
        assert gate.shape == (2, 6, 4) and gate.min() >= 0 and gate.max() <= 1
    assert np.abs(trace.candidate).max() <= 1


def test_lstm_step_is_one_step_of_keras_lstm_from_a_given_state():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 1, 2)).astype("float32")
    h0, c0 = (rng.normal(size=(3, 5)).astype("float32") for _ in range(2))
    layer = keras.layers.LSTM(5, return_state=True)
    _, h1, c1 = (keras.ops.convert_to_numpy(value) for value in layer(x, initial_state=[h0, c0]))
    ours_h, ours_c = lstm_step(x[:, 0], h0, c0, *layer.get_weights())
    np.testing.assert_allclose(ours_h, h1, atol=1e-5)
    np.testing.assert_allclose(ours_c, c1, atol=1e-5)


def test_trace_lstm_refuses_a_layer_that_is_not_a_built_lstm():
    with pytest.raises(ConfigError, match="LSTM"):
        trace_lstm(keras.layers.LSTM(3), random_inputs(1, 2, 2))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(("input_size", "units"), [(1, 1), (8, 32), (83, 128), (128, 3)])
def test_parameter_count_formula_equals_keras_count_params(cell, input_size, units):
    layer = LAYERS[cell](units)
    layer.build((None, None, input_size))
    assert rnn_parameter_count(cell, input_size, units) == layer.count_params()


def test_gru_count_has_two_biases_per_block():
    assert rnn_parameter_count("gru", 10, 4) == 3 * (4 * (10 + 4) + 2 * 4)
    assert rnn_parameter_count("lstm", 10, 4) == 4 * rnn_parameter_count("rnn", 10, 4)


@pytest.mark.parametrize(("args", "message"), [(("cnn", 3, 4), "cell"), (("lstm", 0, 4), "input_size"),
                                               (("gru", 3, 2.5), "units")])
def test_parameter_count_refuses_impossible_layers(args, message):
    with pytest.raises(ConfigError, match=message):
        rnn_parameter_count(*args)
