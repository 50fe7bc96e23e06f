"""Measure what `charrnn poem` writes, the way the 格律 issue asks: many seeds of the default command.

    python tools/measure_poet.py --form wujue --out poems_wujue.txt            # charrnn poem's defaults
    python tools/measure_poet.py --form qilv --num_samples 10 -- --top_p 0.9  # flags after -- go to charrnn poem
    python tools/verse_readers.py poems_wujue.txt                               # the independent readers
    python tools/judge_verse.py poems_wujue.txt real_wujue.txt                  # the judge's AUC

Writes the poems one per line (couplets joined) and prints: the share that passes the library's check, the
share of distinct two-character openings, the mean repeated characters per poem, how many couplets occur word
for word in the training corpus (`--corpus`, default: the run's provenance), the rhyme groups used, and the time.
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np

from charrnn_lib import backend, datasets, poet, prosody
from charrnn_lib.cli import build_parser
from charrnn_lib.cli.poem import poems_from_args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--form", default="wujue")
    parser.add_argument("--num_samples", type=int, default=20, help="poems per seed")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 1..N")
    parser.add_argument("--corpus", help="catalog corpus the model was trained on, for copied couplets")
    parser.add_argument("--out", help="file for the poems, one per line")
    parser.add_argument("poem_flags", nargs="*", help="more `charrnn poem` flags (after --)")
    args = parser.parse_args(argv)
    backend.load()
    started, poems = time.perf_counter(), []
    for seed in range(1, args.seeds + 1):
        poem_args = build_parser().parse_args(["poem", "--form", args.form, "--num_samples", str(args.num_samples),
                                               "--seed", str(seed), *args.poem_flags])
        pattern, written = poems_from_args(poem_args)
        poems += written
    seconds = time.perf_counter() - started
    texts = [poem.text for poem in poems]
    openings = len({text[:2] for text in texts}) / len(texts)
    repeats = np.mean([poet.repeated_characters(text) for text in texts])
    passed = np.mean([prosody.check_poem(text, pattern).passed for text in texts])
    print(f"{len(texts)} poems ({args.form}) in {seconds:.0f} s; library check {passed:.1%}; "
          f"distinct openings {openings:.1%}; repeated characters per poem {repeats:.2f} "
          f"(limit {poet.REPEAT_LIMITS[args.form]})")
    if args.corpus:
        index = poet.CoupletIndex.from_text(datasets.load(args.corpus))
        copied = sum(len(index.copied(text)) for text in texts)
        print(f"couplets copied from {args.corpus}: {copied} of {sum(text.count('。') for text in texts)}")
    print("rhyme groups:", dict(collections.Counter(poem.rhyme_group for poem in poems).most_common()))
    print("examples:", *(f"{poem.title}｜{poem.text.replace(chr(10), '')}" for poem in poems[:4]), sep="\n  ")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write("".join(text.replace("\n", "") + "\n" for text in texts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
