"""charrnn_lib.checks.rnn: the references pass, stubs are not attempted, and the usual slips fail with their hint."""

from __future__ import annotations

import numpy as np
import pytest
from check_helpers import only_line, stub

from charrnn_lib import checks
from charrnn_lib.checks import Status
from charrnn_lib.lessons.scratch_rnn import lstm_step, rnn_forward, rnn_parameter_count, rnn_step, sigmoid


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    """Learner mode: a failed check prints its line instead of raising."""
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


def learner_rnn_forward(xs, h0, W_x, W_h, b):
    """A learner's loop, written independently of the library's."""
    hidden, states = h0, []
    for t in range(xs.shape[1]):
        hidden = np.tanh(xs[:, t] @ W_x + hidden @ W_h + b)
        states.append(hidden)
    return np.stack(states, axis=1)


def forward_from(step):
    """rnn_forward built on a given (possibly wrong) step function."""
    def forward(xs, h0, W_x, W_h, b):
        hidden, states = h0, []
        for t in range(xs.shape[1]):
            hidden = step(xs[:, t], hidden, W_x, W_h, b)
            states.append(hidden)
        return np.stack(states, axis=1)
    return forward


def lstm_step_with(order=(0, 1, 2, 3), forget_offset=0.0, candidate=np.tanh, squash_cell=True):
    """An LSTM step with one of the slips a learner can make."""
    def step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        blocks = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=-1)
        input_z, forget_z, candidate_z, output_z = (blocks[position] for position in order)
        cell = sigmoid(forget_z + forget_offset) * c_prev + sigmoid(input_z) * candidate(candidate_z)
        return sigmoid(output_z) * (np.tanh(cell) if squash_cell else cell), cell
    return step


def gru_with_one_bias(cell, input_size, units):
    blocks = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    return blocks * (units * (input_size + units) + units)


@pytest.mark.parametrize(("check", "function"), [
    (checks.check_rnn_step, rnn_step),
    (checks.check_rnn_step, lambda x_t, h_prev, W_x, W_h, b: np.tanh(x_t @ W_x + h_prev @ W_h + b).astype("float32")),
    (checks.check_rnn_forward, rnn_forward),
    (checks.check_rnn_forward, learner_rnn_forward),
    (checks.check_lstm_step, lstm_step),
    (checks.check_lstm_step, lambda *args: list(lstm_step(*args))),
    (checks.check_parameter_count, rnn_parameter_count),
])
def test_reference_solutions_pass_with_one_line(check, function, capsys):
    result = check(function)
    line = only_line(capsys)
    assert result.status is Status.PASS and line == result.message
    assert line.startswith("✓ ") and "通过" in line


@pytest.mark.parametrize("check", [checks.check_rnn_step, checks.check_rnn_forward, checks.check_lstm_step,
                                   checks.check_parameter_count])
def test_stubs_are_not_attempted_yet(check, capsys):
    result = check(stub)
    line = only_line(capsys)
    assert result.status is Status.NOT_ATTEMPTED and line.startswith("… ") and "尚未作答" in line


@pytest.mark.parametrize(("function", "hint"), [
    (lambda x_t, h_prev, W_x, W_h, b: np.tanh(x_t @ W_h + h_prev @ W_x + b), "swapped"),
    (lambda x_t, h_prev, W_x, W_h, b: np.tanh(W_x @ x_t + W_h @ h_prev + b), "not W_x @ x_t"),
    (lambda x_t, h_prev, W_x, W_h, b: np.tanh(x_t @ W_x + h_prev @ W_h), "bias b is missing"),
    (lambda x_t, h_prev, W_x, W_h, b: x_t @ W_x + h_prev @ W_h + b, "tanh is missing"),
    (lambda x_t, h_prev, W_x, W_h, b: np.tanh(x_t @ W_x + b), "previous hidden state is ignored"),
])
def test_rnn_step_slips_fail_with_their_hint(function, hint, capsys):
    result = checks.check_rnn_step(function)
    line = only_line(capsys)
    assert result.status is Status.FAIL and line.startswith("✗ rnn_step") and hint in line


