"""charrnn_lib.checks.rnn: the references pass, stubs are not attempted, and the usual slips fail with their hint."""

from __future__ import annotations

import numpy as np
import pytest
from check_helpers import failure_line, only_line, stub

from charrnn_lib import checks
from charrnn_lib.checks import Status
from charrnn_lib.lessons.scratch_rnn import (
    bptt_gradients,
    gru_step,
    lstm_step,
    rnn_forward,
    rnn_parameter_count,
    rnn_step,
    sigmoid,
    tape_gradients,
)


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


def learner_gru_step(x_t, h_prev, kernel, recurrent_kernel, bias, *, swap_update=False, reset_before=False,
                     squash=np.tanh, one_bias=False, order=(0, 1, 2)):
    """A learner's GRU step, written independently of the library's, with one of the usual slips on request."""
    units = h_prev.shape[-1]
    blocks = [slice(position * units, (position + 1) * units) for position in order]  # z, r, candidate
    x_part = x_t @ kernel + bias[0]
    h_part = h_prev @ recurrent_kernel + (0 if one_bias else bias[1])
    z = 1 / (1 + np.exp(-(x_part[..., blocks[0]] + h_part[..., blocks[0]])))
    r = 1 / (1 + np.exp(-(x_part[..., blocks[1]] + h_part[..., blocks[1]])))
    if reset_before:
        recurrent = (r * h_prev) @ recurrent_kernel[:, blocks[2]] + bias[1][blocks[2]]
    else:
        recurrent = r * h_part[..., blocks[2]]
    candidate = squash(x_part[..., blocks[2]] + recurrent)
    return (1 - z) * h_prev + z * candidate if swap_update else z * h_prev + (1 - z) * candidate


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
    (checks.check_gru_step, gru_step),
    (checks.check_gru_step, learner_gru_step),
])
def test_reference_solutions_pass_with_one_line(check, function, capsys):
    result = check(function)
    line = only_line(capsys)
    assert result.status is Status.PASS and line == result.message
    assert line.startswith("✓ ") and "通过" in line


@pytest.mark.parametrize("check", [checks.check_rnn_step, checks.check_rnn_forward, checks.check_lstm_step,
                                   checks.check_parameter_count, checks.check_gru_step])
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
    (lambda x_t, h_prev, W_x, W_h, b: np.tanh(x_t @ W_x + h_prev @ W_h.T + b), "W_h is used transposed"),
    (lambda x_t, h_prev, W_x, W_h, b: np.tanh(x_t @ W_x.T + h_prev @ W_h + b), "W_x is used transposed"),
    (lambda x_t, h_prev, W_x, W_h, b: np.tanh(x_t @ W_x.T + h_prev @ W_h.T + b), "not W_x @ x_t"),
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


def learner_bptt(carry=True, derivative=lambda h: 1 - h ** 2, pair_with_previous=True, accumulate="+=",
                 transpose_recurrent=True):
    """A learner's backpropagation through time, written independently of the library, with one optional slip."""
    def bptt_gradients(xs, targets, h0, W_x, W_h, b, W_y, b_y):
        hidden, states = h0, []
        for t in range(xs.shape[1]):
            hidden = np.tanh(xs[:, t] @ W_x + hidden @ W_h + b)
            states.append(hidden)
        logits = np.stack(states, axis=1) @ W_y + b_y
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        dlogits = probabilities.copy()
        for row, column in np.ndindex(targets.shape):
            dlogits[row, column, targets[row, column]] -= 1
        dlogits /= targets.size
        dW_y = sum(states[t].T @ dlogits[:, t] for t in range(len(states)))
        db_y = dlogits.sum(axis=(0, 1))
        dW_x, dW_h, db = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(b)
        dh_next = np.zeros_like(h0)
        for t in range(len(states) - 1, -1, -1):
            dh = dlogits[:, t] @ W_y.T + (dh_next if carry else 0)
            dz = dh * derivative(states[t])
            paired = (states[t - 1] if t else h0) if pair_with_previous else states[t]
            if accumulate == "+=":
                dW_h = dW_h + paired.T @ dz
            elif accumulate == "=":  # the loop runs backwards, so the first step's share is what stays
                dW_h = paired.T @ dz
            elif t == len(states) - 1:  # "last step only"
                dW_h = paired.T @ dz
            dW_x, db = dW_x + xs[:, t].T @ dz, db + dz.sum(axis=0)
            dh_next = dz @ (W_h.T if transpose_recurrent else W_h)
        return dW_x, dW_h, db, dW_y, db_y
    return bptt_gradients


@pytest.mark.parametrize("function", [bptt_gradients, learner_bptt(), lambda *args: list(learner_bptt()(*args)),
                                      lambda *args: tuple(g.astype("float32") for g in bptt_gradients(*args))])
def test_bptt_reference_and_a_learners_loop_pass_with_one_line(function, capsys):
    result = checks.check_bptt(function)
    line = only_line(capsys)
    assert result.status is Status.PASS and line.startswith("✓ bptt_gradients") and "3 " in line


