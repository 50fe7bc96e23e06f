"""Recurrent cells in plain NumPy, laid out like Keras, so a lesson can open one up and compare it with Keras.

Keras multiplies row vectors by weights on the right: a SimpleRNN computes
`h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)` with `kernel` of shape
`(input_dim, units)`, `recurrent_kernel` `(units, units)` and `bias` `(units,)`. An LSTM stacks its
four gates side by side in those matrices, in the order input, forget, candidate, output; a GRU stacks three
(update, reset, candidate) and keeps two bias rows, one for the input part and one for the recurrent part.

The tiny char-RNN at the end (a SimpleRNN with a softmax read-out) is lesson 3's model that learns:
`bptt_gradients` differentiates its loss by hand, step by step backwards, and `tape_gradients` gets the same
numbers from tf.GradientTape on Keras layers holding the same weights.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

from charrnn_lib.config import require_cell, require_positive_whole_numbers
from charrnn_lib.errors import ConfigError, VocabularyError


def rnn_step(x_t: np.ndarray, h_prev: np.ndarray, W_x: np.ndarray, W_h: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One SimpleRNN time step: mix the new input with the previous hidden state, squash with tanh."""
    # x_t (batch, input_dim) @ W_x (input_dim, units) + h_prev (batch, units) @ W_h (units, units) → (batch, units)
    return np.tanh(x_t @ W_x + h_prev @ W_h + b)


