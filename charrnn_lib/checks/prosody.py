"""Checks for lesson 9 (格律, tonal patterns and rhyme), against the reference in `charrnn_lib.prosody` and `poetry`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from charrnn_lib import prosody
from charrnn_lib.checks.core import Case, CheckResult, Hint, run_check, values_equal
from charrnn_lib.errors import ConfigError
from charrnn_lib.poetry import FormRequest, regulated_masks
from charrnn_lib.text import TextConverter

# Lines with 入声 characters Mandarin reads as level (白 国 一 出 十 石 竹 月 ...), characters Tang poets read
# both ways (看 思 三 相: 中), and 不, which the 平水韵 also lists under a level group but verse reads 仄.
MARK_LINES = ("白日依山尽", "国破山河在", "一去二三里", "出门看落月", "竹石思故国", "春风不相识")
# (line, its line type): lines that keep the rules, break 二四分明, 孤平 or 三平尾, and lines with a 中 character.
FAULT_LINES = (
    ("白日依山尽", "仄仄平平仄"),
    ("春风不相识", "平平平仄仄"),
    ("明月何时来", "仄仄仄平平"),
    ("客路青山外", "仄仄平平仄"),
    ("独坐幽篁里", "仄仄平平仄"),
    ("醉卧不知归", "平平仄仄平"),
    ("看山看水来", "仄仄仄平平"),
    ("过客不知归", "平平仄仄平"),
    ("一去不回还", "仄仄仄平平"),
    ("客来白日归", "平平仄仄平"),
    ("落日照大旗", "仄仄平平仄"),
)
PER_LINE_RULES = ("alternation", "lone_level", "triple_level_tail")  # the rules one line can break on its own
# A small vocabulary: 平, 仄 and 中 characters of several rhyme groups, punctuation, a line break and a Latin letter.
MASK_VOCABULARY = tuple("山风春来明花时天红中东人心看思月日白国客夜鸟水石上去，。\nA")
# (pattern, rhyme group, line, position), lines and positions counted from 1.
MASK_POSITIONS = (
    (prosody.Pattern("wujue", "zeqi", False), "东", 2, 5),
    (prosody.Pattern("wujue", "zeqi", False), "真", 3, 5),
    (prosody.Pattern("wujue", "pingqi", True), "东", 1, 5),
    (prosody.Pattern("wujue", "zeqi", False), "东", 1, 2),
    (prosody.Pattern("wujue", "pingqi", False), "真", 4, 1),
    (prosody.Pattern("wujue", "zeqi", False), "真", 4, 3),
    (prosody.Pattern("wujue", "zeqi", False), "东", 1, 1),
)


def check_mark_tones(learner_mark_tones: Callable[[str], str]) -> CheckResult:
    """`mark_tones(line)`: one mark per character, 平, 仄, 中 (both classes) or ？ (unknown), from the 平水韵."""
    cases = [Case(learner_mark_tones, (line,), prosody.tone_marks(line)) for line in MARK_LINES]
    return run_check("mark_tones", cases, hint=_mark_tones_hint)


def _mark_tones_hint(case: Case, got: Any) -> Hint | None:
    expected = case.expected
    if not isinstance(got, str) or len(got) != len(expected):
        return Hint("Return one string with one mark per character, e.g. '仄仄平平仄' for a five-character line.",
                    "请返回一个字符串，每个字一个标记，例如五字句返回“仄仄平平仄”。")
    wrong = [(want, have) for want, have in zip(expected, got, strict=True) if want != have]
    if wrong and all(want == "仄" and have == "平" for want, have in wrong):
        return Hint("Some 仄 characters came out 平: Mandarin tones misread the old 入声 (entering tone), "
                    "e.g. 白 国 一 are 仄. Read the class from the 平水韵 groups (cr.prosody.rhyme_groups), "
                    "not from pinyin.",
                    "有些仄声字被标成了平：普通话声调会把古入声字读成平声，例如白、国、一都是仄声。请用平水韵韵部"
                    "（cr.prosody.rhyme_groups）判断，不要用拼音。")
    if wrong and all(want in "平仄" and have == "中" for want, have in wrong):
        return Hint("Some characters came out 中 that Tang poets read one way only: the rhyme table lists every "
                    "reading a character ever had (不 under a level group too), but in verse 不 is 仄. Take the "
                    "groups from cr.prosody.rhyme_groups, which keeps only a character's common readings.",
                    "有些字被标成了“中”，其实唐代诗人只按一种读法用它：韵表收录一个字历来的所有读音（“不”也收在"
                    "平声韵部里），但在诗里“不”是仄声。请用 cr.prosody.rhyme_groups 取韵部，它只保留一个字通常的读法。")
    if wrong and all(want == "中" for want, _ in wrong):
        return Hint("A character listed under a 平 group and a 仄 group (看, 思) is 中: it fits either class. "
                    "Look at all of its groups, not only the first.",
                    "同时属于平声韵部和仄声韵部的字（看、思）标作“中”：平仄皆可。请查看它的所有韵部，而不只是第一个。")
    return None


def check_line_faults(learner_line_faults: Callable[[str, str], list[str]]) -> CheckResult:
    """`line_faults(line, line_type)`: the sorted names of the per-line rules the line breaks (empty: none)."""
    cases = [Case(learner_line_faults, (line, line_type), reference_line_faults(line, line_type))
             for line, line_type in FAULT_LINES]
    return run_check("line_faults", cases, compare=_same_rules, hint=_line_faults_hint)


def reference_line_faults(line: str, line_type: str) -> list[str]:
    """The library's verdict on one line: check it as line k of the 仄起 quatrain, whose lines are the four types."""
    pattern = prosody.Pattern("wujue", "zeqi", False)
    number = pattern.lines.index(line_type) + 1
    poem = ["白日依山尽"] * 4  # the other lines only fill the poem: the per-line rules never look at them
    poem[number - 1] = line
    report = prosody.check_poem(poem, pattern)
    return sorted(name for name in PER_LINE_RULES if any(v.line == number for v in report.rules[name].violations))


