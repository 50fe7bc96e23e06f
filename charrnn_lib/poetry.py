"""Poetry helpers for the Tang lesson: the couplet-shape metric and acrostic poems (藏头诗)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from charrnn_lib.errors import ConfigError, VocabularyError
from charrnn_lib.sample import DEFAULT_TOP_N, Sampler

# Two five-character verses: 五字，五字。 (any character but the punctuation and line break counts).
_COUPLET = re.compile(r"[^，。\n]{5}，[^，。\n]{5}。")
_LINE_ROOM = 16  # characters a row of `sample_lines` allows per line: a couplet needs 12 plus the line break


def is_couplet(line: str) -> bool:
    """True when `line` has the corpus's shape: five characters, `，`, five characters, `。`."""
    return _COUPLET.fullmatch(line) is not None


def couplet_shape_ratio(lines: Iterable[str]) -> float:
    """Fraction of `lines` shaped like a five-character couplet (0.0 for no lines)."""
    lines = list(lines)
    return sum(map(is_couplet, lines)) / len(lines) if lines else 0.0


def complete_lines(text: str) -> list[str]:
    """The lines of generated text that ended with a line break (the last, cut-off line is dropped)."""
    return text.split("\n")[:-1]


def sample_lines(sampler: Sampler, count: int = 200, *, lines_per_row: int = 20, top_n: int | None = DEFAULT_TOP_N,
                 top_p: float | None = None, temperature: float = 1.0, seed: int | None = None) -> list[str]:
    """Exactly `count` generated lines, from samples of `lines_per_row` lines each (for the shape metric).

    Every sample starts from a fresh hidden state, like `Sampler.sample`; its first line is often less
    well formed than the rest (`lines_per_row=1` measures first lines alone). Each sample gets room for
    lines of up to 15 characters; one that has not finished its lines by then contributes its cut-off
    line and empty lines, which count as not couplet-shaped.
    """
    rows = -(-count // lines_per_row)  # ceiling division
    texts = sampler.sample("", lines_per_row * _LINE_ROOM, num_samples=rows, top_n=top_n, top_p=top_p,
                           temperature=temperature, seed=seed)
    lines = []
    for text in texts:
        row_lines = text.split("\n")[:lines_per_row]
        lines.extend(row_lines + [""] * (lines_per_row - len(row_lines)))
    return lines[:count]


def acrostic(sampler: Sampler, heads: str, *, max_line_length: int = 24, top_n: int | None = DEFAULT_TOP_N,
             top_p: float | None = None, temperature: float = 1.0, seed: int | None = None) -> list[str]:
    """An acrostic poem: line i starts with `heads[i]` and continues as the model writes it.

    Each line is generated from the poem so far plus its head character, and ends at the model's line
    break (or after `max_line_length` characters).
    """
    if not heads:
        raise ConfigError("heads must name at least one character, e.g. '春夏秋冬'.",
                          "heads 至少要包含一个字，例如“春夏秋冬”。")
    unknown = sampler.converter.unknown_characters(heads)
    if unknown:
        raise VocabularyError(
            f"The model never saw these head characters: {' '.join(unknown)}; choose others.",
            f"模型没有见过这些藏头字：{' '.join(unknown)}；请换成别的字。",
        )
    poem: list[str] = []
    for index, head in enumerate(heads):
        prime = "".join(f"{line}\n" for line in poem) + head
        [text] = sampler.sample(prime, max_line_length, top_n=top_n, top_p=top_p, temperature=temperature,
                                seed=None if seed is None else seed + index)
        continuation = text[len(prime):]
        poem.append(head + continuation.split("\n")[0])
    return poem
