"""charrnn_lib.checks.batches: lesson 2's checks pass the reference and catch the seeds' batching mistakes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from check_helpers import only_line, stub

from charrnn_lib import checks
from charrnn_lib.checks import CheckFailure, Status


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    """Learner mode unless a test turns strict mode on."""
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


# --- learner answers: the reference written the way a student would, then plausible mistakes ---------------------

def count_batches(n_chars, num_seqs, num_steps):
    return max(n_chars - 1, 0) // (num_seqs * num_steps)


def batch_generator(ids, num_seqs, num_steps):
    n_batches = count_batches(len(ids), num_seqs, num_steps)
    if n_batches == 0:
        raise ValueError(f"need at least {num_seqs * num_steps + 1} ids")
    usable = n_batches * num_seqs * num_steps
    x_rows = np.asarray(ids[:usable]).reshape(num_seqs, -1)
    y_rows = np.asarray(ids[1 : usable + 1]).reshape(num_seqs, -1)
    for start in range(0, x_rows.shape[1], num_steps):
        yield x_rows[:, start : start + num_steps], y_rows[:, start : start + num_steps]


def wrap_around_generator(ids, num_seqs, num_steps):
    """The seed lessons' rule: the last target of a window is the window's first input."""
    for x, y in batch_generator(ids, num_seqs, num_steps):
        y = np.concatenate([x[:, 1:], x[:, :1]], axis=1)
        yield x, y


def consecutive_windows_generator(ids, num_seqs, num_steps):
    """Reshape straight to (n_batches, num_seqs, num_steps): each batch holds neighbouring windows, not streams."""
    n_batches = count_batches(len(ids), num_seqs, num_steps)
    if n_batches == 0:
        raise ValueError("too short")
    usable = n_batches * num_seqs * num_steps
    yield from zip(np.asarray(ids[:usable]).reshape(n_batches, num_seqs, num_steps),
                   np.asarray(ids[1 : usable + 1]).reshape(n_batches, num_seqs, num_steps), strict=True)


def unshifted_generator(ids, num_seqs, num_steps):
    for x, _ in batch_generator(ids, num_seqs, num_steps):
        yield x, x


def plus_one_generator(ids, num_seqs, num_steps):
    for x, _ in batch_generator(ids, num_seqs, num_steps):
        yield x, x + 1


def no_id_kept_back_generator(ids, num_seqs, num_steps):
    """Counts len(ids) // (num_seqs * num_steps) batches, so an exact multiple runs out of targets."""
    n_batches = len(ids) // (num_seqs * num_steps)
    usable = n_batches * num_seqs * num_steps
    x_rows = np.asarray(ids[:usable]).reshape(num_seqs, -1)
    y_rows = np.asarray(ids[1 : usable + 1]).reshape(num_seqs, -1)  # ValueError when usable == len(ids)
    for start in range(0, x_rows.shape[1], num_steps):
        yield x_rows[:, start : start + num_steps], y_rows[:, start : start + num_steps]


def endless_generator(ids, num_seqs, num_steps):
    """The seeds' `while True`: pass after pass, forever."""
    while True:
        yield from batch_generator(ids, num_seqs, num_steps)


def transposed_generator(ids, num_seqs, num_steps):
    for x, y in batch_generator(ids, num_seqs, num_steps):
        yield x.T, y.T


def silent_when_too_short_generator(ids, num_seqs, num_steps):
    if count_batches(len(ids), num_seqs, num_steps) == 0:
        return
    yield from batch_generator(ids, num_seqs, num_steps)


def shuffled_rows_generator(ids, num_seqs, num_steps):
    order = np.arange(num_seqs)[::-1]
    for x, y in batch_generator(ids, num_seqs, num_steps):
        yield x[order], y[order]


def split_train_validation(ids, validation_fraction):
    n_validation = round(len(ids) * validation_fraction)
    return ids[: len(ids) - n_validation], ids[len(ids) - n_validation :]


# --- the tests -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("check", "answer"), [
    (checks.check_count_batches, count_batches),
    (checks.check_batch_generator, batch_generator),
    (checks.check_split_train_validation, split_train_validation),
])
def test_reference_solutions_pass_with_one_line(check, answer, capsys):
    result = check(answer)
    line = only_line(capsys)
    assert result.status is Status.PASS and line.startswith("✓ ") and "通过" in line


def test_a_generator_of_plain_lists_passes_too(capsys):
    def list_generator(ids, num_seqs, num_steps):
        for x, y in batch_generator(ids, num_seqs, num_steps):
            yield x.tolist(), y.tolist()

    assert checks.check_batch_generator(list_generator).passed


@pytest.mark.parametrize("check", [
    checks.check_count_batches, checks.check_batch_generator, checks.check_split_train_validation,
])
def test_stubs_are_not_attempted_yet(check, capsys):
    result = check(stub)
    assert result.status is Status.NOT_ATTEMPTED and "尚未作答" in only_line(capsys)


