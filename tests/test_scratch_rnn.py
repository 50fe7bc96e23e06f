"""lessons.scratch_rnn: the NumPy cells, the parameter counts and the char-RNN's gradients agree with Keras and TF."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from charrnn_lib.errors import ConfigError, VocabularyError
from charrnn_lib.lessons.scratch_rnn import (
    CharRNNParameters,
    bptt_gradients,
    char_rnn_forward,
    char_rnn_loss,
    cross_entropy,
    init_char_rnn,
    lstm_step,
    rnn_forward,
    rnn_parameter_count,
    rnn_step,
    sample_char_rnn,
    simple_rnn_weights,
    softmax,
    tape_gradients,
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


def char_rnn_problem(batch, time, vocab_size, units, seed=0, scale=0.8):
    """One-hot inputs, next-character targets, a non-zero h0 and weights big enough to bend tanh."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, vocab_size, size=(batch, time + 1))
    parameters = CharRNNParameters(*(rng.normal(scale=scale, size=shape) for shape in
                                     ((vocab_size, units), (units, units), (units,), (units, vocab_size),
                                      (vocab_size,))))
    return np.eye(vocab_size)[ids[:, :-1]], ids[:, 1:], rng.uniform(-1, 1, (batch, units)), parameters


def keras_char_rnn(parameters):
    """Keras layers holding the parameters: a SimpleRNN and a Dense read-out, in float64."""
    W_x, W_h, b, W_y, b_y = parameters
    rnn = keras.layers.SimpleRNN(W_h.shape[0], return_sequences=True, dtype="float64")
    readout = keras.layers.Dense(W_y.shape[1], dtype="float64")
    rnn.build((None, None, W_x.shape[0]))
    readout.build((None, None, W_h.shape[0]))
    rnn.set_weights([W_x, W_h, b])
    readout.set_weights([W_y, b_y])
    return rnn, readout


@pytest.mark.parametrize(("batch", "time", "vocab_size", "units"), [(1, 1, 3, 2), (2, 7, 5, 4), (4, 12, 9, 6)])
def test_forward_and_loss_equal_keras_simple_rnn_dense_and_cross_entropy(batch, time, vocab_size, units):
    xs, targets, h0, parameters = char_rnn_problem(batch, time, vocab_size, units)
    rnn, readout = keras_char_rnn(parameters)
    logits = readout(rnn(xs, initial_state=[h0]))
    hidden, probabilities = char_rnn_forward(xs, h0, *parameters)
    np.testing.assert_allclose(hidden, keras.ops.convert_to_numpy(rnn(xs, initial_state=[h0])), atol=1e-12)
    np.testing.assert_allclose(probabilities, keras.ops.convert_to_numpy(keras.ops.softmax(logits)), atol=1e-12)
    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")(targets, logits)
    assert char_rnn_loss(xs, targets, h0, *parameters) == pytest.approx(float(keras_loss), abs=1e-10)


@pytest.mark.parametrize(("batch", "time", "vocab_size", "units"), [(1, 1, 3, 2), (2, 7, 5, 4), (4, 12, 9, 6)])
def test_bptt_gradients_equal_tf_gradient_tape_on_the_same_weights(batch, time, vocab_size, units):
    xs, targets, h0, parameters = char_rnn_problem(batch, time, vocab_size, units, seed=1)
    ours, tape = bptt_gradients(xs, targets, h0, *parameters), tape_gradients(xs, targets, h0, *parameters)
    assert isinstance(ours, CharRNNParameters) and isinstance(tape, CharRNNParameters)
    for name, mine, theirs, parameter in zip(CharRNNParameters._fields, ours, tape, parameters, strict=True):
        assert mine.shape == parameter.shape, name
        np.testing.assert_allclose(mine, theirs, atol=1e-12, err_msg=name)
    assert min(np.abs(gradient).max() for gradient in ours) > 1e-3  # a real gradient everywhere, not all zeros


def test_bptt_gradients_equal_central_finite_differences_of_the_loss():
    xs, targets, h0, parameters = char_rnn_problem(2, 5, 4, 3, seed=2)
    gradients = bptt_gradients(xs, targets, h0, *parameters)
    epsilon = 1e-6
    for index, (parameter, gradient) in enumerate(zip(parameters, gradients, strict=True)):
        for position in np.ndindex(parameter.shape):
            shifted = [[array.copy() for array in parameters] for _ in range(2)]
            shifted[0][index][position] += epsilon
            shifted[1][index][position] -= epsilon
            plus, minus = (char_rnn_loss(xs, targets, h0, *arrays) for arrays in shifted)
            assert gradient[position] == pytest.approx((plus - minus) / (2 * epsilon), abs=1e-7)


