"""charrnn_lib.checks.inside: lesson 10's check passes the reference and names the usual slips."""

from __future__ import annotations

import numpy as np
import pytest
from check_helpers import failure_line, only_line, stub

from charrnn_lib import checks
from charrnn_lib.checks import CheckFailure, Status
from charrnn_lib.lessons.inside import inside_quotes, unit_correlations


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


def correlations(states, feature):
    centred = states - states.mean(axis=0)
    feature = feature - feature.mean()
    return feature @ centred / np.sqrt((centred**2).sum(axis=0) * (feature**2).sum())


def quote_unit(activations, layer):
    return int(np.argmax(np.abs(correlations(activations.cell[layer], inside_quotes(activations.text)))))


def quote_unit_from_hidden(activations, layer):
    return int(np.argmax(np.abs(correlations(activations.hidden[layer], inside_quotes(activations.text)))))


def quote_unit_on_the_marks(activations, layer):
    marks = np.array([char == '"' for char in activations.text], dtype=float)
    return int(np.argmax(np.abs(correlations(activations.cell[layer], marks))))


def quote_unit_signed(activations, layer):
    return int(np.argmax(correlations(activations.cell[layer], inside_quotes(activations.text))))


def quote_unit_as_array(activations, layer):
    return np.abs(correlations(activations.cell[layer], inside_quotes(activations.text)))


def test_the_reference_passes(capsys):
    result = checks.check_quote_unit(quote_unit)
    assert result.status is Status.PASS and only_line(capsys).startswith("✓ ")


def test_the_stub_is_not_attempted(capsys):
    assert checks.check_quote_unit(stub).status is Status.NOT_ATTEMPTED
    assert "not attempted" in only_line(capsys)


@pytest.mark.parametrize(("answer", "hint"), [
    (quote_unit_from_hidden, "activations.cell"),
    (quote_unit_on_the_marks, "quote character itself"),
    (quote_unit_signed, "largest absolute correlation"),
    (quote_unit_as_array, "Return one unit index"),
])
def test_plausible_mistakes_fail_with_their_hint(answer, hint, capsys):
    line = failure_line(checks.check_quote_unit(answer), capsys)
    assert hint in line


def test_strict_mode_raises_on_a_wrong_answer(monkeypatch, capsys):
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    with pytest.raises(CheckFailure):
        checks.check_quote_unit(quote_unit_signed)


def test_every_case_tells_the_decoys_apart():
    """Each decoy picks a unit other than the answer, so a wrong method cannot pass by chance."""
    for seed, layer, units in checks.inside.CASES:
        activations = checks.inside.planted_activations(seed, layer, units)
        right = quote_unit(activations, layer)
        assert right == int(np.argmax(np.abs(unit_correlations(activations.cell[layer],
                                                               inside_quotes(activations.text)))))
        wrong = {mistake(activations, layer) for mistake in (quote_unit_from_hidden, quote_unit_on_the_marks,
                                                               quote_unit_signed)}
        assert right not in wrong and len(wrong) == 3
