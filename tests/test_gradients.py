"""lessons.gradients: per-step gradient norms match the analysis, and the clipping references match TensorFlow."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from charrnn_lib.errors import CharRNNError
from charrnn_lib.lessons import gradients


def linear_rnn(recurrent_kernel, kernel, *, return_sequences=False):
    """A SimpleRNN without activation or bias: h_t = x_t U + h_{t-1} W, so ∂h_T/∂x_t = U W^(T-t)."""
    recurrent_kernel, kernel = np.asarray(recurrent_kernel, np.float32), np.asarray(kernel, np.float32)
    layer = keras.layers.SimpleRNN(recurrent_kernel.shape[0], activation=None, use_bias=False,
                                   return_sequences=return_sequences)
    layer.build((None, None, kernel.shape[0]))
    layer.set_weights([kernel, recurrent_kernel])
    return layer


def test_a_scalar_linear_rnn_gives_u_times_w_to_the_distance():
    inputs = np.ones((2, 6, 1), np.float32)
    norms = gradients.gradient_norms_per_step(linear_rnn([[0.5]], [[2.0]]), inputs)
    distances = np.arange(6)[::-1]  # the last step is distance 0
    # Two batch rows contribute equally: √2 · |u| · |w|^k.
    np.testing.assert_allclose(norms, np.sqrt(2) * 2.0 * 0.5 ** distances, rtol=1e-5)


def test_a_2x2_linear_rnn_matches_the_matrix_power_not_its_transpose():
    recurrent_kernel = np.array([[0.0, 2.0], [0.5, 0.0]])  # not symmetric: W and Wᵀ give different answers
    kernel = np.array([[1.0, 0.0], [0.0, 3.0]])
    inputs = np.zeros((1, 4, 2), np.float32)
    norms = gradients.gradient_norms_per_step(linear_rnn(recurrent_kernel, kernel), inputs)
    # loss = h_T · 1, so ∂loss/∂x_t = U W^k 1 with k = T - 1 - t.
    expected = [np.linalg.norm(kernel @ np.linalg.matrix_power(recurrent_kernel, k) @ np.ones(2)) for k in (3, 2, 1, 0)]
    np.testing.assert_allclose(norms, expected, rtol=1e-5)


def test_a_sequence_output_is_read_at_its_last_step_only():
    weights = ([[0.9]], [[1.0]])
    inputs = np.random.default_rng(0).normal(size=(3, 5, 1)).astype(np.float32)
    whole_sequence = gradients.gradient_norms_per_step(linear_rnn(*weights, return_sequences=True), inputs)
    last_step = gradients.gradient_norms_per_step(linear_rnn(*weights), inputs)
    np.testing.assert_allclose(whole_sequence, last_step, rtol=1e-6)


def test_ids_instead_of_float_sequences_are_refused_in_both_languages():
    with pytest.raises(CharRNNError, match=r"\(batch, time, features\)") as refused:
        gradients.gradient_norms_per_step(linear_rnn([[0.5]], [[1.0]]), np.array([[1, 2, 3]]))
    assert "独热编码" in refused.value.chinese


def lstm_with_open_forget_gates(units):
    """An LSTM whose forget gates start at sigmoid(5) ≈ 0.993, the gate training opens for long memories."""
    layer = keras.layers.LSTM(units)
    layer.build((None, None, 4))
    kernel, recurrent_kernel, bias = layer.get_weights()
    bias[units : 2 * units] = 5.0  # Keras orders the gates input, forget, cell, output
    layer.set_weights([kernel, recurrent_kernel, bias])
    return layer


def test_an_lstm_with_open_forget_gates_keeps_the_gradient_that_a_simple_rnn_loses():
    keras.utils.set_random_seed(3)
    inputs = np.random.default_rng(3).normal(size=(2, 120, 4)).astype(np.float32)
    simple = gradients.gradient_norms_per_step(keras.layers.SimpleRNN(16), inputs)
    lstm = gradients.gradient_norms_per_step(lstm_with_open_forget_gates(16), inputs)
    # Gradient 100 steps back relative to the last step's.
    assert simple[-101] / simple[-1] < 1e-2
    assert lstm[-101] / lstm[-1] > 100 * simple[-101] / simple[-1]


TENSORS = [np.array([[3.0, 0.0], [0.0, 4.0]], np.float32), np.array([8.0, 8.0, 4.0], np.float32)]


def test_global_norm_equals_tensorflow_and_skips_missing_gradients():
    expected = float(tf.linalg.global_norm([tf.constant(tensor) for tensor in TENSORS]))
    assert gradients.global_norm(TENSORS) == pytest.approx(13.0) == pytest.approx(expected)
    assert gradients.global_norm([TENSORS[0], None, tf.constant(TENSORS[1])]) == pytest.approx(13.0)


@pytest.mark.parametrize("clip_norm", [6.5, 13.0, 20.0])
def test_clip_by_global_norm_equals_tensorflow_and_keeps_float32(clip_norm):
    clipped = gradients.clip_by_global_norm(TENSORS, clip_norm)
    expected, norm = tf.clip_by_global_norm([tf.constant(tensor) for tensor in TENSORS], clip_norm)
    assert float(norm) == pytest.approx(13.0)
    for got, want in zip(clipped, expected, strict=True):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-6)
    assert gradients.global_norm(clipped) == pytest.approx(min(13.0, clip_norm))


def test_clipping_zero_gradients_returns_them_unchanged():
    zeros = [np.zeros(3, np.float32)]
    np.testing.assert_array_equal(gradients.clip_by_global_norm(zeros, 1.0)[0], zeros[0])


def tiny_regression(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((5, 1)), keras.layers.SimpleRNN(3), keras.layers.Dense(1)])
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 4, 5, 1)).astype(np.float32)  # (n_batches, batch, time, features)
    return model, x, 10 * x.sum(axis=2)  # large targets → large gradients


def test_recorded_norms_are_measured_before_clipping_and_the_step_is_clipped():
    model, x, y = tiny_regression()
    loss = keras.losses.MeanSquaredError()
    with tf.GradientTape() as tape:
        first_loss = loss(y[0], model(x[0]))
    first_norm = float(tf.linalg.global_norm(tape.gradient(first_loss, model.trainable_variables)))
    before = [weight.copy() for weight in model.get_weights()]

    losses, norms = gradients.train_recording_norms(
        model, x, y, keras.optimizers.SGD(1.0, global_clipnorm=0.5), loss, steps=1)

    assert losses.shape == norms.shape == (1,)
    assert losses[0] == pytest.approx(float(first_loss), rel=1e-5)
    assert first_norm > 0.5 and norms[0] == pytest.approx(first_norm, rel=1e-4)
    step = [after - start for after, start in zip(model.get_weights(), before, strict=True)]
    assert gradients.global_norm(step) == pytest.approx(0.5, rel=1e-4)  # SGD with lr 1 moves by the clipped gradient


def test_training_cycles_through_the_batches_and_resets_a_stateful_model(monkeypatch):
    model, x, y = tiny_regression()
    resets = []
    monkeypatch.setattr(gradients, "reset_states", lambda reset_model: resets.append(reset_model))
    losses, _ = gradients.train_recording_norms(model, x, y, keras.optimizers.SGD(0.0), keras.losses.MeanSquaredError(),
                                                steps=5)
    assert len(resets) == 3 and resets[0] is model  # steps 0, 2, 4 start a pass over the 2 batches
    np.testing.assert_allclose(losses[[0, 2, 4]], losses[0], rtol=1e-6)  # lr 0: batch 0 gives the same loss
    assert losses[1] != pytest.approx(losses[0])
