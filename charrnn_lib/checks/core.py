"""The feedback framework behind every exercise check: call the learner's code, compare, print one line.

A check never shows a learner a traceback: it prints one bilingual line that starts with
✓ (pass), ✗ (fail), ⚠ (error) or … (not attempted) and returns a `CheckResult`. With
CHARRNN_STRICT=1 (the test command) a fail or an error also raises `CheckFailure`, so the
solution notebooks' tests catch a broken reference solution. A lesson cell that goes on to use
a learner's function runs that part under `when_attempted()`, so an untouched stub costs the
cell one line instead of stopping "Run All" there.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import re
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, NamedTuple

import numpy as np

from charrnn_lib.config import strict_checks


class Status(str, enum.Enum):
    """How an exercise stands after its check."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    NOT_ATTEMPTED = "not_attempted"


SYMBOLS = {Status.PASS: "✓", Status.FAIL: "✗", Status.ERROR: "⚠", Status.NOT_ATTEMPTED: "…"}


class Hint(NamedTuple):
    """One piece of advice, English then Chinese."""

    english: str
    chinese: str


@dataclasses.dataclass(frozen=True)
class Case:
    """One call of a learner's function with the answer the library's reference gives."""

    function: Callable[..., Any]
    args: tuple[Any, ...]
    expected: Any


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """What a check found; `message` is the line it printed."""

    exercise: str
    status: Status
    message: str

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS

    def _ipython_display_(self) -> None:
        """Show nothing when a notebook cell ends with a check: the line is already printed."""


class CheckFailure(AssertionError):
    """Raised in strict mode (CHARRNN_STRICT=1) when a check fails or errors."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        super().__init__(result.message)


Compare = Callable[[Any, Any], bool]
HintFinder = Callable[[Case, Any], Hint | None]

# Checked in order, so subclasses come before their bases.
_ERROR_EXPLANATIONS: tuple[tuple[type[BaseException], Hint], ...] = (
    (NameError, Hint("A name is not defined: did you run the cells above, or misspell it?",
                     "有名字未定义：是否运行了上面的单元格，或拼错了名字？")),
    (AttributeError, Hint("An object lacks the attribute or method used: check its type and the spelling.",
                          "对象没有所用的属性或方法：请检查它的类型和拼写。")),
    (TypeError, Hint("A value has the wrong type, or a function got the wrong number of arguments.",
                     "某个值的类型不对，或函数收到的参数个数不对。")),
    (IndexError, Hint("An index is out of range: check the sizes and remember that counting starts at 0.",
                      "索引越界：请检查大小，并记住下标从 0 开始。")),
    (KeyError, Hint("A dictionary has no entry for that key: was every character added to it?",
                    "字典里没有这个键：是否把每个字符都加进去了？")),
    (ValueError, Hint("A value has the right type but an impossible content or shape.",
                      "值的类型正确，但内容或形状不可行。")),
    (ZeroDivisionError, Hint("Something was divided by zero: check the sizes and counts you divide by.",
                             "出现了除以零：请检查作为除数的大小和计数。")),
)
NOT_ATTEMPTED = Hint("not attempted yet — replace `raise NotImplementedError()` with your code",
                     "尚未作答：请把 `raise NotImplementedError()` 换成你的代码")
_GENERIC_EXPLANATION = Hint("Fix the cause named in the message, then rerun this cell.",
                            "请根据错误信息修改代码，然后重新运行本单元格。")


def run_check(exercise: str, cases: Iterable[Case], *, compare: Compare | None = None,
              hint: HintFinder | None = None) -> CheckResult:
    """Run `cases` in order and report the first one that is not right (or that all pass).

    `compare(expected, got)` decides equality (default `values_equal`); `hint(case, got)` may
    return advice for a wrong answer, e.g. "did you forget `return_sequences=True`?".
    """
    compare = compare or values_equal
    count = 0
    for case in cases:
        count += 1
        call = describe_call(case)
        try:
            got = case.function(*copy.deepcopy(case.args))
        except Exception as error:
            if is_untouched_stub(error):
                return _report(exercise, Status.NOT_ATTEMPTED,
                               f"{exercise}: {NOT_ATTEMPTED.english} · {NOT_ATTEMPTED.chinese}")
            explanation = explain_error(error)
            return _report(exercise, Status.ERROR, (
                f"{exercise}: your code raised an error · 代码运行出错 — {call} raised "
                f"{type(error).__name__}: {preview_text(str(error), 100)}. "
                f"{explanation.english} · {explanation.chinese}"))
        if not _safely(compare, case.expected, got):
            advice = _safely(hint, case, got) if hint else None
            advice_text = f" {advice.english} · {advice.chinese}" if isinstance(advice, Hint) else ""
            return _report(exercise, Status.FAIL, (
                f"{exercise}: wrong answer · 答案有误 — {call}: expected · 期望 {preview(case.expected)}, "
                f"got · 实际 {preview(got)}.{advice_text}"))
    return _report(exercise, Status.PASS, f"{exercise}: all {count} cases pass · 全部 {count} 个测试用例通过")


def is_untouched_stub(error: BaseException) -> bool:
    """The one rule for "not attempted": the bare `raise NotImplementedError()` of a generated stub.

    Libraries raise NotImplementedError with a message that says what is missing; that is a real error.
    """
    return type(error) is NotImplementedError and not error.args


@dataclasses.dataclass
class Attempt:
    """A block of a lesson cell that uses a learner's functions; `finished` once it ran to its end.

    An untouched stub inside it prints the not-attempted line and skips the rest of the block; any other
    error, in the learner's finished code or anywhere else, propagates with its traceback.
    """

    finished: bool = False

    def __enter__(self) -> Attempt:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> bool:
        if error is None:
            self.finished = True
            return False
        if not is_untouched_stub(error):
            return False
        while traceback.tb_next is not None:  # the innermost frame is the stub's own function
            traceback = traceback.tb_next
        exercise = traceback.tb_frame.f_code.co_name
        _report(exercise, Status.NOT_ATTEMPTED, (
            f"{exercise}: {NOT_ATTEMPTED.english}; until then the rest of this cell is skipped · "
            f"{NOT_ATTEMPTED.chinese}；在此之前，本单元格的其余部分暂不运行"))
        return True


def when_attempted() -> Attempt:
    """`with cr.checks.when_attempted():` runs what follows only when the learner's functions are written."""
    return Attempt()