@pytest.mark.parametrize(("answer", "shown", "hint"), [
    (wrap_around_generator, "y[0] = [[1 2 3 0]", "not the window's first input"),
    (consecutive_windows_generator, "x[0] = [[0 1 2 3] [4 5 6 7]", "Rows must be contiguous streams"),
    (unshifted_generator, "y[0] = [[0 1 2 3]", "shifted by one character"),
    (plus_one_generator, "plus_one_generator(array([12, 10,", "not id + 1"),
    (no_id_kept_back_generator, "raises ValueError: cannot reshape", "(len(ids) - 1) // (num_seqs * num_steps)"),
    (endless_generator, "3 batch(es) × (3, 4)", "one pass only"),
    (transposed_generator, "x[0] = [[0 8 16]", "transposed"),
    (silent_when_too_short_generator, "got · 实际 0 batches", "raise a ValueError"),
    (shuffled_rows_generator, "x[0] = [[16 17 18 19]", "without shuffling"),
])
def test_plausible_wrong_generators_fail_with_what_was_got_and_a_hint(answer, shown, hint, capsys):
    result = checks.check_batch_generator(answer)
    line = only_line(capsys)
    assert result.status is Status.FAIL and line.startswith("✗ batch_generator") and "答案有误" in line
    assert shown in line and hint in line


def test_a_target_off_by_one_elsewhere_names_the_first_wrong_cell(capsys):
    def last_target_repeated(ids, num_seqs, num_steps):
        for x, y in batch_generator(ids, num_seqs, num_steps):
            yield x, np.concatenate([y[:, :-1], y[:, -2:-1]], axis=1)

    checks.check_batch_generator(last_target_repeated)
    line = only_line(capsys)
    assert "the last column included" in line and "y[0][0, 3] should be 4, not 3" in line
    assert "y[0][0, 3] 应为 4，而不是 3" in line


def test_the_generator_is_read_for_one_pass_only_so_an_endless_one_cannot_hang(capsys):
    pulled = []

    def counting_endless(ids, num_seqs, num_steps):
        for pair in itertools.cycle(list(batch_generator(ids, num_seqs, num_steps))):
            pulled.append(1)
            yield pair

    checks.check_batch_generator(counting_endless)
    assert len(pulled) == 3  # two batches of the first case, plus one to notice the repeat


@pytest.mark.parametrize(("answer", "shown", "hint"), [
    (lambda n_chars, num_seqs, num_steps: n_chars // (num_seqs * num_steps),
     "(24, 3, 4): expected · 期望 1, got · 实际 2", "kept back"),
    (lambda n_chars, num_seqs, num_steps: (n_chars - 1) // num_steps, "got · 实际 6", "num_seqs × num_steps"),
    (lambda n_chars, num_seqs, num_steps: (n_chars - 1) / (num_seqs * num_steps), "got · 实际 1.91", "//"),
    (lambda n_chars, num_seqs, num_steps: (n_chars - 1) // (num_seqs * num_steps), "got · 实际 -1", "never a negative"),
])
def test_plausible_wrong_counts_fail_with_a_hint(answer, shown, hint, capsys):
    result = checks.check_count_batches(answer)
    line = only_line(capsys)
    assert result.status is Status.FAIL and shown in line and hint in line


@pytest.mark.parametrize(("answer", "hint"), [
    (lambda ids, fraction: (ids[: -round(len(ids) * fraction)], ids[-round(len(ids) * fraction) :]), "ids[-0:]"),
    (lambda ids, fraction: (ids[round(len(ids) * fraction) :], ids[: round(len(ids) * fraction)]),
     "tail of the text, not its head"),
    (lambda ids, fraction: (ids, split_train_validation(ids, fraction)[1]), "must not be trained on"),
    (lambda ids, fraction: split_train_validation(np.random.default_rng(0).permutation(ids), fraction), "shuffling"),
    (lambda ids, fraction: split_train_validation(ids, fraction / 2), "Hold out round(len(ids) * validation_fraction)"),
])
def test_plausible_wrong_splits_fail_with_a_hint(answer, hint, capsys):
    result = checks.check_split_train_validation(answer)
    line = only_line(capsys)
    assert result.status is Status.FAIL and "split_train_validation" in line and hint in line


def test_an_error_inside_the_generator_is_explained_not_raised(capsys):
    def broken(ids, num_seqs, num_steps):
        yield ids[num_seqs * num_steps * 1000], None

    result = checks.check_batch_generator(broken)
    line = only_line(capsys)
    assert result.status is Status.ERROR and "IndexError" in line and "运行出错" in line


def test_strict_mode_raises_on_a_wrong_generator(monkeypatch, capsys):
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    with pytest.raises(CheckFailure, match="✗ batch_generator"):
        checks.check_batch_generator(wrap_around_generator)
    assert checks.check_batch_generator(batch_generator).passed
