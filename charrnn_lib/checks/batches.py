"""Checks for lesson 2 (the id stream → mini-batches for stateful training), against `charrnn_lib.batches`."""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from charrnn_lib.batches import count_batches, make_batches, split_train_validation
from charrnn_lib.checks.core import Case, CheckResult, Hint, run_check, values_equal
from charrnn_lib.text import TextConverter

POEM = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
# (n_chars, num_seqs, num_steps): enough for two batches, an exact multiple (one id is kept back), too few, none.
COUNT_CASES = ((25, 3, 4), (24, 3, 4), (833, 32, 26), (832, 32, 26), (12, 3, 4), (0, 2, 2))
# (ids, num_seqs, num_steps): the grid drawn in assets/batching_grid.svg, real text ids (not consecutive
# numbers, so `y = x + 1` cannot pass), an exact multiple, one row, and a text too short for one batch.
GENERATOR_CASES = (
    (np.arange(25), 3, 4),
    (TextConverter.from_text(POEM).encode(POEM), 2, 5),
    (np.arange(24), 3, 4),
    (np.arange(100, 111), 1, 5),
    (np.arange(12), 3, 4),
)
# (ids, validation_fraction): fractions that give whole numbers of ids, and 0 (the `ids[-0:]` trap).
SPLIT_CASES = ((np.arange(100), 0.1), (np.arange(20), 0.25), (np.arange(10), 0.0))


def check_count_batches(count_batches_function: Callable[[int, int, int], int]) -> CheckResult:
    """`count_batches(n_chars, num_seqs, num_steps)`: full batches, keeping one id back as the last target."""
    cases = [Case(count_batches_function, sizes, count_batches(*sizes)) for sizes in COUNT_CASES]
    return run_check("count_batches", cases, hint=_count_hint)


def _count_hint(case: Case, got: Any) -> Hint | None:
    n_chars, num_seqs, num_steps = case.args
    if isinstance(got, (int, np.integer)) and got < 0:
        return Hint("An empty text gives 0 batches, never a negative number.", "空文本的批次数为 0，不能是负数。")
    if got == n_chars // (num_seqs * num_steps):
        return Hint("One id is kept back as the last target (y is x shifted by one): use n_chars - 1.",
                    "要留出一个编号作为最后一个目标（y 是 x 右移一位）：请用 n_chars - 1。")
    if got in (n_chars // num_steps, (n_chars - 1) // num_steps, n_chars // num_seqs, (n_chars - 1) // num_seqs):
        return Hint("One batch holds num_seqs × num_steps ids.", "一个批次包含 num_seqs × num_steps 个编号。")
    if not isinstance(got, (int, np.integer)):
        return Hint("Return a whole number: use // (floor division), not /.", "请返回整数：用 //（整除），不要用 /。")
    return None


@dataclasses.dataclass(frozen=True, eq=False)
class Windows:
    """Everything one pass of a batch generator yielded, stacked: x and y are `(n_batches, num_seqs, num_steps)`."""

    x: np.ndarray
    y: np.ndarray

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Windows) and values_equal(self.x, other.x) and values_equal(self.y, other.y)

    def __repr__(self) -> str:
        if not len(self.x):
            return "0 batches"
        return f"{len(self.x)} batch(es) × {self.x.shape[1:]}: x[0] = {_compact(self.x[0])}, " \
               f"y[0] = {_compact(self.y[0])}"


@dataclasses.dataclass(frozen=True, eq=False)
class Raised:
    """A learner's function raised a ValueError: what a too-short text should do."""

    message: str = ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Raised)

    def __repr__(self) -> str:
        return f"raises ValueError: {self.message}" if self.message else "raises ValueError"


def check_batch_generator(batch_generator: Callable[[Any, int, int], Iterable[tuple[Any, Any]]]) -> CheckResult:
    """`batch_generator(ids, num_seqs, num_steps)` yields the `(x, y)` windows of one pass, as `make_batches` does."""
    collect = _collector(batch_generator)
    cases = [Case(collect, (ids, num_seqs, num_steps), _reference_windows(ids, num_seqs, num_steps))
             for ids, num_seqs, num_steps in GENERATOR_CASES]
    return run_check("batch_generator", cases, hint=_generator_hint)


def _reference_windows(ids: np.ndarray, num_seqs: int, num_steps: int) -> Windows | Raised:
    if count_batches(len(ids), num_seqs, num_steps) == 0:
        return Raised()
    return Windows(*make_batches(ids, num_seqs, num_steps))


