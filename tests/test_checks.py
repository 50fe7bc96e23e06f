"""charrnn_lib.checks: one bilingual line per check, never a traceback for a learner, exceptions in strict mode."""

from __future__ import annotations

import collections
import re

import numpy as np
import pytest
from check_helpers import failure_line, only_line, stub

from charrnn_lib import checks
from charrnn_lib.checks import Case, CheckFailure, Status, run_check, values_equal
from charrnn_lib.config import strict_checks


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    """Learner mode unless a test turns strict mode on."""
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


def build_vocabulary(text, max_vocab):
    counts = collections.Counter(text)
    return sorted(counts, key=lambda char: (-counts[char], char))[:max_vocab]


def alphabetical_vocabulary(text, max_vocab):
    return sorted(set(text))[:max_vocab]


def encode(text, vocab):
    return [vocab.index(char) if char in vocab else len(vocab) for char in text]


def decode(ids, vocab):
    return "".join(vocab[index] if index < len(vocab) else "<unk>" for index in ids)


def one_hot(ids, depth):
    return np.eye(depth, dtype=np.float32)[ids]


def transposed_one_hot(ids, depth):
    return one_hot(ids, depth).T


@pytest.mark.parametrize(("check", "functions"), [
    (checks.check_build_vocabulary, (build_vocabulary,)),
    (checks.check_encode_decode, (encode, decode)),
    (checks.check_one_hot, (one_hot,)),
])
def test_reference_solutions_pass_with_one_line(check, functions, capsys):
    result = check(*functions)
    line = only_line(capsys)
    assert result.status is Status.PASS and result.passed and line == result.message
    assert line.startswith("✓ ") and "pass" in line and "通过" in line


@pytest.mark.parametrize(("check", "functions"), [
    (checks.check_build_vocabulary, (stub,)),
    (checks.check_encode_decode, (encode, stub)),
    (checks.check_one_hot, (stub,)),
])
def test_stubs_are_not_attempted_yet(check, functions, capsys):
    result = check(*functions)
    line = only_line(capsys)
    assert result.status is Status.NOT_ATTEMPTED and line.startswith("… ")
    assert "not attempted" in line and "尚未作答" in line


@pytest.mark.parametrize(("check", "functions", "shown", "hint"), [
    (checks.check_build_vocabulary, (alphabetical_vocabulary,), "['a', 'b', 'c', 'd', 'r']", "alphabetically"),
    (checks.check_build_vocabulary, (lambda text, max_vocab: build_vocabulary(text, None),), "", "max_vocab"),
    (checks.check_build_vocabulary, (lambda text, max_vocab: build_vocabulary(text, None)[::-1][:max_vocab],), "",
     "most frequent character comes first"),
    (checks.check_encode_decode, (lambda text, vocab: [index + 1 for index in encode(text, vocab)], decode),
     "[6, 5, 1, 1, 2]", "start at 0"),
    (checks.check_encode_decode, (encode, lambda ids, vocab: decode([i for i in ids if i < len(vocab)], vocab)),
     "'hel'", "<unk>"),
    (checks.check_one_hot, (transposed_one_hot,), "array(5, 3)", "transposed"),
    (checks.check_one_hot, (lambda ids, depth: one_hot(ids, depth).astype(int),), "int", "floats"),
])
def test_plausible_wrong_answers_fail_with_what_was_got_and_a_hint(check, functions, shown, hint, capsys):
    line = failure_line(check(*functions), capsys)
    assert "答案有误" in line and shown in line and hint in line


def test_ties_broken_the_wrong_way_fail_with_the_code_point_hint(capsys):
    def ties_by_first_appearance(text, max_vocab):
        counts = collections.Counter(text)
        return sorted(counts, key=lambda char: -counts[char])[:max_vocab]

    result = checks.check_build_vocabulary(ties_by_first_appearance)
    assert result.status is Status.FAIL and "code point" in only_line(capsys)


def test_an_exception_is_reported_and_explained_not_raised(capsys):
    result = checks.check_one_hot(lambda ids, depth: undefined_name)  # noqa: F821
    line = only_line(capsys)
    assert result.status is Status.ERROR and line.startswith("⚠ ")
    assert "NameError" in line and "did you run the cells above" in line and "运行出错" in line


def test_a_library_not_implemented_error_with_a_message_is_an_error_not_a_stub(capsys):
    def unsupported(ids, depth):
        raise NotImplementedError("sparse one-hot is not implemented for this dtype")

    result = checks.check_one_hot(unsupported)
    assert result.status is Status.ERROR and "sparse one-hot is not implemented" in only_line(capsys)


