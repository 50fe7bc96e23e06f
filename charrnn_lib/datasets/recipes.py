"""Recipes: raw material (a file, an npm tarball, the standard library) → the prepared text of a corpus.

Each recipe is a plain function of its input, so a test can run it on a small hand-made sample.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import re
import tarfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from charrnn_lib.datasets.catalog import Source
from charrnn_lib.errors import CorpusError, DatasetError
from charrnn_lib.han import COUPLET, HAN_CHARACTERS, to_simplified
from charrnn_lib.text import read_corpus

_EDITORIAL_NOTE = re.compile(r"[(（][^)）]*[)）]")  # "(明年 一作：年年)": variant readings, not the poem
_GUTENBERG_START = re.compile(
    r"^\*\*\*\s*START OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK.*$", re.MULTILINE | re.IGNORECASE
)
_GUTENBERG_END = re.compile(
    r"^(?:\*\*\*\s*END OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK|End of (?:the )?Project Gutenberg).*$",
    re.MULTILINE | re.IGNORECASE,
)
_AOZORA_RULE = re.compile(r"^-{20,}$", re.MULTILINE)
_AOZORA_COLOPHON = re.compile(r"^底本：", re.MULTILINE)
_AOZORA_MARKUP = re.compile(r"《[^》]*》|［＃[^］]*］|｜")
_SKIPPED_PYTHON_FOLDERS = frozenset({"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__"})



def strip_gutenberg(text: str) -> str:
    """Keep the book only: drop Project Gutenberg's header (up to `*** START …`) and trailer (from `*** END …`)."""
    start = _GUTENBERG_START.search(text)
    if start:
        text = text[start.end():]
    end = _GUTENBERG_END.search(text)
    if end:
        text = text[: end.start()]
    return text.strip() + "\n"


def strip_aozora(text: str) -> str:
    """Keep the story only: drop Aozora Bunko's notation header, colophon, ruby readings and editor notes."""
    rules = list(_AOZORA_RULE.finditer(text))
    if len(rules) >= 2:
        text = text[: rules[0].start()] + text[rules[1].end():]
    colophon = _AOZORA_COLOPHON.search(text)
    if colophon:
        text = text[: colophon.start()]
    text = _AOZORA_MARKUP.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def read_tarball_json(tarball: str | os.PathLike, pattern: str) -> list[Any]:
    """The JSON members of a tarball matching `pattern`, in natural order (`…2000.json` before `…10000.json`)."""
    found = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            if member.isfile() and fnmatch.fnmatchcase(member.name, pattern):
                found[member.name] = json.load(archive.extractfile(member))
    if not found:
        raise DatasetError(
            f"No member of {tarball} matches {pattern!r}; the package layout changed.",
            f"{tarball} 中没有与 {pattern!r} 匹配的文件；软件包的目录结构变了。",
        )
    return [found[name] for name in sorted(found, key=_natural_key)]


def five_character_couplets(poems: Iterable[dict[str, Any]]) -> list[str]:
    """The lines of every poem made only of `五字，五字。` couplets (two or more; a lone couplet is a fragment)."""
    couplets = []
    for poem in poems:
        lines = poem.get("paragraphs") or []
        if len(lines) >= 2 and all(COUPLET.fullmatch(line) for line in lines):
            couplets.extend(lines)
    return couplets


def tang_couplets(poem_files: Iterable[list[dict[str, Any]]]) -> str:
    """One simplified five-character couplet per line, poems in file order."""
    couplets = five_character_couplets(poem for poems in poem_files for poem in poems)
    return to_simplified("\n".join(couplets)) + "\n"


def five_character_quatrains(poems: Iterable[dict[str, Any]]) -> list[str]:
    """The 五言绝句 among chinese-poetry poem dicts, each one traditional line 五字，五字。五字，五字。

    A quatrain has exactly two paragraphs, each a Han-only couplet 五字，五字。 (the couplet rule of `tang`).
    """
    return ["".join(poem["paragraphs"]) for poem in poems
            if len(poem.get("paragraphs") or []) == 2 and five_character_couplets([poem])]