def _same_rules(expected: list[str], got: Any) -> bool:
    return isinstance(got, (list, tuple, set)) and sorted(got) == expected


def _line_faults_hint(case: Case, got: Any) -> Hint | None:
    line, line_type = case.args
    if not isinstance(got, (list, tuple, set)) or not set(got) <= set(PER_LINE_RULES):
        return Hint(f"Return a list of rule names, each one of {list(PER_LINE_RULES)}; [] when the line is fine.",
                    f"请返回规则名的列表，每个名字取自 {list(PER_LINE_RULES)}；没有违反时返回 []。")
    classes = prosody.tone_classes(line)
    got = set(got)
    if "lone_level" in got and line_type != "平平仄仄平":
        return Hint("孤平 (lone level) concerns only a 平平仄仄平 line: its only other 平 must not vanish.",
                    "孤平只针对“平平仄仄平”句：不能只剩韵脚之外的一个平声字。")
    if prosody.BOTH in classes and got != set(case.expected):
        return Hint("This line has a 中 character (both classes): it satisfies whichever class a rule needs.",
                    "这一句有“中”字（平仄两读）：无论规则要求平还是仄，它都算符合。")
    if "triple_level_tail" in case.expected and "triple_level_tail" not in got:
        return Hint("三平尾: look at the last three characters; all three 平 breaks the rule.",
                    "三平尾：看最后三个字，三个都是平声就违反了规则。")
    return None


def check_position_mask(learner_position_mask: Callable[..., np.ndarray]) -> CheckResult:
    """`position_mask(converter, pattern, rhyme_group, line, position)`: (vocab_size,) bool, True where allowed."""
    converter = TextConverter(list(MASK_VOCABULARY))

    def position_mask(*args) -> Any:
        try:
            return learner_position_mask(*args)
        except ConfigError as error:  # e.g. a level rhyme group asked for at an oblique position
            return RefusedByTheLibrary(error)

    cases = [Case(position_mask, (converter, pattern, group, line, position),
                  reference_position_mask(converter, pattern, group, line, position))
             for pattern, group, line, position in MASK_POSITIONS]
    return run_check("position_mask", cases, compare=_same_mask, hint=_position_mask_hint)


