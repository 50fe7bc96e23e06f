"""Measure regulated verse (格律) from a trained poetry model: the figures the README records.

    python tools/measure_regulated.py                      # the shipped pretrained `tang` run, 200 poems each
    python tools/measure_regulated.py --pretrained wujue   # the quatrain model (one poem per line)
    python tools/measure_regulated.py --checkpoint_path model/NAME --poems 200 --seed 1

Prints, for 五言绝句: the share of poems that pass the full check when the pattern is enforced while sampling
(50 of each of the four patterns), when it is not (the first two couplets of free samples, judged against
the best-fitting pattern; a wrong shape fails), and for the real held-out quatrains of `tang_wujue`; the
model's mean log-likelihood per character of constrained and of free poems (what the constraint costs); and
how many generated couplets and verses occur word for word in the training corpus (novelty); and, to compare
models, how likely each finds the real held-out quatrains (the line breaks of a couplet-per-line model are read
as context, not scored).
"""

from __future__ import annotations

import argparse
import itertools
import os

from charrnn_lib import backend, datasets, prosody
from charrnn_lib.errors import CharRNNError
from charrnn_lib.pretrained import load_provenance, pretrained_path

PATTERNS = [prosody.Pattern("wujue", start, rhymed) for start, rhymed in itertools.product(("zeqi", "pingqi"),
                                                                                            (False, True))]


def pass_rate(poems: list[str], pattern: prosody.Pattern | None = None) -> float:
    """Share of `poems` that pass every rule (a poem of the wrong shape fails)."""
    passed = 0
    for poem in poems:
        try:
            passed += prosody.check_poem(poem, pattern).passed
        except CharRNNError:
            pass
    return passed / len(poems)


def strict_rate(poems: list[str], pattern: prosody.Pattern) -> float:
    """Share of `poems` whose every tone-constrained position holds a character with only the required reading.

    The check lets a character with both readings (中) fit either class, as the masks do; this stricter count
    shows how much of the pass rate rests on such characters.
    """
    rules = pattern.requirements()
    strict = 0
    for poem in poems:
        characters = [char for char in poem if char not in "，。\n"]
        classes = prosody.tone_classes("".join(characters))
        strict += all(rule.tone is None or tone == rule.tone for rule, tone in zip(rules, classes, strict=True))
    return strict / len(poems)


def couplets(poem: str) -> list[str]:
    return [line for line in poem.replace("。", "。\n").split("\n") if line]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint_path", help="a run folder (default: a shipped pretrained run)")
    parser.add_argument("--pretrained", default="tang", help="the shipped run to measure: tang or wujue")
    parser.add_argument("--poems", type=int, default=200, help="poems per measurement (a multiple of 4)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # TensorFlow's INFO lines off, as in the CLI
    backend.load()  # before anything imports keras: no start-up notices
    from charrnn_lib import poetry
    from charrnn_lib.sample import Sampler

    folder = args.checkpoint_path or pretrained_path(args.pretrained)
    sampler = Sampler.from_run(folder)
    corpus_name = load_provenance(folder).get("corpus", "tang")
    couplet_break = "" if corpus_name == "tang_wujue" else "\n"  # one poem per line, or one couplet per line
    per_pattern = args.poems // len(PATTERNS)
    constrained = {pattern: poetry.write_regulated(sampler, poetry.FormRequest(pattern), num_samples=per_pattern,
                                                   seed=args.seed + index, couplet_break=couplet_break)
                   for index, pattern in enumerate(PATTERNS)}
    free_texts = sampler.sample("", 26, num_samples=args.poems, seed=args.seed)  # two couplets, or one poem
    free = [couplet_break.join(text.split("\n")[:2]) if couplet_break else text.split("\n")[0] for text in free_texts]
    held_out = datasets.load("tang_wujue").splitlines()[-185:]
    held_out_scores = []
    known = set(sampler.converter.vocab)
    for poem in held_out:  # in the model's own layout; line breaks and unknown characters are context, not scored
        text = poem.replace("。", "。" + couplet_break, 1) if couplet_break else poem
        scores = poetry.character_log_probabilities(sampler, text, allow_unknown=True)
        held_out_scores += [score for char, score in zip(text, scores, strict=True) if char != "\n" and char in known]

    try:
        corpus = datasets.load(corpus_name)
    except CharRNNError:
        corpus_name, corpus = "tang", datasets.load("tang")
    corpus_couplets = {couplet for line in corpus.splitlines() for couplet in line.replace("。", "。\n").split("\n")
                       if couplet}
    corpus_verses = {verse for line in corpus_couplets for verse in line.replace("。", "，").split("，") if verse}
    generated = [couplet for poems in constrained.values() for poem in poems for couplet in couplets(poem)]
    verses = [verse for couplet in generated for verse in couplet.replace("。", "，").split("，") if verse]

    strict = {pattern: poetry.write_regulated(sampler, poetry.FormRequest(pattern, strict=True),
                                              num_samples=per_pattern, seed=args.seed + index,
                                              couplet_break=couplet_break)
              for index, pattern in enumerate(PATTERNS)}
    all_constrained = [poem for poems in constrained.values() for poem in poems]
    all_strict = [poem for poems in strict.values() for poem in poems]
    rows = [
        ("constrained 五绝, full check (pattern enforced)",
         f"{sum(pass_rate(poems, pattern) * len(poems) for pattern, poems in constrained.items()) / args.poems:.1%}"),
        *((f"  {pattern.chinese_name}", f"{pass_rate(poems, pattern):.1%}") for pattern, poems in constrained.items()),
        ("constrained, polyphonic (中) characters counted against",
         f"{sum(strict_rate(poems, pattern) * len(poems) for pattern, poems in constrained.items()) / args.poems:.1%}"),
        ("strict constraint (--strict), 中 characters counted against",
         f"{sum(strict_rate(poems, pattern) * len(poems) for pattern, poems in strict.items()) / args.poems:.1%}"),
        ("free samples (first two couplets), best pattern", f"{pass_rate(free):.1%}"),
        ("real held-out 五绝 (tang_wujue, 185)", f"{pass_rate(held_out):.1%}"),
        ("log-likelihood per character, constrained (nats)",
         f"{poetry.log_likelihood_per_character(sampler, all_constrained):.3f}"),
        ("log-likelihood per character, strict (nats)",
         f"{poetry.log_likelihood_per_character(sampler, all_strict):.3f}"),
        ("log-likelihood per character, free (nats)", f"{poetry.log_likelihood_per_character(sampler, free):.3f}"),
        ("log-likelihood per character, real held-out quatrains (nats)",
         f"{sum(held_out_scores) / len(held_out_scores):.3f}"),
        (f"generated couplets not in {corpus_name}",
         f"{1 - sum(couplet in corpus_couplets for couplet in generated) / len(generated):.1%}"),
        (f"generated verses (5 characters) not in {corpus_name}",
         f"{1 - sum(v in corpus_verses for v in verses) / len(verses):.1%}"),
    ]
    print(f"model: {folder}; {args.poems} poems per measurement, seed {args.seed}")
    for label, value in rows:
        print(f"{label:<56} {value:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
