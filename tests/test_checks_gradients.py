"""charrnn_lib.checks.gradients: lesson 5's checks pass the reference (and TensorFlow's) and catch the usual slips."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from check_helpers import only_line, stub

from charrnn_lib import checks
from charrnn_lib.checks import CheckFailure, Status


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    """Learner mode unless a test turns strict mode on."""
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


# --- learner answers: the reference written the way a student would, then plausible mistakes ---------------------

def global_norm(tensors):
    return float(np.sqrt(sum(np.sum(np.square(tensor)) for tensor in tensors)))


def clip_by_global_norm(tensors, clip_norm):
    scale = clip_norm / max(global_norm(tensors), clip_norm)
    return [tensor * scale for tensor in tensors]


def tensorflow_global_norm(tensors):
    return tf.linalg.global_norm([tf.constant(tensor) for tensor in tensors])


def tensorflow_clip_by_global_norm(tensors, clip_norm):
    return tf.clip_by_global_norm([tf.constant(tensor) for tensor in tensors], clip_norm)[0]


def sum_of_norms(tensors):
    return float(sum(np.linalg.norm(tensor) for tensor in tensors))


def sum_of_squares(tensors):
    return global_norm(tensors) ** 2


def norm_per_tensor(tensors):
    return [float(np.linalg.norm(tensor)) for tensor in tensors]


def clip_each_tensor(tensors, clip_norm):
    """tf.clip_by_norm on each tensor: every tensor gets its own factor."""
    return [tensor * min(1.0, clip_norm / max(float(np.linalg.norm(tensor)), 1e-30)) for tensor in tensors]


def always_scale(tensors, clip_norm):
    """Rescales to exactly clip_norm, growing small gradients too."""
    norm = global_norm(tensors)
    return [tensor * (clip_norm / norm if norm else 1.0) for tensor in tensors]


def clip_with_sum_of_norms(tensors, clip_norm):
    scale = min(1.0, clip_norm / max(sum_of_norms(tensors), 1e-30))
    return [tensor * scale for tensor in tensors]


def clip_by_value(tensors, clip_norm):
    return [np.clip(tensor, -clip_norm, clip_norm) for tensor in tensors]


def clip_returning_the_norm_too(tensors, clip_norm):
    return clip_by_global_norm(tensors, clip_norm), global_norm(tensors)


def naive_clip(tensors, clip_norm):
    """min(1, clip_norm / norm) with a Python float: divides by zero when there is no gradient at all."""
    return [tensor * min(1.0, clip_norm / global_norm(tensors)) for tensor in tensors]


# --- tests -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("check", "function"), [
    (checks.check_global_norm, global_norm),
    (checks.check_global_norm, tensorflow_global_norm),
    (checks.check_clip_by_global_norm, clip_by_global_norm),
    (checks.check_clip_by_global_norm, tensorflow_clip_by_global_norm),
])
def test_the_reference_and_tensorflow_pass_with_one_line(check, function, capsys):
    result = check(function)
    line = only_line(capsys)
    assert result.status is Status.PASS and line == result.message
    assert line.startswith("✓ ") and "通过" in line


@pytest.mark.parametrize("check", [checks.check_global_norm, checks.check_clip_by_global_norm])
def test_stubs_are_not_attempted_yet(check, capsys):
    result = check(stub)
    assert result.status is Status.NOT_ATTEMPTED and "尚未作答" in only_line(capsys)


@pytest.mark.parametrize(("function", "hint"), [
    (sum_of_norms, "added the tensors' norms"),
    (sum_of_squares, "square root"),
    (norm_per_tensor, "one number"),
    (lambda tensors: float(np.linalg.norm(tensors[-1])), "every tensor"),
])
def test_wrong_global_norms_fail_with_a_hint(function, hint, capsys):
    result = checks.check_global_norm(function)
    line = only_line(capsys)
    assert result.status is Status.FAIL and line.startswith("✗ global_norm") and hint in line


@pytest.mark.parametrize(("function", "hint"), [
    (clip_each_tensor, "its own norm"),
    (always_scale, "unchanged"),
    (clip_with_sum_of_norms, "not the sum of the tensors' norms"),
    (clip_by_value, "clipping by value"),
    (clip_returning_the_norm_too, "only the list"),
    (lambda tensors, clip_norm: clip_by_global_norm(tensors, clip_norm)[:1], "one clipped tensor per input"),
])
def test_wrong_clipping_fails_with_a_hint(function, hint, capsys):
    result = checks.check_clip_by_global_norm(function)
    line = only_line(capsys)
    assert result.status is Status.FAIL and line.startswith("✗ clip_by_global_norm") and hint in line


def test_all_zero_gradients_must_come_back_unchanged(capsys):
    result = checks.check_clip_by_global_norm(naive_clip)
    line = only_line(capsys)
    assert result.status is Status.ERROR and "ZeroDivisionError" in line and "divided by zero" in line


def test_strict_mode_raises_on_a_wrong_clip(monkeypatch, capsys):
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    with pytest.raises(CheckFailure, match="clip_by_global_norm"):
        checks.check_clip_by_global_norm(clip_each_tensor)
    assert checks.check_clip_by_global_norm(clip_by_global_norm).passed