def _collector(batch_generator: Callable) -> Callable:
    """Run the learner's generator for one pass (plus one window, to notice a generator that repeats)."""

    @functools.wraps(batch_generator)
    def collect(ids: np.ndarray, num_seqs: int, num_steps: int) -> Windows | Raised | list:
        limit = count_batches(len(ids), num_seqs, num_steps) + 1
        try:
            pairs = [(np.asarray(x), np.asarray(y))
                     for x, y in itertools.islice(batch_generator(ids, num_seqs, num_steps), limit)]
        except ValueError as error:
            return Raised(str(error).splitlines()[0] if str(error) else "")
        if not pairs:
            return Windows(np.zeros((0, num_seqs, num_steps), int), np.zeros((0, num_seqs, num_steps), int))
        if len({array.shape for pair in pairs for array in pair}) > 1:
            return pairs  # windows of different shapes cannot be stacked; the hint explains
        return Windows(np.stack([x for x, _ in pairs]), np.stack([y for _, y in pairs]))

    return collect


def _generator_hint(case: Case, got: Any) -> Hint | None:
    ids, num_seqs, num_steps = case.args
    expected = case.expected
    needed = num_seqs * num_steps + 1
    if isinstance(expected, Raised):
        return Hint(f"This text is too short for one batch (it needs num_seqs × num_steps + 1 = {needed} ids): "
                    "raise a ValueError that says so instead of yielding nothing.",
                    f"这段文本不够一个批次（需要 num_seqs × num_steps + 1 = {needed} 个编号）："
                    "请抛出说明原因的 ValueError，而不是什么都不产出。")
    if isinstance(got, Raised):
        return Hint(f"These {len(ids)} ids give {len(expected.x)} batch(es); one id is kept back as the last "
                    "target, so n_batches = (len(ids) - 1) // (num_seqs * num_steps).",
                    f"这 {len(ids)} 个编号可以组成 {len(expected.x)} 个批次；最后一个编号只作目标，"
                    "所以 n_batches = (len(ids) - 1) // (num_seqs * num_steps)。")
    if not isinstance(got, Windows):
        return Hint("Yield pairs (x, y) of arrays that all have the shape (num_seqs, num_steps).",
                    "请产出 (x, y) 对，每个数组的形状都是 (num_seqs, num_steps)。")
    if got.x.shape[1:] == (num_steps, num_seqs) != (num_seqs, num_steps):
        return Hint("A window is (num_seqs, num_steps): rows are streams, columns are time steps. Is it transposed?",
                    "每个窗口的形状是 (num_seqs, num_steps)：行是字符流，列是时间步。是否转置了？")
    if len(got.x) > len(expected.x):
        if np.array_equal(got.x[len(expected.x)], expected.x[0]):
            return Hint("Yield one pass only: stop after the last window instead of starting again.",
                        "只产出一轮：最后一个窗口之后就停止，不要从头再来。")
        return Hint("One id is kept back as the last target: n_batches = (len(ids) - 1) // (num_seqs * num_steps).",
                    "最后一个编号只作目标：n_batches = (len(ids) - 1) // (num_seqs * num_steps)。")
    if len(got.x) < len(expected.x):
        return Hint(f"Expected {len(expected.x)} batch(es): n_batches = (len(ids) - 1) // (num_seqs * num_steps).",
                    f"应有 {len(expected.x)} 个批次：n_batches = (len(ids) - 1) // (num_seqs * num_steps)。")
    if got.x.shape != expected.x.shape or got.y.shape != expected.y.shape:
        return Hint(f"Each x and y is one window of shape (num_seqs, num_steps) = {(num_seqs, num_steps)}.",
                    f"每个 x 和 y 都是一个形状为 (num_seqs, num_steps) = {(num_seqs, num_steps)} 的窗口。")
    if not values_equal(expected.x, got.x):
        return _layout_hint(ids, expected, got)
    return _target_hint(expected, got)


def _layout_hint(ids: np.ndarray, expected: Windows, got: Windows) -> Hint:
    """Advice when x is wrong: windows cut the wrong way, or rows shuffled."""
    n_batches, num_seqs, num_steps = expected.x.shape
    consecutive = ids[: n_batches * num_seqs * num_steps].reshape(n_batches, num_seqs, num_steps)
    if values_equal(consecutive, got.x):
        return Hint("Rows must be contiguous streams: row i of batch k+1 continues row i of batch k. Reshape the "
                    "ids into num_seqs rows first, then cut windows of num_steps columns.",
                    "每一行必须是连续的字符流：第 k+1 批的第 i 行接续第 k 批的第 i 行。"
                    "请先把编号变形为 num_seqs 行，再每 num_steps 列切一个窗口。")
    if sorted(map(tuple, got.x[0])) == sorted(map(tuple, expected.x[0])):
        return Hint("Keep the rows in text order, without shuffling: row i is the i-th slice of the text.",
                    "行要按文本顺序排列，不要打乱：第 i 行就是文本的第 i 段。")
    english, chinese = _first_difference("x", expected.x, got.x)
    return Hint(f"Row i of x is the i-th of num_seqs equal slices of the ids, cut into windows of num_steps; "
                f"{english}.",
                f"x 的第 i 行是把编号平均分成 num_seqs 段后的第 i 段，再每 num_steps 个切一个窗口；{chinese}。")