def test_init_char_rnn_starts_near_the_uniform_guess_and_refuses_impossible_sizes():
    parameters = init_char_rnn(30, 16, seed=4)
    assert [array.shape for array in parameters] == [(30, 16), (16, 16), (16,), (16, 30), (30,)]
    np.testing.assert_allclose(parameters.W_h @ parameters.W_h.T, np.eye(16), atol=1e-10)  # orthogonal
    ids = np.random.default_rng(5).integers(0, 30, size=(4, 21))
    loss = char_rnn_loss(np.eye(30)[ids[:, :-1]], ids[:, 1:], np.zeros((4, 16)), *parameters)
    assert loss == pytest.approx(np.log(30), abs=0.05)
    assert all(np.array_equal(a, b) for a, b in zip(parameters, init_char_rnn(30, 16, seed=4), strict=True))
    with pytest.raises(ConfigError, match="units"):
        init_char_rnn(30, 0)


def test_softmax_survives_huge_logits_and_cross_entropy_of_a_uniform_guess_is_ln_vocab():
    probabilities = softmax(np.array([[1000.0, 1000.0, -1000.0], [0.0, 0.0, 0.0]]))
    assert np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0)
    np.testing.assert_allclose(probabilities[0], [0.5, 0.5, 0.0], atol=1e-12)
    uniform = np.full((2, 3, 7), 1 / 7)
    assert cross_entropy(uniform, np.zeros((2, 3), dtype=int)) == pytest.approx(np.log(7))
    assert cross_entropy(np.eye(7)[[[1, 2]]], np.array([[1, 2]])) == pytest.approx(0.0)


def test_sgd_with_bptt_gradients_learns_a_repeating_text():
    ids = np.tile(np.arange(4), 13)  # "abcdabcd…": the next character follows from the current one
    xs, targets, h0 = np.eye(4)[ids[None, :-1]], ids[None, 1:], np.zeros((1, 8))
    parameters = init_char_rnn(4, 8, seed=6)
    start = char_rnn_loss(xs, targets, h0, *parameters)
    for _ in range(100):
        gradients = bptt_gradients(xs, targets, h0, *parameters)
        parameters = CharRNNParameters(*(p - 0.5 * g for p, g in zip(parameters, gradients, strict=True)))
    assert start == pytest.approx(np.log(4), abs=0.05)
    assert char_rnn_loss(xs, targets, h0, *parameters) < 0.1 * start


def counting_model(vocab_size):
    """A char-RNN that always predicts id + 1 (mod vocab_size) after id: the hidden state is the current one-hot."""
    return CharRNNParameters(W_x=20.0 * np.eye(vocab_size), W_h=np.zeros((vocab_size, vocab_size)),
                             b=np.zeros(vocab_size), W_y=60.0 * np.roll(np.eye(vocab_size), 1, axis=1),
                             b_y=np.zeros(vocab_size))


def test_sample_char_rnn_continues_from_the_last_prime_character():
    drawn = sample_char_rnn(counting_model(6), [4, 0, 2], 7, np.random.default_rng(0))
    assert drawn.tolist() == [3, 4, 5, 0, 1, 2, 3]


def test_sample_char_rnn_draws_from_the_softmax_and_is_repeatable():
    parameters = init_char_rnn(5, 4, seed=7)  # near-uniform predictions
    first, again = (sample_char_rnn(parameters, [1], 400, np.random.default_rng(8)) for _ in range(2))
    assert np.array_equal(first, again) and first.shape == (400,)
    assert set(first.tolist()) == set(range(5))  # every character gets drawn when the model is unsure


@pytest.mark.parametrize(("prime", "length", "error", "message"), [
    ([], 3, ConfigError, "prime_ids is empty"), ([1, 6], 3, VocabularyError, r"\[6\]"),
    ([-1], 3, VocabularyError, r"\[-1\]"), ([1], 0, ConfigError, "length"),
])
def test_sample_char_rnn_refuses_a_bad_prime_or_length(prime, length, error, message):
    with pytest.raises(error, match=message):
        sample_char_rnn(counting_model(6), prime, length, np.random.default_rng(0))