def tang_quatrains(poem_files: Iterable[list[dict[str, Any]]], held_out_every: int = 20) -> str:
    """One simplified 五言绝句 per line, each text once; every `held_out_every`-th poem moved to the end, held out.

    The held-out poems are the last lines, so the tail that training holds out for validation is made of them.
    """
    quatrains = five_character_quatrains(poem for poems in poem_files for poem in poems)
    unique = list(dict.fromkeys(to_simplified("\n".join(quatrains)).split("\n"))) if quatrains else []
    training = [poem for index, poem in enumerate(unique) if index % held_out_every != held_out_every - 1]
    held_out = [poem for index, poem in enumerate(unique) if index % held_out_every == held_out_every - 1]
    return "".join(f"{poem}\n" for poem in training + held_out)


STRAINS_MEMBERS = "package/dist/strains/json/poet.tang.*.json"  # the package's own 平仄 marks, ids as the poems
_SERIES_NUMBER = re.compile("[一二三四五六七八九十百千〇○]+")  # 其一 in 留别四首 三: which poem of a series


def verse_lines(poem: dict[str, Any]) -> list[str]:
    """The lines of a poem whose paragraphs are all `N字，N字。` couplets with one N of 5 or 7; else []."""
    paragraphs = poem.get("paragraphs") or []
    lines = [line for paragraph in paragraphs for line in re.split("[，。]", paragraph)[:2]]
    length = len(lines[0]) if lines else 0
    couplet = re.compile(f"[{HAN_CHARACTERS}]{{{length}}}，[{HAN_CHARACTERS}]{{{length}}}。")
    if length not in (5, 7) or not all(couplet.fullmatch(paragraph) for paragraph in paragraphs):
        return []
    return lines


def follows_strains(marks: list[str]) -> bool:
    """Do a poem's own 平仄 marks (one string per line; ○ either) follow a regulated pattern?

    The rules that tell 近体 from 古体 at the fixed positions: 二四（六）分明 in each line, 对 and 粘 between lines
    (on the 2nd character), even lines end 平 and the odd lines after the first end 仄.
    """
    def fits(mark: str, tone: str) -> bool:
        return mark in (tone, "○")

    def differ(a: str, b: str) -> bool:
        return (fits(a, "平") and fits(b, "仄")) or (fits(a, "仄") and fits(b, "平"))

    for number, line in enumerate(marks):  # from 0: odd numbers close a couplet
        if not all(differ(a, b) for a, b in itertools.pairwise(line[1::2])):  # positions 2, 4 (and 6)
            return False
        if number % 2 and not (differ(marks[number - 1][1], line[1]) and fits(line[-1], "平")):
            return False  # 对, and the couplet's rhyme
        if number and number % 2 == 0 and (not fits(line[-1], "仄") or
                                           (differ(marks[number - 1][1], line[1]) and "○" not in
                                            marks[number - 1][1] + line[1])):
            return False  # 粘, and an unrhymed odd line
    return True


def clean_title(title: str) -> str:
    """A poem's title without editorial notes, series numbers (留别四首 三 → 留别四首) or `：`."""
    parts = [part for part in _EDITORIAL_NOTE.sub("", title).split() if not _SERIES_NUMBER.fullmatch(part)]
    return "".join(parts).replace("：", "").replace(":", "")


