"""Checks for lesson 10's exercise (the unit most correlated with "inside quotes"), against `lessons.inside`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from charrnn_lib.checks.core import Case, CheckResult, Hint, run_check
from charrnn_lib.lessons.inside import Activations, inside_quotes, most_correlated_unit, unit_correlations

QUOTED_TEXT = '"Yes," he said. "No?" She left.\n"Well, well," said the old man, "we shall see."\n'
# (seed, layer, units): each case plants the answer and three decoys in different units.
CASES = ((0, 1, 12), (1, 0, 9), (2, 1, 16))


def check_quote_unit(learner_quote_unit: Callable[[Activations, int], Any]) -> CheckResult:
    """`quote_unit(activations, layer)`: the cell-state unit of `layer` most correlated (either sign) with
    being inside a quotation."""
    cases = []
    for seed, layer, units in CASES:
        activations = planted_activations(seed, layer, units)
        expected = most_correlated_unit(activations, inside_quotes(activations.text), layer=layer, kind="cell")
        cases.append(Case(learner_quote_unit, (activations, layer), expected))
    return run_check("quote_unit", cases, compare=_same_unit, hint=_quote_unit_hint)


def planted_activations(seed: int, layer: int, units: int, num_layers: int = 2) -> Activations:
    """Noise states over QUOTED_TEXT with, in `layer`, a cell unit that falls inside quotes (the answer) and
    decoys: a cell unit that rises less, a cell unit that fires on the quote marks, and a hidden unit that
    follows the quotes best; the other layer has its own quote unit."""
    rng = np.random.default_rng(seed)
    inside = inside_quotes(QUOTED_TEXT).astype(float)  # (time,)
    marks = np.array([char == '"' for char in QUOTED_TEXT], dtype=float)  # (time,)
    time = len(QUOTED_TEXT)
    hidden = rng.normal(0.0, 0.3, (num_layers, time, units))  # (layers, time, units)
    cell = rng.normal(0.0, 0.3, (num_layers, time, units))
    answer, rising, marker, hidden_unit, other = rng.permutation(units)[:5]
    cell[layer, :, answer] -= 2.0 * inside  # strongest, negative
    cell[layer, :, rising] += 0.8 * inside  # the largest positive correlation, weaker than the answer
    cell[layer, :, marker] += 3.0 * marks  # the quote character itself
    hidden[layer, :, hidden_unit] = inside + rng.normal(0.0, 0.01, time)  # h follows the quotes best
    cell[1 - layer, :, other] += 5.0 * inside  # the other layer's quote unit
    return Activations(QUOTED_TEXT, hidden, cell, np.zeros((time, 1)))


def _same_unit(expected: int, got: Any) -> bool:
    return np.ndim(got) == 0 and isinstance(got, (int, np.integer)) and int(got) == expected


def _quote_unit_hint(case: Case, got: Any) -> Hint | None:
    activations, layer = case.args
    if np.ndim(got) != 0 or not isinstance(got, (int, np.integer)):
        return Hint("Return one unit index (an int), e.g. int(np.argmax(...)).",
                    "请返回一个单元编号（int），例如 int(np.argmax(...))。")
    inside = inside_quotes(activations.text)
    marks = np.array([char == '"' for char in activations.text])
    cell = unit_correlations(activations.cell[layer], inside)  # (units,)
    if got == int(np.argmax(np.abs(unit_correlations(activations.hidden[layer], inside)))):
        return Hint("That unit is from the hidden state h (activations.hidden): the exercise asks for the cell "
                    "state c (activations.cell).",
                    "这个单元来自隐状态 h（activations.hidden）：本题要求的是记忆元 c（activations.cell）。")
    if got == int(np.argmax(np.abs(unit_correlations(activations.cell[layer], marks)))):
        return Hint("That unit fires on the quote character itself: correlate with the region inside the quotes, "
                    "cr.lessons.inside.inside_quotes(activations.text).",
                    "这个单元只在引号字符本身上激活：应与引号内部的区域相关，即 "
                    "cr.lessons.inside.inside_quotes(activations.text)。")
    if got == int(np.argmax(cell)):
        return Hint("That is the largest positive correlation: a unit that falls inside quotes tracks them as "
                    "well, so take the largest absolute correlation, np.argmax(np.abs(correlations)).",
                    "这是最大的正相关：在引号内下降的单元同样在追踪引号，所以要取绝对值最大的相关，"
                    "np.argmax(np.abs(correlations))。")
    if got == int(np.argmax(np.abs(unit_correlations(activations.cell[1 - layer], inside)))):
        return Hint(f"That unit belongs to the other layer: use activations.cell[layer] (layer = {layer}).",
                    f"这个单元属于另一层：请使用 activations.cell[layer]（layer = {layer}）。")
    return None