def values_equal(expected: Any, got: Any) -> bool:
    """Equal values, treating lists, tuples and arrays alike and floats within 1e-5."""
    if isinstance(expected, np.ndarray):
        got = np.asarray(got)
        if got.shape != expected.shape:
            return False
        if np.issubdtype(expected.dtype, np.number) and np.issubdtype(got.dtype, np.number):
            return bool(np.allclose(got, expected, rtol=1e-5, atol=1e-5))
        return bool(np.array_equal(got, expected))
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple, np.ndarray)) or len(got) != len(expected):
            return False
        return all(values_equal(item, got_item) for item, got_item in zip(expected, got, strict=True))
    if isinstance(expected, float):
        return isinstance(got, (int, float, np.number)) and bool(np.isclose(got, expected, rtol=1e-5, atol=1e-5))
    return bool(got == expected)


def explain_error(error: BaseException) -> Hint:
    """A bilingual explanation of what this kind of exception usually means in an exercise."""
    for kind, explanation in _ERROR_EXPLANATIONS:
        if isinstance(error, kind):
            return explanation
    return _GENERIC_EXPLANATION


def describe_call(case: Case) -> str:
    """The call as a learner would write it, e.g. `one_hot([2, 0], 5)`."""
    name = getattr(case.function, "__name__", "function")
    return f"{name}({', '.join(preview_text(repr(argument), 40) for argument in case.args)})"


def preview(value: Any, width: int = 100) -> str:
    """A one-line, length-limited repr; arrays show their shape and dtype first."""
    if isinstance(value, np.ndarray):
        body = np.array2string(value, separator=", ", threshold=30, edgeitems=2, precision=4, suppress_small=True)
        return preview_text(f"array{value.shape} {value.dtype} {body}", width)
    return preview_text(repr(value), width)


def preview_text(text: str, width: int) -> str:
    """Fold `text` onto one line and cut it at `width` characters."""
    text = re.sub(r"\s*\n\s*", " ", text.strip())
    return text if len(text) <= width else text[: width - 1] + "…"


def _safely(function: Callable[..., Any], *args: Any) -> Any:
    """Run a comparison or hint on the learner's value; a value that breaks it is simply not equal."""
    try:
        return function(*args)
    except Exception:
        return None


def _report(exercise: str, status: Status, text: str) -> CheckResult:
    """Print the one feedback line; in strict mode turn a fail or an error into an exception."""
    result = CheckResult(exercise, status, f"{SYMBOLS[status]} {text}")
    print(result.message, flush=True)
    if status in (Status.FAIL, Status.ERROR) and strict_checks():
        raise CheckFailure(result)
    return result
