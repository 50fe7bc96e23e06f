"""charrnn_lib.checks.sampling: lesson 6's top-n and temperature checks pass the reference and catch the slips."""

from __future__ import annotations

import numpy as np
import pytest
from check_helpers import failure_line, only_line, stub

from charrnn_lib import checks
from charrnn_lib.checks import CheckFailure, Status
from charrnn_lib.sample import apply_temperature, pick_top_n


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    """Learner mode unless a test turns strict mode on."""
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


# --- learner answers for pick_top_n ------------------------------------------------------------------------------

def top_n_most_probable_first(probabilities, top_n, rng):
    """Right, but lists the kept ids in the other order, so the same rng draws other ids at the same rates."""
    keep = np.argsort(probabilities)[::-1][:top_n]
    return int(rng.choice(keep, p=probabilities[keep] / probabilities[keep].sum()))


def top_n_by_inverse_cdf(probabilities, top_n, rng):
    """Right, with a hand-written draw instead of rng.choice."""
    keep = np.argsort(probabilities)[-top_n:]
    cumulative = np.cumsum(probabilities[keep]) / probabilities[keep].sum()
    return int(keep[np.searchsorted(cumulative, rng.random(), side="right")])


def top_n_not_renormalised(probabilities, top_n, rng):
    keep = np.argsort(probabilities)[-top_n:]
    return int(rng.choice(keep, p=probabilities[keep]))


def top_n_plus_one(probabilities, top_n, rng):
    keep = np.argsort(probabilities)[-top_n - 1:]
    return int(rng.choice(keep, p=probabilities[keep] / probabilities[keep].sum()))


def smallest_n(probabilities, top_n, rng):
    keep = np.argsort(probabilities)[:top_n]
    return int(rng.choice(keep, p=probabilities[keep] / probabilities[keep].sum()))


def greedy(probabilities, top_n, rng):
    return int(np.argmax(probabilities))


def uniform_among_top_n(probabilities, top_n, rng):
    return int(rng.choice(np.argsort(probabilities)[-top_n:]))


def ignores_rng(probabilities, top_n, rng):
    keep = np.argsort(probabilities)[-top_n:]
    return int(np.random.choice(keep, p=probabilities[keep] / probabilities[keep].sum()))


def returns_probabilities(probabilities, top_n, rng):
    kept = np.zeros_like(probabilities)
    keep = np.argsort(probabilities)[-top_n:]
    kept[keep] = probabilities[keep] / probabilities[keep].sum()
    return kept


# --- learner answers for apply_temperature -----------------------------------------------------------------------

def softmax(values):
    exp = np.exp(values - values.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def temperature_with_plain_exp(logits, temperature):
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the mistake the check must catch
        exp = np.exp(logits / temperature)
        return exp / exp.sum(axis=-1, keepdims=True)


def temperature_after_softmax(logits, temperature):
    return softmax(logits) / temperature


def temperature_multiplied(logits, temperature):
    return softmax(logits * temperature)


def temperature_ignored(logits, temperature):
    return softmax(logits)


def temperature_without_softmax(logits, temperature):
    return logits / temperature


def temperature_normalised_over_everything(logits, temperature):
    exp = np.exp(logits / temperature - np.max(logits / temperature))
    return exp / exp.sum()


# --- the checks ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("check", "function"), [
    (checks.check_pick_top_n, pick_top_n),
    (checks.check_pick_top_n, top_n_most_probable_first),
    (checks.check_pick_top_n, top_n_by_inverse_cdf),
    (checks.check_apply_temperature, apply_temperature),
    (checks.check_apply_temperature, lambda logits, temperature: softmax(logits / temperature)),
])
def test_right_answers_pass_with_one_line(check, function, capsys):
    result = check(function)
    line = only_line(capsys)
    assert result.status is Status.PASS and line == result.message and "通过" in line


@pytest.mark.parametrize("check", [checks.check_pick_top_n, checks.check_apply_temperature])
def test_stubs_are_not_attempted_yet(check, capsys):
    result = check(stub)
    assert result.status is Status.NOT_ATTEMPTED and only_line(capsys).startswith("… ")


@pytest.mark.parametrize(("check", "function", "hint"), [
    (checks.check_pick_top_n, top_n_not_renormalised, "Renormalise"),
    (checks.check_pick_top_n, top_n_plus_one, "Keep exactly top_n"),
    (checks.check_pick_top_n, smallest_n, "least probable"),
    (checks.check_pick_top_n, greedy, "greedy decoding"),
    (checks.check_pick_top_n, uniform_among_top_n, "wrong rates"),
    (checks.check_pick_top_n, ignores_rng, "rng argument"),
    (checks.check_pick_top_n, returns_probabilities, "Return one id"),
    (checks.check_apply_temperature, temperature_with_plain_exp, "subtract the largest logit"),
    (checks.check_apply_temperature, temperature_after_softmax, "not the probabilities"),
    (checks.check_apply_temperature, temperature_multiplied, "do not multiply"),
    (checks.check_apply_temperature, temperature_ignored, "no effect"),
    (checks.check_apply_temperature, temperature_without_softmax, "softmax"),
    (checks.check_apply_temperature, temperature_normalised_over_everything, "each row"),
])
def test_plausible_mistakes_fail_with_a_hint(check, function, hint, capsys):
    line = failure_line(check(function), capsys)
    assert hint in line, line


def test_strict_mode_raises_on_a_wrong_answer(monkeypatch, capsys):
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    with pytest.raises(CheckFailure):
        checks.check_pick_top_n(smallest_n)
