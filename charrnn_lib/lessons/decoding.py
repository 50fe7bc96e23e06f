"""Numbers that compare decoding rules: repetition (distinct-n), copying (verbatim share), the model's surprise."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

import numpy as np

from charrnn_lib.config import require_positive_whole_numbers

WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Distinct n-grams of characters over all n-grams in `texts`: near 1 is varied, near 0 repeats itself."""
    require_positive_whole_numbers(n=n)
    grams = [text[start:start + n] for text in texts for start in range(len(text) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def words(text: str) -> list[str]:
    """The English words of `text`, lower-cased (an apostrophe inside a word keeps it whole: "what's")."""
    return [word.lower() for word in WORD.findall(text)]


def verbatim_share(pieces: Iterable[str], corpus_pieces: Collection[str]) -> float:
    """The share of `pieces` (words, lines) found verbatim among `corpus_pieces`: 1 - novelty."""
    pieces = list(pieces)
    return sum(piece in corpus_pieces for piece in pieces) / len(pieces) if pieces else 0.0


def bits_per_generated_character(logits: np.ndarray, ids: Sequence[int], start: int) -> float:
    """How surprised the model is by `ids[start:]`: mean -log2 p(id_t | the ids before), in bits.

    Unlike `charrnn_lib.history.bits_per_character`, which converts a loss from nats, this scores a text: the
    model's own samples, read back (lesson 10 compares decoding rules by it).

    `logits` `(time, vocab_size)` is what the model computed after each id (row t predicts id t+1), read
    from a fresh state; `start` ≥ 1 skips the prime, which the model did not choose.
    """
    logits = np.asarray(logits, dtype=np.float64)  # (time, vocab_size)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))  # natural log
    targets = np.asarray(ids)[start:]  # (generated,)
    chosen = log_probabilities[np.arange(start - 1, len(ids) - 1), targets]
    return float(-chosen.mean() / np.log(2))
