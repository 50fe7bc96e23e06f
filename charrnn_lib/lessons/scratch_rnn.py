"""Recurrent cells in plain NumPy, laid out like Keras, so a lesson can open one up and compare it with Keras.

Keras multiplies row vectors by weights on the right: a SimpleRNN computes
`h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)` with `kernel` of shape
`(input_dim, units)`, `recurrent_kernel` `(units, units)` and `bias` `(units,)`. An LSTM stacks its
four gates side by side in those matrices, in the order input, forget, candidate, output.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from charrnn_lib.config import require_cell, require_positive_whole_numbers
from charrnn_lib.errors import ConfigError


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
