"""charrnn_lib.checks.poetry: lesson 7's checks pass the reference and catch the usual slips."""

from __future__ import annotations

import re

import pytest
from check_helpers import failure_line, only_line, stub

from charrnn_lib import checks
from charrnn_lib.checks import CheckFailure, Status
from charrnn_lib.checks.poetry import ScriptedSampler
from charrnn_lib.poetry import acrostic


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    """Learner mode unless a test turns strict mode on."""
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


# --- learner answers: the reference written the way a student would, then plausible mistakes ---------------------

def ratio_of(lines, pattern):
    return sum(re.fullmatch(pattern, line) is not None for line in lines) / len(lines) if lines else 0.0


def shape_ratio(text):
    return ratio_of(text.split("\n")[:-1], r"[^，。\n]{5}，[^，。\n]{5}。")


def shape_ratio_with_cut_off_line(text):
    return ratio_of(text.split("\n"), r"[^，。\n]{5}，[^，。\n]{5}。")


def shape_ratio_four_to_six(text):
    return ratio_of(text.split("\n")[:-1], r"[^，。\n]{4,6}，[^，。\n]{4,6}。")


def shape_ratio_with_match(text):
    lines = text.split("\n")[:-1]
    return sum(re.match(r"[^，。\n]{5}，[^，。\n]{5}。", line) is not None for line in lines) / max(len(lines), 1)


def shape_ratio_by_length(text):
    return ratio_of(text.split("\n")[:-1], r".{12}")


def write_acrostic(sampler, heads, max_line_length=24):
    poem = []
    for head in heads:
        prime = "".join(line + "\n" for line in poem) + head
        poem.append(head + sampler.sample(prime, max_line_length)[0][len(prime):].split("\n")[0])
    return poem


def acrostic_joined_with_newlines(sampler, heads, max_line_length=24):
    """Primes with a leading line break on the first line: as good, since sampling warms up from one."""
    poem = []
    for head in heads:
        prime = "\n".join(poem) + "\n" + head
        poem.append(head + sampler.sample(prime, max_line_length)[0][len(prime):].split("\n")[0])
    return poem


def acrostic_without_context(sampler, heads, max_line_length=24):
    return [head + sampler.sample(head, max_line_length)[0][1:].split("\n")[0] for head in heads]


def acrostic_without_cut(sampler, heads, max_line_length=24):
    poem = []
    for head in heads:
        prime = "".join(line + "\n" for line in poem) + head
        poem.append(head + sampler.sample(prime, max_line_length)[0][len(prime):])
    return poem


def acrostic_without_heads(sampler, heads, max_line_length=24):
    return [line[1:] for line in write_acrostic(sampler, heads, max_line_length)]


# --- the scripted sampler behaves like the real one where the checks rely on it ------------------------------------

def test_scripted_sampler_returns_prime_plus_couplets_that_depend_on_the_prime():
    sampler = ScriptedSampler()
    [text] = sampler.sample("春", 25)
    assert text.startswith("春") and len(text) == 26
    first, second = text.split("\n")[:2]
    assert re.fullmatch(r"春[^，。]{4}，[^，。]{5}。", first) and re.fullmatch(r"[^，。]{5}，[^，。]{5}。", second)
    assert sampler.sample("春", 25, num_samples=2) == [text, text]  # deterministic, like greedy rows
    assert sampler.sample("夏日照山青\n春", 25) != ["夏日照山青\n" + text]  # the poem so far changes the line
    assert sampler.sample("\n春", 25) == ["\n" + text]  # a leading line break does not


def test_library_acrostic_continues_the_poem_on_the_scripted_sampler():
    poem = acrostic(ScriptedSampler(), "春夏", top_n=1)
    assert [line[0] for line in poem] == ["春", "夏"] and all(len(line) == 12 for line in poem)
    assert poem != acrostic_without_context(ScriptedSampler(), "春夏")


# --- the checks ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("check", "function"), [
    (checks.check_shape_ratio, shape_ratio),
    (checks.check_acrostic, write_acrostic),
    (checks.check_acrostic, acrostic_joined_with_newlines),
])
def test_reference_solutions_pass_with_one_line(check, function, capsys):
    result = check(function)
    line = only_line(capsys)
    assert result.status is Status.PASS and line == result.message
    assert line.startswith("✓ ") and "通过" in line


@pytest.mark.parametrize("check", [checks.check_shape_ratio, checks.check_acrostic])
def test_stubs_are_not_attempted_yet(check, capsys):
    result = check(stub)
    assert result.status is Status.NOT_ATTEMPTED and only_line(capsys).startswith("… ")


@pytest.mark.parametrize(("check", "function", "hint"), [
    (checks.check_shape_ratio, shape_ratio_with_cut_off_line, "drop it"),
    (checks.check_shape_ratio, shape_ratio_four_to_six, "exactly five"),
    (checks.check_shape_ratio, shape_ratio_with_match, "fullmatch"),
    (checks.check_shape_ratio, shape_ratio_by_length, "positions 5 and 11"),
    (checks.check_acrostic, acrostic_without_context, "continue the poem"),
    (checks.check_acrostic, acrostic_without_cut, "first '\\n'"),
    (checks.check_acrostic, acrostic_without_heads, "start with heads[i]"),
])
def test_plausible_mistakes_fail_with_a_hint(check, function, hint, capsys):
    line = failure_line(check(function), capsys)
    assert hint in line, line


def test_strict_mode_raises_on_a_wrong_answer(monkeypatch, capsys):
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    with pytest.raises(CheckFailure):
        checks.check_acrostic(acrostic_without_context)
