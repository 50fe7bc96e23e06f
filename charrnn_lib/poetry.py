"""Writing Tang poems: the couplet-shape metric, acrostic poems (藏头诗), and poems under a 格律 pattern.

`write_regulated` turns a tonal pattern (`prosody`) into per-position masks that the compiled sampler applies to
the logits: five or seven Han characters of the right tone, the punctuation after them, the rhyme group at the rhyme
positions, and acrostic heads at the line starts. Masks cost nothing per character, so it samples as fast as
plain sampling.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import numpy as np

from charrnn_lib import prosody
from charrnn_lib.config import SamplingSettings
from charrnn_lib.errors import ConfigError, VocabularyError
from charrnn_lib.han import COUPLET, HAN
from charrnn_lib.position_masks import PositionMasks
from charrnn_lib.sample import DEFAULT_TOP_N, Sampler
from charrnn_lib.text import TextConverter

_LINE_ROOM = 16  # characters a row of `sample_lines` allows per line: a couplet needs 12 plus the line break


def is_couplet(line: str) -> bool:
    """True when `line` has the corpus's shape: five Han characters, `，`, five Han characters, `。`."""
    return COUPLET.fullmatch(line) is not None


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


# --- Poems in a regulated form (格律) -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FormRequest:
    """A poem to write: its pattern, its rhyme group (None: the group the vocabulary stocks best), acrostic heads.

    `strict` keeps characters with both readings (中) out of the positions whose tone is fixed; by default they
    fit either class, as the check counts them.
    """

    pattern: prosody.Pattern = dataclasses.field(default_factory=prosody.Pattern)
    rhyme_group: str | None = None
    acrostic: str = ""
    strict: bool = False


def best_rhyme_group(converter: TextConverter) -> str:
    """The 平声 rhyme group with the most characters in the vocabulary: the safest default rhyme."""
    counts = {group: sum(prosody.characters_fitting(converter.vocab, prosody.PING, group))
              for group in prosody.rhyme_group_names(prosody.PING)}
    return max(counts, key=counts.get)  # first in table order on a tie


def regulated_masks(converter: TextConverter, request: FormRequest, *, couplet_break: str = "\n") -> PositionMasks:
    """What each generated position of a poem in `request.pattern` may be, one couplet per line by default.

    Character positions allow the Han characters whose tone fits the pattern there (a character with both
    readings fits either; one the rhyme table does not know fits only a free position), and the rhyme group at
    the rhyme positions; `，` and `。` follow each five characters, `couplet_break` each couplet but the last.
    Raises ConfigError or VocabularyError, before anything is sampled, for a request the vocabulary cannot meet.
    """
    pattern = request.pattern
    rhyme_group = request.rhyme_group or best_rhyme_group(converter)
    line_count, line_length = pattern.line_count, pattern.line_length
    _check_heads(converter, request.acrostic, line_count)
    han = np.zeros(converter.vocab_size, dtype=bool)  # the last id, <unk>, is never a character of the poem
    han[:len(converter.vocab)] = [HAN.fullmatch(entry) is not None for entry in converter.vocab]
    fitting: dict[tuple[str | None, bool], np.ndarray] = {}
    rows = []
    for index, rule in enumerate(pattern.requirements()):
        line, position = divmod(index, line_length)  # both from 0
        if (rule.tone, rule.rhyme) not in fitting:
            group = rhyme_group if rule.rhyme else None
            fits = prosody.characters_fitting(converter.vocab, rule.tone, group, strict=request.strict)
            fitting[rule.tone, rule.rhyme] = han & np.array([*fits, False])
        allowed = fitting[rule.tone, rule.rhyme]
        if not allowed.any():
            raise ConfigError(
                f"No character the model knows can end a rhymed line in the rhyme group {rhyme_group}; "
                "choose another group (--rhyme).",
                f"模型认识的字中没有属于 {rhyme_group} 韵、可以作韵脚的字；请换一个韵部（--rhyme）。",
            )
        if position == 0 and request.acrostic:
            allowed = _head_mask(converter, request.acrostic[line], allowed, line, pattern)
        rows.append(allowed)
        if position == line_length - 1:
            rows.append(_only(converter, "，" if line % 2 == 0 else "。"))
            if line % 2 == 1 and line < line_count - 1 and couplet_break:
                rows.append(_only(converter, couplet_break))
    return PositionMasks.from_array(np.stack(rows))