def rnn_forward(xs: np.ndarray, h0: np.ndarray, W_x: np.ndarray, W_h: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Run `rnn_step` along the time axis of `xs` (batch, time, input_dim); every hidden state (batch, time, units)."""
    hidden = h0
    states = []
    for t in range(xs.shape[1]):
        hidden = rnn_step(xs[:, t], hidden, W_x, W_h, b)
        states.append(hidden)
    return np.stack(states, axis=1)


def simple_rnn_weights(layer: keras.layers.SimpleRNN) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`(W_x, W_h, b)` of a built Keras SimpleRNN: its `kernel`, `recurrent_kernel` and `bias`."""
    if not isinstance(layer, keras.layers.SimpleRNN) or not layer.built or not layer.cell.use_bias:
        raise ConfigError(
            f"Expected a built keras.layers.SimpleRNN with a bias, got {layer!r}; call the layer on an input first.",
            f"需要一个已构建且带偏置的 keras.layers.SimpleRNN，收到的是 {layer!r}；请先用输入调用该层。",
        )
    W_x, W_h, b = layer.get_weights()
    return W_x, W_h, b


@dataclasses.dataclass(frozen=True)
class LSTMTrace:
    """What an LSTM computed: each field is `(batch, units)` for one step or `(batch, time, units)` for a run."""

    input_gate: np.ndarray
    forget_gate: np.ndarray
    candidate: np.ndarray
    output_gate: np.ndarray
    cell: np.ndarray
    hidden: np.ndarray


def lstm_trace_step(x_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, kernel: np.ndarray,
                    recurrent_kernel: np.ndarray, bias: np.ndarray) -> LSTMTrace:
    """One LSTM time step with every gate kept, so a lesson can plot what each gate lets through."""
    # (batch, 4 * units): the input, forget, candidate and output pre-activations side by side (Keras order)
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    z_input, z_forget, z_candidate, z_output = np.split(z, 4, axis=-1)
    input_gate, forget_gate, output_gate = sigmoid(z_input), sigmoid(z_forget), sigmoid(z_output)
    candidate = np.tanh(z_candidate)
    cell = forget_gate * c_prev + input_gate * candidate
    hidden = output_gate * np.tanh(cell)
    return LSTMTrace(input_gate, forget_gate, candidate, output_gate, cell, hidden)


def lstm_step(x_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, kernel: np.ndarray,
              recurrent_kernel: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One LSTM time step with Keras' weight layout: the new hidden state and cell state `(h_t, c_t)`."""
    trace = lstm_trace_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
    return trace.hidden, trace.cell


def trace_lstm(layer: keras.layers.LSTM, xs: np.ndarray) -> LSTMTrace:
    """Run a built Keras LSTM's weights over `xs` (batch, time, input_dim) from zero state, keeping every gate."""
    if not isinstance(layer, keras.layers.LSTM) or not layer.built or not layer.cell.use_bias:
        raise ConfigError(
            f"Expected a built keras.layers.LSTM with a bias, got {layer!r}; call the layer on an input first.",
            f"需要一个已构建且带偏置的 keras.layers.LSTM，收到的是 {layer!r}；请先用输入调用该层。",
        )
    kernel, recurrent_kernel, bias = layer.get_weights()
    hidden = cell = np.zeros((xs.shape[0], layer.units), dtype=kernel.dtype)
    steps = []
    for t in range(xs.shape[1]):
        step = lstm_trace_step(xs[:, t], hidden, cell, kernel, recurrent_kernel, bias)
        hidden, cell = step.hidden, step.cell
        steps.append(step)
    return LSTMTrace(*(np.stack([getattr(step, field.name) for step in steps], axis=1)
                       for field in dataclasses.fields(LSTMTrace)))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, the squashing that turns a gate's pre-activation into a 0–1 opening."""
    return 1.0 / (1.0 + np.exp(-z))


def gru_step(x_t: np.ndarray, h_prev: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray,
             bias: np.ndarray) -> np.ndarray:
    """One GRU time step as Keras computes it by default (`reset_after=True`): the new hidden state `h_t`.

    `kernel` `(input_dim, 3 · units)` and `recurrent_kernel` `(units, 3 · units)` hold the update, reset and
    candidate blocks side by side; `bias` `(2, 3 · units)` is added to the input part (row 0) and to the
    recurrent part (row 1). The reset gate scales the recurrent part after its matrix product, and the update
    gate keeps the old state: h_t = z ⊙ h_prev + (1 − z) ⊙ h̃_t.
    """
    x_z, x_r, x_h = np.split(x_t @ kernel + bias[0], 3, axis=-1)  # each (batch, units)
    h_z, h_r, h_h = np.split(h_prev @ recurrent_kernel + bias[1], 3, axis=-1)
    update, reset = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
    candidate = np.tanh(x_h + reset * h_h)
    return update * h_prev + (1 - update) * candidate

# How many (kernel, recurrent kernel, bias) blocks each cell stacks: one per gate or candidate.
BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}


def rnn_parameter_count(cell: str, input_size: int, units: int) -> int:
    """Trainable parameters of a Keras SimpleRNN ("rnn"), LSTM or GRU layer with default settings.

    Each block has a kernel `input_size × units`, a recurrent kernel `units × units` and a bias of
    `units`; Keras' GRU (`reset_after=True`) keeps a second bias per block for the recurrent part.
    """
    require_cell(cell)
    require_positive_whole_numbers(input_size=input_size, units=units)
    biases = 2 if cell == "gru" else 1
    return BLOCKS[cell] * (units * (input_size + units) + biases * units)


class CharRNNParameters(NamedTuple):
    """The five arrays of a tiny char-RNN: a SimpleRNN `(W_x, W_h, b)` and a softmax read-out `(W_y, b_y)`.

    A gradient has the same five arrays, so `bptt_gradients` returns this type too.
    """

    W_x: np.ndarray  # (vocab_size, units): one-hot input → hidden
    W_h: np.ndarray  # (units, units): previous hidden state → hidden
    b: np.ndarray  # (units,)
    W_y: np.ndarray  # (units, vocab_size): hidden state → logits of the next character
    b_y: np.ndarray  # (vocab_size,)


def init_char_rnn(vocab_size: int, units: int, seed: int = 0) -> CharRNNParameters:
    """Small random weights and zero biases, so the first predictions are close to uniform (loss ≈ ln vocab_size)."""
    require_positive_whole_numbers(vocab_size=vocab_size, units=units)
    rng = np.random.default_rng(seed)
    return CharRNNParameters(
        W_x=rng.normal(scale=0.1, size=(vocab_size, units)),
        W_h=np.linalg.qr(rng.normal(size=(units, units)))[0],  # orthogonal, like Keras' recurrent default
        b=np.zeros(units),
        W_y=rng.normal(scale=0.01, size=(units, vocab_size)),
        b_y=np.zeros(vocab_size),
    )


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities along the last axis; subtracting the largest logit first keeps `exp` from overflowing."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def char_rnn_forward(xs: np.ndarray, h0: np.ndarray, W_x: np.ndarray, W_h: np.ndarray, b: np.ndarray,
                     W_y: np.ndarray, b_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every hidden state `(batch, time, units)` and every next-character distribution `(batch, time, vocab_size)`."""
    hidden = rnn_forward(xs, h0, W_x, W_h, b)  # (batch, time, units)
    return hidden, softmax(hidden @ W_y + b_y)  # (batch, time, vocab_size)


def cross_entropy(probabilities: np.ndarray, targets: np.ndarray) -> float:
    """Mean of −ln p(target) over every position, in nats: Keras' `sparse_categorical_crossentropy`, averaged."""
    # (batch, time): the probability each position gave to the character that really came next
    picked = np.take_along_axis(probabilities, targets[..., None], axis=-1)[..., 0]
    return float(-np.mean(np.log(picked)))


def char_rnn_loss(xs: np.ndarray, targets: np.ndarray, h0: np.ndarray, W_x: np.ndarray, W_h: np.ndarray,
                  b: np.ndarray, W_y: np.ndarray, b_y: np.ndarray) -> float:
    """The mean cross-entropy of predicting `targets` (batch, time) from one-hot inputs `xs` (batch, time, vocab)."""
    _, probabilities = char_rnn_forward(xs, h0, W_x, W_h, b, W_y, b_y)
    return cross_entropy(probabilities, targets)


def bptt_gradients(xs: np.ndarray, targets: np.ndarray, h0: np.ndarray, W_x: np.ndarray, W_h: np.ndarray,
                   b: np.ndarray, W_y: np.ndarray, b_y: np.ndarray) -> CharRNNParameters:
    """The gradient of `char_rnn_loss` for every parameter, by backpropagation through time, step by step backwards.

    h_t feeds two things: the prediction at step t and h_{t+1}. So its gradient dh_t is the read-out's share
    plus `dh_next`, what step t+1 sent back; tanh's derivative 1 − h_t² turns it into the gradient of the
    pre-activation, which the shared weights collect at every step and which goes on to h_{t-1} through W_h.
    """
    hidden, probabilities = char_rnn_forward(xs, h0, W_x, W_h, b, W_y, b_y)
    batch, time = targets.shape
    # The loss is a mean over batch × time, and softmax + cross-entropy differentiate to p − one_hot(target).
    dlogits = (probabilities - np.eye(W_y.shape[1])[targets]) / (batch * time)  # (batch, time, vocab_size)
    dW_y = np.einsum("btu,btv->uv", hidden, dlogits)  # summed over batch and time: W_y serves every step
    db_y = dlogits.sum(axis=(0, 1))
    dW_x, dW_h, db = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(b)
    dh_next = np.zeros_like(h0)  # (batch, units): nothing comes back from beyond the last step
    for t in reversed(range(time)):
        h_prev = hidden[:, t - 1] if t > 0 else h0  # (batch, units)
        dh = dlogits[:, t] @ W_y.T + dh_next  # (batch, units): the read-out's share + what step t+1 sent back
        dz = dh * (1.0 - hidden[:, t] ** 2)  # through tanh: d tanh(z)/dz = 1 − tanh(z)² = 1 − h_t²
        dW_x += xs[:, t].T @ dz  # every step adds its share to the shared weights
        dW_h += h_prev.T @ dz
        db += dz.sum(axis=0)
        dh_next = dz @ W_h.T  # what h_{t-1} receives from step t
    return CharRNNParameters(dW_x, dW_h, db, dW_y, db_y)


def tape_gradients(xs: np.ndarray, targets: np.ndarray, h0: np.ndarray, W_x: np.ndarray, W_h: np.ndarray,
                   b: np.ndarray, W_y: np.ndarray, b_y: np.ndarray) -> CharRNNParameters:
    """The same gradients by automatic differentiation: Keras' SimpleRNN and Dense hold the weights, tf.GradientTape
    differentiates Keras' cross-entropy. In float64, so a comparison with `bptt_gradients` shows only rounding."""
    xs, h0 = np.asarray(xs, np.float64), np.asarray(h0, np.float64)
    rnn = keras.layers.SimpleRNN(W_h.shape[0], return_sequences=True, dtype="float64")
    readout = keras.layers.Dense(W_y.shape[1], dtype="float64")
    rnn.build(xs.shape)
    readout.build((None, None, W_y.shape[0]))
    rnn.set_weights([np.asarray(weight, np.float64) for weight in (W_x, W_h, b)])
    readout.set_weights([np.asarray(weight, np.float64) for weight in (W_y, b_y)])
    variables = [*rnn.trainable_weights, *readout.trainable_weights]  # kernel, recurrent_kernel, bias, kernel, bias
    with tf.GradientTape() as tape:
        logits = readout(rnn(xs, initial_state=[h0]))  # (batch, time, vocab_size)
        loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True))
    return CharRNNParameters(*(gradient.numpy() for gradient in tape.gradient(loss, variables)))