def _target_hint(expected: Windows, got: Windows) -> Hint:
    """Advice when x is right and y is wrong: the seeds' wrap-around, no shift, or `x + 1`."""
    if values_equal(expected.y[..., :-1], got.y[..., :-1]) and values_equal(got.x[..., 0], got.y[..., -1]):
        return Hint("The last target of a window is the character right after the window, not the window's first "
                    "input (the wrap-around mistake of the course's source material): take y from the ids shifted "
                    "by one.",
                    "窗口最后一个目标是紧接在窗口之后的字符，而不是窗口的第一个输入（本课程所依据的原始材料中的"
                    "“回绕”错误）：请从右移一位的编号中取 y。")
    if values_equal(got.x, got.y):
        return Hint("y must be x shifted by one character: each target is the next character.",
                    "y 必须是 x 右移一个字符：每个目标都是下一个字符。")
    if values_equal(got.x + 1, got.y):
        return Hint("y holds the next ids of the text, not id + 1: shift the ids, not their values.",
                    "y 是文本中的下一个编号，而不是编号加 1：要移动位置，而不是改变数值。")
    english, chinese = _first_difference("y", expected.y, got.y)
    return Hint(f"y is x shifted by one character, the last column included; {english}.",
                f"y 是 x 右移一个字符（包括最后一列）；{chinese}。")


def check_split_train_validation(split: Callable[[Any, float], tuple[Any, Any]]) -> CheckResult:
    """`split_train_validation(ids, validation_fraction)`: the head trains, the tail validates."""
    cases = [Case(split, (ids, fraction), split_train_validation(ids, fraction)) for ids, fraction in SPLIT_CASES]
    return run_check("split_train_validation", cases, hint=_split_hint)


def _split_hint(case: Case, got: Any) -> Hint | None:
    ids, fraction = case.args
    expected_train, expected_validation = case.expected
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return Hint("Return two arrays: (train_ids, validation_ids).", "请返回两个数组：(train_ids, validation_ids)。")
    train, validation = (np.asarray(part) for part in got)
    if fraction == 0 and len(validation) == len(ids):
        return Hint("With 0 ids to hold out, ids[-0:] is the whole array (-0 == 0): return ids[:0] for validation.",
                    "要留出 0 个编号时，ids[-0:] 是整个数组（-0 == 0）：验证集请返回 ids[:0]。")
    if len(validation) != len(expected_validation):
        return Hint(f"Hold out round(len(ids) * validation_fraction) = {len(expected_validation)} ids.",
                    f"应留出 round(len(ids) * validation_fraction) = {len(expected_validation)} 个编号。")
    if values_equal(ids[: len(validation)], validation):
        return Hint("Hold out the tail of the text, not its head.", "请留出文本的末尾，而不是开头。")
    if len(train) != len(expected_train):
        return Hint("The training ids are all the others: validation ids must not be trained on.",
                    "训练集是其余全部编号：验证集的编号不能用于训练。")
    return Hint("Cut the text in two contiguous pieces, without shuffling, so the validation text is unseen and "
                "both pieces stay streams.",
                "请把文本切成连续的两段，不要打乱，这样验证文本未被见过，两段也仍是连续的字符流。")


def _first_difference(name: str, expected: np.ndarray, got: np.ndarray) -> tuple[str, str]:
    """Where two arrays of one shape first differ, e.g. `y[0][1, 3] should be 12, not 8`, in both languages."""
    batch, row, column = (int(index) for index in np.argwhere(expected != got)[0])
    where, right, wrong = f"{name}[{batch}][{row}, {column}]", expected[batch, row, column], got[batch, row, column]
    return f"{where} should be {right}, not {wrong}", f"{where} 应为 {right}，而不是 {wrong}"


def _compact(window: np.ndarray) -> str:
    """A window on one line without padding or commas, `[[0 1 2 3] [8 9 10 11]]`, so more of it fits a line."""
    return "[" + " ".join("[" + " ".join(str(value) for value in row) + "]" for row in window.tolist()) + "]"