def write_regulated(sampler: Sampler, request: FormRequest, settings: SamplingSettings | None = None, *,
                    num_samples: int = 1, seed: int | None = None, couplet_break: str = "\n",
                    **changes: Any) -> list[str]:
    """`num_samples` poems that follow `request`'s tonal pattern and rhyme, one couplet per line, each drawn once
    by `settings` with `changes` made, as `Sampler.sample` takes them (`poet.compose` chooses among several)."""
    masks = regulated_masks(sampler.converter, request, couplet_break=couplet_break)
    return sampler.sample("", len(masks.rows), settings, num_samples=num_samples, seed=seed, constraints=masks,
                          **changes)


def character_log_probabilities(sampler: Sampler, text: str, *, allow_unknown: bool = False) -> np.ndarray:
    """`(len(text),)` nats: log p(each character | a line break and the text before it), from a fresh state.

    `allow_unknown` scores characters outside the vocabulary as `<unk>` instead of refusing the text.
    """
    ids = sampler.prime_ids(text, allow_unknown)  # a hidden line break, then the text: (1 + len(text),)
    logits = np.asarray(_fresh_logits(sampler, ids[:-1]), dtype=np.float64)  # (len(text), vocab_size)
    log_probabilities = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)
    return log_probabilities[np.arange(len(ids) - 1), ids[1:]]


def log_likelihood_per_character(sampler: Sampler, texts: Iterable[str]) -> float:
    """The model's mean log-probability (nats) of each character of `texts`, each read from a fresh state.

    What a constraint costs: poems the masks force away from the model's own choices score lower.
    """
    scores = [character_log_probabilities(sampler, text) for text in texts if text]
    if not scores:
        raise ConfigError("No text to score: pass at least one non-empty text.",
                          "没有可评分的文本：请至少传入一个非空文本。")
    return float(np.concatenate(scores).mean())


def _fresh_logits(sampler: Sampler, ids: np.ndarray):
    """The model's logits for each of `ids`, from a zero state, leaving the model's carried state as it was."""
    from charrnn_lib.model import fresh_state  # keras: imported when a model is scored

    batch = sampler.model.inputs[0].shape[0] or 1
    with fresh_state(sampler.model):
        return sampler.model(np.broadcast_to(ids, (batch, len(ids))), training=False)[0]  # (len(ids), vocab_size)


def _check_heads(converter: TextConverter, heads: str, line_count: int) -> None:
    if heads and len(heads) != line_count:
        raise ConfigError(f"An acrostic for a {line_count}-line poem needs {line_count} head characters, got "
                          f"{heads!r}.", f"{line_count} 句的诗需要 {line_count} 个藏头字，收到 {heads!r}。")
    unknown = converter.unknown_characters(heads)
    if unknown:
        raise VocabularyError(f"The model never saw these head characters: {' '.join(unknown)}; choose others.",
                              f"模型没有见过这些藏头字：{' '.join(unknown)}；请换成别的字。")


def _head_mask(converter: TextConverter, head: str, allowed: np.ndarray, line: int,
               pattern: prosody.Pattern) -> np.ndarray:
    """Only `head` at a line start, refused when the pattern forbids its tone there."""
    head_id = int(converter.encode(head)[0])
    if not allowed[head_id]:
        mark = prosody.tone_marks(head)
        raise ConfigError(
            f"The head {head!r} ({mark}) cannot open line {line + 1} of a {pattern.form} {pattern.start} poem, "
            f"whose first character there must be {pattern.lines[line][0]}; choose another head, or the other "
            "pattern (--pattern).",
            f"藏头字“{head}”（{mark}）不能作第 {line + 1} 句的首字：{pattern.chinese_name}在这里要求"
            f"{pattern.lines[line][0]}声；请换一个藏头字，或换另一种起式（--pattern）。",
        )
    return _only(converter, head)


def _only(converter: TextConverter, character: str) -> np.ndarray:
    if character not in converter.vocab:
        raise VocabularyError(f"The model's vocabulary has no {character!r}, which the form needs.",
                              f"模型的词表中没有格式所需的 {character!r}。")
    mask = np.zeros(converter.vocab_size, dtype=bool)
    mask[converter.encode(character)] = True
    return mask

