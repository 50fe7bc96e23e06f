"""Checks for lesson 5 (vanishing and exploding gradients), against the reference in `charrnn_lib.lessons.gradients`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from charrnn_lib.checks.core import Case, CheckResult, Hint, run_check, values_equal
from charrnn_lib.lessons.gradients import clip_by_global_norm, global_norm

Tensors = list[np.ndarray]


def _example_gradients() -> tuple[Tensors, Tensors, Tensors]:
    """Small gradient lists: two tensors of norms 5 and 12 (global 13), one shaped like a SimpleRNN's, all zeros."""
    norms_5_and_12 = [np.array([[3.0, 0.0], [0.0, 4.0]], np.float32), np.array([8.0, 8.0, 4.0], np.float32)]
    rng = np.random.default_rng(5)
    # kernel (features, units), recurrent kernel (units, units), bias (units,) of a SimpleRNN(4) on 3 features
    simple_rnn = [rng.normal(scale=4.0, size=shape).astype(np.float32) for shape in ((3, 4), (4, 4), (4,))]
    zeros = [np.zeros((2, 2), np.float32), np.zeros(3, np.float32)]
    return norms_5_and_12, simple_rnn, zeros


def check_global_norm(learner_global_norm: Callable[[Sequence[Any]], float]) -> CheckResult:
    """`global_norm(tensors)`: √(sum of the squares of every entry of every tensor), one number."""
    norms_5_and_12, simple_rnn, _ = _example_gradients()
    examples = ([np.array([3.0, 4.0], np.float32)], norms_5_and_12, simple_rnn)
    cases = [Case(learner_global_norm, (tensors,), global_norm(tensors)) for tensors in examples]
    return run_check("global_norm", cases, compare=_same_number, hint=_global_norm_hint)


def _same_number(expected: float, got: Any) -> bool:
    """A scalar within 1e-5 of `expected`; NumPy and TensorFlow scalars count."""
    got = np.asarray(got)
    return got.shape == () and np.issubdtype(got.dtype, np.number) and bool(np.isclose(got, expected, rtol=1e-5))


def _global_norm_hint(case: Case, got: Any) -> Hint | None:
    (tensors,) = case.args
    if np.asarray(got).shape != ():
        return Hint("Return one number for all tensors together, not one per tensor.",
                    "请对所有张量一起返回一个数，而不是每个张量一个数。")
    per_tensor = [float(np.linalg.norm(tensor)) for tensor in tensors]
    if _same_number(sum(per_tensor), got):
        return Hint("You added the tensors' norms; square every entry, add them all up, then take one square root.",
                    "你把各张量的范数相加了；应先把所有元素平方后全部相加，最后只开一次平方根。")
    if _same_number(case.expected ** 2, got):
        return Hint("That is the sum of squares: take its square root.", "这是平方和：还要开平方根。")
    if _same_number(per_tensor[0], got) or _same_number(max(per_tensor), got):
        return Hint("Include every tensor in the list, not only one.", "要把列表中的每个张量都算进去，而不只是一个。")
    return None


def check_clip_by_global_norm(learner_clip: Callable[[Sequence[Any], float], Sequence[Any]]) -> CheckResult:
    """`clip_by_global_norm(tensors, clip_norm)`: the list scaled by clip_norm / max(global norm, clip_norm).

    The expected values are those of `tf.clip_by_global_norm(tensors, clip_norm)[0]` (the tests prove it).
    """
    norms_5_and_12, simple_rnn, zeros = _example_gradients()
    # Above the threshold (factor 0.5), below it (unchanged), a realistic set, and no gradient at all.
    examples = ((norms_5_and_12, 6.5), (norms_5_and_12, 20.0), (simple_rnn, 5.0), (zeros, 1.0))
    cases = [Case(learner_clip, (tensors, clip_norm), clip_by_global_norm(tensors, clip_norm))
             for tensors, clip_norm in examples]
    return run_check("clip_by_global_norm", cases, compare=_same_tensors, hint=_clip_hint)


def _same_tensors(expected: Tensors, got: Any) -> bool:
    return isinstance(got, (list, tuple)) and values_equal(expected, [np.asarray(tensor) for tensor in got])


def _clip_hint(case: Case, got: Any) -> Hint | None:
    tensors, clip_norm = case.args
    if isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], (list, tuple)):
        return Hint("Return only the list of clipped tensors (tf.clip_by_global_norm also returns the norm).",
                    "只返回裁剪后的张量列表（tf.clip_by_global_norm 还会额外返回范数）。")
    if not isinstance(got, (list, tuple)) or len(got) != len(tensors):
        return Hint("Return a list with one clipped tensor per input tensor, in the same order.",
                    "请返回一个列表：每个输入张量对应一个裁剪后的张量，顺序不变。")
    norm = global_norm(tensors)
    mistakes = (
        ([tensor * min(1.0, clip_norm / max(float(np.linalg.norm(tensor)), 1e-30)) for tensor in tensors],
         Hint("You clipped each tensor by its own norm (like tf.clip_by_norm); use one factor for all tensors, "
              "computed from their global norm, so the update keeps its direction.",
              "你按各张量自己的范数分别裁剪了（类似 tf.clip_by_norm）；应由全局范数算出同一个系数，"
              "用于所有张量，这样更新的方向不变。")),
        ([tensor * (clip_norm / norm) for tensor in tensors] if norm > 0 else None,
         Hint("When the global norm is already at most clip_norm, return the tensors unchanged: "
              "the factor is min(1, clip_norm / norm).",
              "全局范数不超过 clip_norm 时应原样返回：系数是 min(1, clip_norm / 范数)。")),
        ([tensor * min(1.0, clip_norm / max(sum(float(np.linalg.norm(t)) for t in tensors), 1e-30))
          for tensor in tensors],
         Hint("The global norm is √(Σ g²) over all entries, not the sum of the tensors' norms.",
              "全局范数是所有元素平方和的平方根，而不是各张量范数之和。")),
        ([np.clip(tensor, -clip_norm, clip_norm) for tensor in tensors],
         Hint("That clips each entry (clipping by value); scale whole tensors by one factor instead.",
              "这是逐元素裁剪（按值裁剪）；应把整个张量乘以同一个系数。")),
    )
    for wrong, hint in mistakes:
        if wrong is not None and _same_tensors(wrong, got):
            return hint
    return None
