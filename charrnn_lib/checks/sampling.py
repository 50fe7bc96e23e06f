"""Checks for lesson 6's sampling exercises, against `charrnn_lib.sample.pick_top_n` and `apply_temperature`."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from charrnn_lib.checks.core import Case, CheckResult, Hint, run_check, values_equal
from charrnn_lib.sample import apply_temperature, pick_top_n

DRAWS = 3000  # draws per case: a share then strays from its probability by about 0.01 (one standard deviation)
SHARE_TOLERANCE = 0.05
REPEATED_DRAWS = 20  # draws compared between two generators in the same state
NOT_NORMALISED = "probabilities that do not sum to 1"
NOT_REPRODUCIBLE = "different draws from two equal rng"
# (vocabulary size, top_n, seed): a typical cut, greedy, a wider cut, and no cut at all.
TOP_N_CASES = ((8, 3, 0), (6, 1, 1), (10, 5, 2), (5, 5, 3))
# (logits, temperature): sharpen, flatten, a batch of two rows, and logits too large for a plain exp.
TEMPERATURE_CASES = (
    (np.array([2.0, 1.0, 0.5, -1.0, 0.0]), 0.5),
    (np.array([2.0, 1.0, 0.5, -1.0, 0.0]), 2.0),
    (np.array([[1.5, -0.5, 0.0, 3.0], [0.2, 0.1, -2.0, 1.0]]), 0.7),
    (np.array([1000.0, 998.0, 990.0, 1001.0]), 0.5),
)


def check_pick_top_n(learner_pick_top_n: Callable[..., Any]) -> CheckResult:
    """`pick_top_n(probabilities, top_n, rng)`: which ids are drawn, and how often, match the library's."""
    drawing = _drawing(learner_pick_top_n)
    cases = []
    for (vocab_size, top_n, seed), expected in zip(TOP_N_CASES, _reference_shares(), strict=True):
        cases.append(Case(drawing, (_distinct_probabilities(vocab_size, seed), top_n, np.random.default_rng(seed)),
                          expected))
    return run_check("pick_top_n", cases, compare=_shares_close, hint=_pick_top_n_hint)


@functools.cache
def _reference_shares() -> tuple[dict[int, float], ...]:
    """The library's shares for every case, drawn with the same generators the learner gets (computed once)."""
    return tuple(draw_shares(pick_top_n, _distinct_probabilities(vocab_size, seed), top_n, np.random.default_rng(seed))
                 for vocab_size, top_n, seed in TOP_N_CASES)


def _distinct_probabilities(vocab_size: int, seed: int) -> np.ndarray:
    """A probability vector without ties, so the top n ids are well defined."""
    weights = np.random.default_rng(100 + seed).permutation(np.arange(1, vocab_size + 1) ** 1.5)
    return weights / weights.sum()


def draw_shares(function: Callable[..., Any], probabilities: np.ndarray, top_n: int,
                rng: np.random.Generator) -> dict[int, float] | str:
    """`{id: share of the DRAWS draws}` from `function(probabilities, top_n, rng)`, or what made it impossible."""
    first = function(probabilities, top_n, copy.deepcopy(rng))
    if np.ndim(first) != 0 or not float(first).is_integer():
        return f"a {type(first).__name__} instead of one id"
    twin = copy.deepcopy(rng)
    draws = [int(function(probabilities, top_n, rng)) for _ in range(DRAWS)]
    if draws[:REPEATED_DRAWS] != [int(function(probabilities, top_n, twin)) for _ in range(REPEATED_DRAWS)]:
        return NOT_REPRODUCIBLE
    ids, counts = np.unique(draws, return_counts=True)
    return {int(id_): round(float(count) / DRAWS, 3) for id_, count in zip(ids, counts, strict=True)}


def _drawing(learner_pick_top_n: Callable[..., Any]) -> Callable[..., Any]:
    """The learner's function as a case: the shares of its draws (a sum error names the slip instead)."""
    def shares(probabilities, top_n, rng):
        try:
            return draw_shares(learner_pick_top_n, probabilities, top_n, rng)
        except ValueError as error:
            if "sum to 1" in str(error):
                return NOT_NORMALISED
            raise

    shares.__name__ = getattr(learner_pick_top_n, "__name__", "pick_top_n")
    return shares


def _shares_close(expected: dict[int, float], got: Any) -> bool:
    """The same ids drawn, each share within SHARE_TOLERANCE of the library's."""
    return isinstance(got, dict) and set(got) == set(expected) \
        and all(abs(got[id_] - share) <= SHARE_TOLERANCE for id_, share in expected.items())