@pytest.mark.parametrize(("function", "hint"), [
    (lambda xs, h0, W_x, W_h, b: rnn_forward(xs, h0, W_x, W_h, b)[:, -1], "not only the last one"),
    (lambda xs, h0, W_x, W_h, b: rnn_forward(xs, h0, W_x, W_h, b).transpose(1, 0, 2), "along axis 1"),
    (lambda xs, h0, W_x, W_h, b: np.concatenate([h0[:, None], rnn_forward(xs, h0, W_x, W_h, b)], axis=1),
     "Leave out h0"),
    (lambda xs, h0, W_x, W_h, b: np.stack([rnn_step(xs[:, t], h0, W_x, W_h, b) for t in range(xs.shape[1])], 1),
     "Carry the state"),
    (lambda xs, h0, W_x, W_h, b: rnn_forward(xs, np.zeros_like(h0), W_x, W_h, b), "not from zeros"),
    (forward_from(lambda x_t, h_prev, W_x, W_h, b: np.tanh(x_t @ W_x + h_prev @ W_h)), None),
])
def test_rnn_forward_slips_fail_with_their_hint(function, hint, capsys):
    result = checks.check_rnn_forward(function)
    line = only_line(capsys)
    assert result.status is Status.FAIL and line.startswith("✗ rnn_forward")
    assert hint is None or hint in line


def test_the_last_rnn_forward_case_is_keras_simple_rnn_itself():
    case = checks.rnn._keras_simple_rnn_case(rnn_forward)
    assert case.expected.shape == (3, 5, 6) and np.abs(case.args[-1]).max() > 0.1  # a real, non-zero bias
    np.testing.assert_allclose(rnn_forward(*case.args), case.expected, atol=1e-5)


@pytest.mark.parametrize(("function", "hint"), [
    (lambda *args: lstm_step(*args)[::-1], "The order is (h_t, c_t)"),
    (lstm_step_with(order=(0, 2, 1, 3)), "input, forget, candidate, output"),  # TF1's i, j, f, o
    (lstm_step_with(order=(1, 0, 2, 3)), "input, forget, candidate, output"),
    (lstm_step_with(forget_offset=1.0), "Don't add 1 to the forget gate"),
    (lstm_step_with(candidate=sigmoid), "candidate c̃_t uses tanh"),
    (lstm_step_with(squash_cell=False), "squash the cell state with tanh"),
    (lambda *args: lstm_step(*args)[0], "Return two arrays"),
])
def test_lstm_step_slips_fail_with_their_hint(function, hint, capsys):
    result = checks.check_lstm_step(function)
    line = only_line(capsys)
    assert result.status is Status.FAIL and line.startswith("✗ lstm_step") and hint in line


@pytest.mark.parametrize(("function", "shown", "hint"), [
    (gru_with_one_bias, "('gru', 8, 32)", "two bias vectors"),
    (lambda cell, input_size, units: units * (input_size + units) + units if cell != "gru"
     else rnn_parameter_count(cell, input_size, units), "('lstm', 8, 32)", "multiply by 4"),
    (lambda cell, input_size, units: rnn_parameter_count(cell, input_size, units) - units, "('rnn', 8, 32)",
     None),
    (lambda cell, input_size, units: {"rnn": 1, "lstm": 4, "gru": 3}[cell] * units * (input_size + units),
     "('rnn', 8, 32)", "biases are missing"),
    (lambda cell, input_size, units: units * input_size + units, "('rnn', 8, 32)", "recurrent kernel"),
])
def test_parameter_count_slips_fail_with_their_hint(function, shown, hint, capsys):
    result = checks.check_parameter_count(function)
    line = only_line(capsys)
    assert result.status is Status.FAIL and line.startswith("✗ parameter_count") and shown in line
    assert hint is None or hint in line


def test_a_step_of_the_wrong_shape_fails_with_the_expected_shape(capsys):
    result = checks.check_rnn_step(lambda x_t, h_prev, W_x, W_h, b: rnn_step(x_t, h_prev, W_x, W_h, b).sum(axis=-1))
    line = only_line(capsys)
    assert result.status is Status.FAIL and "shape (3,)" in line
