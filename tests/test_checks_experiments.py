"""charrnn_lib.checks.experiments: lesson 8's checks pass the reference and catch the usual slips."""

from __future__ import annotations

import collections
import math

import pytest
from check_helpers import failure_line, only_line, stub

from charrnn_lib import checks
from charrnn_lib.checks import CheckFailure, Status


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    """Learner mode unless a test turns strict mode on."""
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


# --- learner answers: the reference written the way a student would, then plausible mistakes ---------------------

def entropy(text, log=math.log2):
    counts = collections.Counter(text)
    return -sum(count / len(text) * log(count / len(text)) for count in counts.values())


def unigram_bits(text):
    return entropy(text)


def unigram_nats(text):
    return entropy(text, math.log)


def unigram_uniform(text):
    return math.log2(len(set(text)))


def unigram_negative(text):
    return -entropy(text)


def best_bpc(logs):
    return min(logs["val_loss"]) / math.log(2)


def best_bpc_from_last(logs):
    return logs["val_loss"][-1] / math.log(2)


def best_bpc_in_nats(logs):
    return min(logs["val_loss"])


def best_bpc_from_training_loss(logs):
    return min(logs["loss"]) / math.log(2)


def best_bpc_multiplied(logs):
    return min(logs["val_loss"]) * math.log(2)


# --- the checks ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("check", "function"), [
    (checks.check_unigram_bits_per_character, unigram_bits),
    (checks.check_best_validation_bpc, best_bpc),
])
def test_reference_solutions_pass_with_one_line(check, function, capsys):
    result = check(function)
    line = only_line(capsys)
    assert result.status is Status.PASS and line == result.message
    assert line.startswith("✓ ") and "通过" in line


@pytest.mark.parametrize("check", [checks.check_unigram_bits_per_character, checks.check_best_validation_bpc])
def test_stubs_are_not_attempted_yet(check, capsys):
    result = check(stub)
    assert result.status is Status.NOT_ATTEMPTED and only_line(capsys).startswith("… ")


@pytest.mark.parametrize(("check", "function", "hint"), [
    (checks.check_unigram_bits_per_character, unigram_nats, "math.log2, not math.log"),
    (checks.check_unigram_bits_per_character, unigram_uniform, "equally frequent"),
    (checks.check_unigram_bits_per_character, unigram_negative, "sign is wrong"),
    (checks.check_best_validation_bpc, best_bpc_from_last, "last validation loss"),
    (checks.check_best_validation_bpc, best_bpc_in_nats, "divide by math.log(2)"),
    (checks.check_best_validation_bpc, best_bpc_from_training_loss, "training loss"),
    (checks.check_best_validation_bpc, best_bpc_multiplied, "not the other way round"),
])
def test_plausible_mistakes_fail_with_a_hint(check, function, hint, capsys):
    line = failure_line(check(function), capsys)
    assert hint in line, line


def test_a_crash_is_explained_not_raised(capsys):
    result = checks.check_best_validation_bpc(lambda logs: logs["val_bpc"])
    assert result.status is Status.ERROR and "KeyError" in only_line(capsys)


def test_strict_mode_raises_on_a_wrong_answer(monkeypatch, capsys):
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    with pytest.raises(CheckFailure):
        checks.check_unigram_bits_per_character(unigram_uniform)