def test_bptt_stub_is_not_attempted(capsys):
    result = checks.check_bptt(stub)
    assert result.status is Status.NOT_ATTEMPTED and "尚未作答" in only_line(capsys)


def test_bptt_checks_the_last_case_against_tf_gradient_tape(capsys):
    shape = checks.rnn.BPTT_SHAPES[-1]
    args = checks.rnn._char_rnn_problem(np.random.default_rng(40 + len(checks.rnn.BPTT_SHAPES) - 1), *shape)
    calls = []

    def answer_tape_only_on_the_last_case(*given):
        calls.append(given)
        return (tape_gradients if len(calls) == len(checks.rnn.BPTT_SHAPES) else bptt_gradients)(*given)

    assert checks.check_bptt(answer_tape_only_on_the_last_case).passed
    capsys.readouterr()
    assert all(np.array_equal(given, expected) for given, expected in zip(calls[-1], args, strict=True))


@pytest.mark.parametrize(("function", "first_wrong", "hint"), [
    (learner_bptt(carry=False), "dW_x", "Carry the gradient back in time"),
    (learner_bptt(derivative=lambda h: h), "dW_x", "derivative of tanh is not tanh"),
    (learner_bptt(derivative=lambda h: 1 - np.tanh(h) ** 2), "dW_x", "not 1 − tanh(h_t)²"),
    (learner_bptt(derivative=lambda h: 1.0), "dW_x", "multiply dh by its derivative 1 − h_t²"),
    (learner_bptt(accumulate="last"), "dW_h", "add up (+=) every step's share of dW_h"),
    (learner_bptt(accumulate="="), "dW_h", "add up (+=) every step's share of dW_h"),
    (learner_bptt(pair_with_previous=False), "dW_h", "with h_{t-1}"),
    (learner_bptt(transpose_recurrent=False), "dW_x", "dz @ W_h.T"),
])
def test_bptt_slips_fail_and_name_the_first_wrong_gradient_and_the_fix(function, first_wrong, hint, capsys):
    line = failure_line(checks.check_bptt(function), capsys)
    assert line.startswith("✗ bptt_gradients") and f"{first_wrong} is the first gradient that differs" in line
    assert hint in line and f"第一个出错的梯度是 {first_wrong}" in line


@pytest.mark.parametrize(("function", "hint"), [
    (lambda *args: bptt_gradients(*args)[:3], "Return five gradients"),
    (lambda *args: {"dW_x": bptt_gradients(*args).W_x}, "Return five gradients"),
    (lambda *args: (bptt_gradients(*args).W_x.T, *bptt_gradients(*args)[1:]), "dW_x must have the shape of W_x"),
    (lambda *args: (*bptt_gradients(*args)[:3], 2 * bptt_gradients(*args).W_y, bptt_gradients(*args).b_y),
     "keep them as they are"),
])
def test_bptt_answers_of_the_wrong_form_fail_with_their_hint(function, hint, capsys):
    assert hint in failure_line(checks.check_bptt(function), capsys)


def test_an_unknown_bptt_slip_still_names_the_wrong_gradient(capsys):
    def db_doubled(*args):
        dW_x, dW_h, db, dW_y, db_y = bptt_gradients(*args)
        return dW_x, dW_h, 2 * db, dW_y, db_y

    line = failure_line(checks.check_bptt(db_doubled), capsys)
    assert line.endswith("db is the first gradient that differs. · 第一个出错的梯度是 db。")


@pytest.mark.parametrize(("slip", "hint"), [
    ({"swap_update": True}, "z and 1 − z are swapped"),
    ({"reset_before": True}, "reset gate comes after the matrix product"),
    ({"squash": lambda z: z}, "The tanh is missing"),
    ({"squash": sigmoid}, "uses tanh, not sigmoid"),
    ({"one_bias": True}, "two bias rows"),
    ({"order": (1, 0, 2)}, "update, reset, candidate"),
])
def test_gru_step_slips_fail_with_their_hint(slip, hint, capsys):
    result = checks.check_gru_step(lambda *args: learner_gru_step(*args, **slip))
    line = failure_line(result, capsys)
    assert line.startswith("✗ gru_step") and hint in line and "·" in line


def test_gru_step_returning_a_pair_fails_with_the_shape_hint(capsys):
    result = checks.check_gru_step(lambda *args: (gru_step(*args), gru_step(*args)))
    assert "a GRU has no cell state" in failure_line(result, capsys)


def test_the_reference_gru_step_is_what_keras_computes():
    case = checks.rnn._keras_gru_case(gru_step)
    h_prev, bias = case.args[1], case.args[-1]
    assert bias.shape == (2, 3 * h_prev.shape[-1]) and np.abs(bias).max() > 0.1  # two real bias rows
    np.testing.assert_allclose(gru_step(*case.args), case.expected, atol=1e-5)