class RefusedByTheLibrary:
    """What `position_mask` gave when the library refused its request: shown as the error, given a hint."""

    def __init__(self, error: ConfigError) -> None:
        self.error = error

    def __repr__(self) -> str:
        return f"ConfigError: {self.error.english.rstrip('.')}"


def reference_position_mask(converter: TextConverter, pattern: prosody.Pattern, rhyme_group: str, line: int,
                            position: int) -> np.ndarray:
    """The row `regulated_masks` uses at that character: without couplet breaks each line takes 6 rows."""
    masks = regulated_masks(converter, FormRequest(pattern, rhyme_group), couplet_break="")
    return masks.to_array()[(line - 1) * 6 + position - 1]  # (vocab_size,)


def _same_mask(expected: np.ndarray, got: Any) -> bool:
    got = np.asarray(got)
    return got.shape == expected.shape and got.dtype == bool and bool(np.array_equal(got, expected))


def _position_mask_hint(case: Case, got: Any) -> Hint | None:
    converter, pattern, group, line, position = case.args
    rule = pattern.requirements()[(line - 1) * pattern.line_length + position - 1]
    if isinstance(got, RefusedByTheLibrary):
        mark = {"ping": "平", "ze": "仄"}.get(rule.tone, rule.tone)
        return Hint(f"The rhyme group only applies where the pattern rhymes: character {position} of line {line} "
                    f"must be {mark} ({rule.tone}) and does not rhyme, and the level group {group} holds no {mark} "
                    "character, so characters_fitting refused. Pass the group only where rule.rhyme is true.",
                    f"韵部只在格式要求押韵的位置起作用：第 {line} 句第 {position} 字要求{mark}声、不押韵，"
                    f"而平声韵部 {group} 里没有{mark}声字，所以 characters_fitting 拒绝了。"
                    "只在 rule.rhyme 为真时才传入韵部。")
    got = np.asarray(got)
    if got.shape != (converter.vocab_size,) or got.dtype != bool:
        return Hint(f"Return a boolean array of shape (vocab_size,) = ({converter.vocab_size},): one entry per id, "
                    "<unk> included.",
                    f"请返回形状为 (vocab_size,) = ({converter.vocab_size},) 的布尔数组：每个编号一项，包括 <unk>。")
    vocab = list(converter.vocab)
    if got[converter.unk_id]:
        return Hint("<unk> (the last id) stands for any rare character: it can never be placed in a poem.",
                    "<unk>（最后一个编号）代表任何罕见字，不能放进诗里。")
    if any(got[index] for index, entry in enumerate(vocab) if prosody.tone_classes(entry) == [prosody.UNKNOWN]):
        return Hint("Only Han characters may take a character position: punctuation, line breaks and letters "
                    "(whose class is unknown) must be False.",
                    "字的位置只能放汉字：标点、换行和字母（声调未知）都必须为 False。")
    tone_only = np.array([*prosody.characters_fitting(vocab, rule.tone), False])
    if rule.rhyme and values_equal(tone_only, got):
        return Hint(f"Line {line} rhymes: at its last character keep only characters of the rhyme group {group}.",
                    f"第 {line} 句押韵：句末只保留 {group} 韵的字。")
    if not rule.rhyme and position == 5 and values_equal(tone_only & _in_group(vocab, group), got):
        return Hint(f"Line {line} does not rhyme in this pattern: its last character only needs the tone "
                    f"{rule.tone}; the rhyme falls on the even lines (and line 1 only when it is rhymed).",
                    f"在这种格式里第 {line} 句不押韵：句末只需符合声调；韵脚在偶数句（首句入韵时也包括第 1 句）。")
    return None


def _in_group(vocab: list[str], group: str) -> np.ndarray:
    return np.array([*prosody.characters_fitting(vocab, None, group), False])