def test_the_first_failing_case_is_reported_and_later_cases_are_not_run(capsys):
    calls = []

    def square(value):
        calls.append(value)
        return value * value if value != 2 else 5

    result = run_check("square", [Case(square, (value,), value * value) for value in (1, 2, 3)])
    assert result.status is Status.FAIL and calls == [1, 2]
    assert "square(2): expected · 期望 4, got · 实际 5" in only_line(capsys)


def test_the_learner_gets_copies_so_later_cases_and_answers_stay_intact(capsys):
    shared = [1, 2, 3]

    def drain(items):
        total = sum(items)
        items.clear()
        return total

    assert run_check("drain", [Case(drain, (shared,), 6), Case(drain, (shared,), 6)]).passed
    assert shared == [1, 2, 3]


def test_big_values_stay_on_one_line(capsys):
    run_check("identity", [Case(lambda value: value * 0, (np.arange(1000.0).reshape(100, 10),),
                                np.arange(1000.0).reshape(100, 10))])
    assert len(only_line(capsys)) < 400


@pytest.mark.parametrize(("expected", "got", "equal"), [
    (np.array([1.0, 2.0]), [1.0, 2.0 + 1e-7], True),
    (np.array([1.0, 2.0]), [1.0, 2.1], False),
    (np.zeros((2, 3)), np.zeros((3, 2)), False),
    (["a", "b"], ("a", "b"), True),
    (["a", "b"], "ab", False),
    ([np.array([1, 2])], [[1, 2]], True),
    (0.5, 0.5000001, True),
    (0.5, "0.5", False),
])
def test_values_equal_treats_containers_alike_and_floats_with_tolerance(expected, got, equal):
    assert values_equal(expected, got) is equal


def test_strict_mode_raises_on_fail_and_error_but_not_on_pass_or_stub(monkeypatch, capsys):
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    assert strict_checks()
    with pytest.raises(CheckFailure, match="✗ build_vocabulary") as failed:
        checks.check_build_vocabulary(alphabetical_vocabulary)
    assert failed.value.result.status is Status.FAIL
    with pytest.raises(CheckFailure, match="⚠ one_hot"):
        checks.check_one_hot(lambda ids, depth: 1 / 0)
    assert checks.check_one_hot(one_hot).passed
    assert checks.check_one_hot(stub).status is Status.NOT_ATTEMPTED


@pytest.mark.parametrize(("value", "strict"), [("1", True), ("true", True), ("0", False), ("", False)])
def test_strict_checks_reads_charrnn_strict(monkeypatch, value, strict):
    monkeypatch.setenv("CHARRNN_STRICT", value)
    assert strict_checks() is strict


# --- when_attempted: a lesson cell that uses a learner's function after its check ---------------------------------
def train_one_pass(batches):
    return [train_step(batch) for batch in batches]  # finished, but it calls the untouched stub below


def train_step(batch):
    raise NotImplementedError()


def test_an_untouched_stub_prints_the_not_attempted_line_naming_it_and_skips_the_rest(capsys):
    ran_on = []
    with checks.when_attempted() as attempt:
        losses = train_one_pass([1, 2])
        ran_on.append(losses)
    line = only_line(capsys)
    assert not attempt.finished and ran_on == []
    assert line.startswith("… train_step: not attempted yet") and "尚未作答" in line
    assert "the rest of this cell is skipped" in line and "本单元格的其余部分暂不运行" in line


def test_finished_code_runs_the_whole_block_and_prints_nothing(capsys):
    with checks.when_attempted() as attempt:
        total = sum([1, 2])
    assert attempt.finished and total == 3 and capsys.readouterr().out == ""


@pytest.mark.parametrize("error", [ValueError("shapes (3,) and (4,) not aligned"), NotImplementedError("no kernel")])
def test_a_real_error_in_finished_code_keeps_its_traceback(error, capsys):
    def finished(batch):
        raise error

    with pytest.raises(type(error), match=re.escape(str(error))), checks.when_attempted() as attempt:
        finished(1)
    assert not attempt.finished and capsys.readouterr().out == ""


def test_a_stub_is_not_attempted_even_in_strict_mode(monkeypatch, capsys):
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    with checks.when_attempted() as attempt:
        train_step(1)
    assert not attempt.finished and only_line(capsys).startswith("… train_step")