def _pick_top_n_hint(case: Case, got: Any) -> Hint | None:
    probabilities, top_n, _ = case.args
    ranked = list(np.argsort(probabilities)[::-1])  # ids from the most to the least probable
    if got == NOT_NORMALISED:
        return Hint("Renormalise: divide the kept probabilities by their sum before drawing.",
                    "要重新归一化：抽取之前，把保留下来的概率除以它们的和。")
    if got == NOT_REPRODUCIBLE:
        return Hint("Draw with the rng argument (rng.choice), not np.random, so a seed makes samples repeatable.",
                    "请用参数 rng 抽取（rng.choice），而不是 np.random，这样固定种子才能复现样本。")
    if not isinstance(got, dict):
        return Hint("Return one id (an int), e.g. int(rng.choice(ids, p=kept)).",
                    "请返回一个编号（int），例如 int(rng.choice(ids, p=kept))。")
    if set(got) == set(ranked[: top_n + 1]):
        return Hint(f"Keep exactly top_n = {top_n} ids: np.argsort(probabilities)[-top_n:] (check the slice).",
                    f"只保留 top_n = {top_n} 个编号：np.argsort(probabilities)[-top_n:]（检查切片）。")
    if set(got) == set(ranked[-top_n:]):
        return Hint("These are the least probable ids: np.argsort sorts ascending, so the top n are the last n.",
                    "这些是概率最小的编号：np.argsort 按升序排列，所以最大的 n 个在最后。")
    if len(got) == 1 and top_n > 1:
        return Hint("Draw at random among the top n; always taking the most probable id is greedy decoding.",
                    "要在前 n 个之中随机抽取；总是选概率最大的编号就成了贪心解码。")
    if set(got) == set(ranked[:top_n]):
        return Hint("The right ids, drawn at the wrong rates: pass the renormalised probabilities as p=.",
                    "编号对了，但抽取比例不对：请把重新归一化后的概率作为 p= 传入。")
    return None


def check_apply_temperature(learner_apply_temperature: Callable[..., Any]) -> CheckResult:
    """`apply_temperature(logits, temperature)` → softmax of logits / temperature along the last axis."""
    cases = [Case(learner_apply_temperature, (logits, temperature), apply_temperature(logits, temperature))
             for logits, temperature in TEMPERATURE_CASES]
    return run_check("apply_temperature", cases, hint=_temperature_hint)


def _softmax(values: np.ndarray) -> np.ndarray:
    exp = np.exp(values - values.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def _temperature_hint(case: Case, got: Any) -> Hint | None:
    logits, temperature = case.args
    got = np.asarray(got, dtype=np.float64)
    if got.shape != case.expected.shape:
        return Hint(f"Return one probability per logit: shape {case.expected.shape}.",
                    f"每个 logit 对应一个概率：形状应为 {case.expected.shape}。")
    if np.isnan(got).any():
        return Hint("exp overflows for large logits: subtract the largest logit (along the last axis) first; "
                    "the softmax stays the same.",
                    "logits 很大时 exp 会溢出：先减去（沿最后一个轴的）最大 logit，softmax 的结果不变。")
    if logits.ndim == 2 and np.isclose(got.sum(), 1.0):
        return Hint("Normalise each row on its own: sum along axis=-1 with keepdims=True.",
                    "每一行要单独归一化：沿 axis=-1 求和，并设 keepdims=True。")
    mistakes = (
        (_softmax(logits) / temperature, Hint(
            "Divide the logits by the temperature before the softmax, not the probabilities after it.",
            "要在 softmax 之前把 logits 除以温度，而不是在 softmax 之后用温度除概率。")),
        (_softmax(logits), Hint(
            "The temperature has no effect: compute softmax(logits / temperature).",
            "温度没有起作用：请计算 softmax(logits / temperature)。")),
        (_softmax(logits * temperature), Hint(
            "Divide by the temperature, do not multiply: below 1 it must sharpen the distribution.",
            "应除以温度，而不是乘以温度：温度小于 1 时分布应变得更尖锐。")),
        (logits / temperature, Hint(
            "These are scaled logits: turn them into probabilities with a softmax.",
            "这些还只是缩放后的 logits：请用 softmax 把它们变成概率。")),
    )
    return next((hint for wrong, hint in mistakes if values_equal(wrong, got)), None)