def tang_regulated(poem_files: Iterable[list[dict[str, Any]]], strain_files: Iterable[list[dict[str, Any]]],
                   held_out_every: int = 20) -> str:
    """One regulated 五言/七言 绝句 or 律诗 per line as `题目：诗`, simplified, each text once, every
    `held_out_every`-th poem moved to the end (held out).

    A poem is kept when it has 4 or 8 lines of 5 or 7 Han characters and the package's own 平仄 marks for it
    (`strains`, matched by id) follow `follows_strains`: an independent reading, not this library's.
    """
    marks_of = {entry["id"]: entry["strains"] for strains in strain_files for entry in strains}
    kept = []
    for poem in (poem for poems in poem_files for poem in poems):
        lines = verse_lines(poem)
        marks = [line for paragraph in marks_of.get(poem.get("id"), []) for line in re.split("[，。]", paragraph)[:2]]
        if len(lines) in (4, 8) and [len(m) for m in marks] == [len(line) for line in lines] and \
                follows_strains(marks):
            kept.append(f"{clean_title(poem.get('title', ''))}：{''.join(poem['paragraphs'])}")
    unique = list(dict.fromkeys(to_simplified("\n".join(kept)).split("\n"))) if kept else []
    training = [poem for index, poem in enumerate(unique) if index % held_out_every != held_out_every - 1]
    held_out = [poem for index, poem in enumerate(unique) if index % held_out_every == held_out_every - 1]
    return "".join(f"{poem}\n" for poem in training + held_out)


def tang300_poems(book: dict[str, Any]) -> str:
    """One poem per line as `形式：诗`, simplified, variant-reading notes and stray spaces removed."""
    lines = []
    for section in book["content"]:
        for poem in section["content"]:
            body = _EDITORIAL_NOTE.sub("", "".join(poem["paragraphs"])).replace(" ", "")
            lines.append(f"{section['type']}：{body}")
    return to_simplified("\n".join(lines)) + "\n"


def python_code(stdlib: str | os.PathLike, max_characters: int) -> str:
    """The standard library's own source: whole files in sorted path order, each after a `# ---- path ----` line."""
    stdlib = Path(stdlib)
    parts, total = [], 0
    for relative in _python_files(stdlib):
        try:
            source = read_corpus(stdlib / relative)
        except CorpusError:  # empty or not UTF-8: not part of the corpus
            continue
        chunk = f"# ---- {relative} ----\n{source.rstrip()}\n\n"
        if total + len(chunk) > max_characters:
            break
        parts.append(chunk)
        total += len(chunk)
    return "".join(parts)


def _from_text_file(recipe: Callable[[str], str]) -> Callable[[Path, Source], str]:
    """Adapt a text → text function into a recipe over a raw UTF-8 file."""
    return lambda raw, source: recipe(read_corpus(raw))


RECIPES: dict[str, Callable[[Path, Source], str]] = {
    "as_is": _from_text_file(lambda text: text),
    "gutenberg": _from_text_file(strip_gutenberg),
    "aozora": _from_text_file(strip_aozora),
    "tang_couplets": lambda raw, source: tang_couplets(read_tarball_json(raw, source.members)),
    "tang_quatrains": lambda raw, source: tang_quatrains(read_tarball_json(raw, source.members)),
    "tang_regulated": lambda raw, source: tang_regulated(read_tarball_json(raw, source.members),
                                                         read_tarball_json(raw, STRAINS_MEMBERS)),
    "tang300_poems": lambda raw, source: tang300_poems(read_tarball_json(raw, source.members)[0]),
    "python_stdlib": lambda raw, source: python_code(raw, source.max_characters),
}


def _python_files(stdlib: Path) -> list[str]:
    """Relative paths of the library's .py files, sorted; tests, third-party packages and build config left out."""
    found = []
    for folder, subfolders, files in os.walk(stdlib):
        subfolders[:] = [name for name in subfolders if name not in _SKIPPED_PYTHON_FOLDERS]
        for name in files:
            if name.endswith(".py") and not name.startswith("_sysconfigdata"):  # _sysconfigdata: this machine's build
                found.append((Path(folder) / name).relative_to(stdlib).as_posix())
    return sorted(found)


def _natural_key(name: str) -> list[int | str]:
    """Sort key that orders embedded numbers by value."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