def sample_char_rnn(parameters: CharRNNParameters, prime_ids: Sequence[int], length: int,
                    rng: np.random.Generator) -> np.ndarray:
    """`length` ids drawn one at a time after reading `prime_ids`, each from the model's next-character softmax."""
    require_positive_whole_numbers(length=length)
    if len(prime_ids) == 0:
        raise ConfigError("prime_ids is empty; give the model at least one character to start from.",
                          "prime_ids 为空；请至少给模型一个起始字符。")
    W_x, W_h, b, W_y, b_y = parameters
    outside = [int(char_id) for char_id in prime_ids if not 0 <= char_id < W_x.shape[0]]
    if outside:
        raise VocabularyError(
            f"prime_ids {outside} are outside this model's vocabulary (0..{W_x.shape[0] - 1}); "
            "encode the prime with the converter the model was trained with.",
            f"prime_ids 中的 {outside} 超出该模型的词表范围（0..{W_x.shape[0] - 1}）；"
            "请用训练时的转换器编码起始字符串。",
        )
    one_hot = np.eye(W_x.shape[0])  # (vocab_size, vocab_size): row i is the one-hot vector of id i
    hidden = np.zeros(W_h.shape[0])  # (units,)
    for char_id in prime_ids[:-1]:  # warm up on the prime; its last character starts the generation
        hidden = rnn_step(one_hot[char_id], hidden, W_x, W_h, b)
    drawn, char_id = [], prime_ids[-1]
    for _ in range(length):
        hidden = rnn_step(one_hot[char_id], hidden, W_x, W_h, b)
        char_id = int(rng.choice(len(b_y), p=softmax(hidden @ W_y + b_y)))
        drawn.append(char_id)
    return np.array(drawn)
