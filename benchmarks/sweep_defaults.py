"""Do the default settings learn? A few candidate settings at one budget on every catalog corpus.

    python benchmarks/sweep_defaults.py                         # every corpus, 3,000 steps: hours on 2 cores
    python benchmarks/sweep_defaults.py --steps 300 --corpora anna tang --candidates seeds lr0.005-bias

Each candidate changes only the learning rate, the dropout keep probability and whether the output bias
starts at the log character frequencies; everything else is `TrainConfig`'s default, as `charrnn train
--dataset NAME` would use it. Every run has the same budget (steps, seed, text) and reports its best
validation bits per character. The table marks each candidate within `--tolerance` bpc of the best of its
corpus; a default should be marked on every corpus. A corpus that is not on this machine is skipped.
"""

from __future__ import annotations

import argparse
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported anywhere

from charrnn_lib import datasets
from charrnn_lib.config import TrainConfig
from charrnn_lib.lessons.experiments import Experiment, ExperimentResult, load_corpora, run_experiments

# name: the knobs it changes from TrainConfig's defaults. "seeds" is the seed lessons' recipe.
CANDIDATES = {
    "seeds": {"learning_rate": 0.001, "train_keep_prob": 0.5, "unigram_output_bias": False},
    "lr0.002-bias": {"learning_rate": 0.002, "train_keep_prob": 0.5, "unigram_output_bias": True},
    "lr0.005-bias": {"learning_rate": 0.005, "train_keep_prob": 0.5, "unigram_output_bias": True},
    "lr0.005-keep0.8": {"learning_rate": 0.005, "train_keep_prob": 0.8, "unigram_output_bias": False},
    "lr0.005-keep0.65-bias": {"learning_rate": 0.005, "train_keep_prob": 0.65, "unigram_output_bias": True},
    "lr0.005-keep0.8-bias": {"learning_rate": 0.005, "train_keep_prob": 0.8, "unigram_output_bias": True},
    "lr0.01-keep0.8-bias": {"learning_rate": 0.01, "train_keep_prob": 0.8, "unigram_output_bias": True},
}


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", nargs="+", default=sorted(datasets.Catalog.read().corpora),
                        help="catalog corpora to train on (default: all)")
    parser.add_argument("--candidates", nargs="+", choices=sorted(CANDIDATES), default=list(CANDIDATES))
    parser.add_argument("--steps", type=int, default=3000, help="training steps of every run")
    parser.add_argument("--max-chars", type=int, default=2_000_000, help="characters read from each corpus")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tolerance", type=float, default=0.1, help="bpc from the best that still counts as good")
    return parser.parse_args()


def sweep(arguments: argparse.Namespace) -> list[ExperimentResult]:
    """Train every candidate on every corpus that is here; print the note for each one that is not."""
    texts, notes = load_corpora(arguments.corpora, arguments.max_chars)
    for note in notes:
        print(note, flush=True)
    base = TrainConfig.from_knobs(max_steps=arguments.steps, save_every_n=max(1, arguments.steps // 10),
                                  seed=arguments.seed)
    grid = [Experiment(f"{corpus}-{name}", corpus, CANDIDATES[name], setting=name)
            for corpus in texts for name in arguments.candidates]
    with tempfile.TemporaryDirectory() as run_root:
        return run_experiments(grid, base, texts, run_root=run_root, verbose=1)


def report(results: list[ExperimentResult], candidates: list[str], tolerance: float) -> str:
    """A markdown table: best validation bpc per corpus (rows) and candidate (columns); `*` within `tolerance`."""
    bpc = {(result.corpus, result.setting): result.best_val_bpc for result in results}
    corpora = list(dict.fromkeys(result.corpus for result in results))
    lines = ["| corpus | unigram bpc | " + " | ".join(candidates) + " | best |",
             "| :--- | ---: | " + " | ".join("---:" for _ in candidates) + " | :--- |"]
    good_everywhere = set(candidates)
    for corpus in corpora:
        best = min(candidates, key=lambda name: bpc[corpus, name])
        good = {name for name in candidates if bpc[corpus, name] <= bpc[corpus, best] + tolerance}
        good_everywhere &= good
        unigram = next(result.unigram_bpc for result in results if result.corpus == corpus)
        cells = [f"{bpc[corpus, name]:.3f}{'*' if name in good else ''}" for name in candidates]
        lines.append(f"| {corpus} | {unigram:.3f} | " + " | ".join(cells) + f" | {best} |")
    lines.append("")
    lines.append(f"Within {tolerance} bpc of the best on every corpus: {', '.join(sorted(good_everywhere)) or 'none'}")
    return "\n".join(lines)


def main() -> None:
    arguments = parse_arguments()
    results = sweep(arguments)
    print(f"\n{arguments.steps} steps, seed {arguments.seed}, up to {arguments.max_chars:,} characters per corpus; "
          "best validation bpc (* within the tolerance of the row's best)\n")
    print(report(results, arguments.candidates, arguments.tolerance))


if __name__ == "__main__":
    main()
