"""Checks for lesson 7 (AI poetry), against the reference in `charrnn_lib.poetry`."""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Callable
from typing import Any

from charrnn_lib.checks.core import Case, CheckResult, Hint, run_check, values_equal
from charrnn_lib.poetry import acrostic, complete_lines, couplet_shape_ratio
from charrnn_lib.text import TextConverter

# Generated texts: a cut-off last line, lines of 4+6 or 6+4 characters, a couplet with trailing characters,
# swapped punctuation, a text ending in a line break, and one with no complete line at all.
SHAPE_TEXTS = (
    "寒随穷律变，春逐鸟声开。\n初风飘带柳，晚雪间花梅。\n碧林青旧竹，绿",
    "山高月小，水落石出时。\n白日依山尽，黄河入海流。\n欲穷千里，目更上一层楼。\n",
    "白日依山尽，黄河入海流。欲\n欲穷千里目。更上一层楼，\n春眠不觉晓，处处闻啼鸟。\n夜来",
    "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n",
    "春眠不觉晓，处处闻啼",
)
_HEAD_POOL = "春夏秋冬"
_CHARACTER_POOL = "山水风月花鸟云天江河日夜星雪林石"


class ScriptedSampler:
    """A deterministic stand-in for `cr.Sampler`: what it writes depends on the whole prime string.

    Like the real sampler, `sample(prime, max_length)` returns a list of `num_samples` texts, each the prime
    followed by `max_length` new characters; they form couplets separated by line breaks, drawn from a
    generator seeded by the prime (so every row is the same).
    """

    def __init__(self) -> None:
        self.converter = TextConverter(list(_HEAD_POOL + _CHARACTER_POOL + "，。\n"))

    def sample(self, prime: str = "", max_length: int = 30, *, num_samples: int = 1, **_: Any) -> list[str]:
        # A leading line break changes nothing: the real sampler warms up from one anyway.
        rng = random.Random(zlib.crc32(prime.lstrip("\n").encode("utf-8")))
        line_length = len(prime.split("\n")[-1])  # characters already written on the current line
        written = ""
        while len(written) < max_length:
            position = (line_length + len(written)) % 13
            written += {5: "，", 11: "。", 12: "\n"}.get(position) or rng.choice(_CHARACTER_POOL)
        return [prime + written] * num_samples


def check_shape_ratio(learner_shape_ratio: Callable[[str], float]) -> CheckResult:
    """`shape_ratio(text)`: the share of complete lines (the cut-off last line dropped) shaped 五字，五字。."""
    cases = [Case(learner_shape_ratio, (text,), couplet_shape_ratio(complete_lines(text))) for text in SHAPE_TEXTS]
    return run_check("shape_ratio", cases, hint=_shape_ratio_hint)


def _shape_ratio_hint(case: Case, got: Any) -> Hint | None:
    (text,) = case.args
    lines = complete_lines(text)
    if values_equal(couplet_shape_ratio(text.split("\n")), got):
        return Hint("The last line is still being written when generation stops: drop it before counting.",
                    "生成停止时最后一行还没写完：计数前先去掉它。")
    if lines and values_equal(_share(lines, r"[^，。\n]{4,6}，[^，。\n]{4,6}。"), got):
        return Hint("Each half must have exactly five characters, e.g. [^，。]{5}, not {4,6}.",
                    "每半句必须恰好五个字，例如 [^，。]{5}，而不是 {4,6}。")
    if lines and values_equal(_share(lines, r"[^，。\n]{5}，[^，。\n]{5}。.*"), got):
        return Hint("The whole line must match: use re.fullmatch (re.match accepts extra characters at the end).",
                    "必须整行匹配：用 re.fullmatch（re.match 允许末尾有多余的字）。")
    if lines and values_equal(_share(lines, r".{12}"), got):
        return Hint("Twelve characters are not enough: check that '，' and '。' sit at positions 5 and 11.",
                    "只数 12 个字还不够：还要检查“，”和“。”分别在第 5 位和第 11 位。")
    return None


def _share(lines: list[str], pattern: str) -> float:
    return sum(re.fullmatch(pattern, line) is not None for line in lines) / len(lines)


def check_acrostic(learner_acrostic: Callable[..., list[str]]) -> CheckResult:
    """`write_acrostic(sampler, heads, max_line_length)`: line i starts with heads[i] and continues the poem."""
    sampler = ScriptedSampler()
    examples = (("春夏秋冬", 24), ("秋", 24), ("冬春", 8))
    cases = [Case(learner_acrostic, (sampler, heads, max_line_length),
                  acrostic(sampler, heads, max_line_length=max_line_length, top_n=1))
             for heads, max_line_length in examples]
    return run_check("acrostic", cases, hint=_acrostic_hint)


def _acrostic_hint(case: Case, got: Any) -> Hint | None:
    sampler, heads, max_line_length = case.args
    if not isinstance(got, (list, tuple)) or len(got) != len(heads):
        return Hint("Return a list with one line (a string) per head character.",
                    "请返回一个列表，每个藏头字对应一行（字符串）。")
    if [str(line)[:1] for line in got] != list(heads):
        return Hint("Line i must start with heads[i]: put the head character in front of what the model writes.",
                    "第 i 行必须以 heads[i] 开头：把藏头字放在模型所写内容的前面。")
    if any("\n" in str(line) for line in got):
        return Hint("Keep only the first line of each continuation: cut at the first '\\n'.",
                    "每次续写只保留第一行：在第一个 '\\n' 处截断。")
    alone = [head + sampler.sample(head, max_line_length)[0][1:].split("\n")[0] for head in heads]
    if values_equal(alone, got):
        return Hint("Each line must continue the poem: prime with all previous lines (each ending in '\\n') "
                    "plus the head character.",
                    "每一行都要接着整首诗往下写：用前面所有的行（每行以 '\\n' 结尾）加上藏头字作为起始字符串。")
    return None
