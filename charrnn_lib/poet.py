"""Poems a reader would keep: candidates sampled under the 格律 masks, filtered, and ranked by the model itself.

The masks (`poetry.regulated_masks`) make every poem follow its pattern; they say nothing of whether it reads
well, and drawing one poem per request favours the model's stock phrases. For each poem, `compose`:
1. draws a rhyme group as often as Tang regulated poems rhyme in it (`prosody.rhyme_group_uses`), among the
   groups the vocabulary stocks with at least `MIN_RHYME_CHOICES` characters (unless one is asked for);
2. gives it a title: one asked for, or one the model writes itself when it was trained on titled poems
   (`题目：诗`, one poem per line; its vocabulary has the title mark `：`);
3. samples `candidates` poems under the masks, each scored with the model's own mean log-probability;
   after an opening of two characters drawn from the model's whole distribution (ranking the openings too
   would give every poem the same few: the most likely first characters of a line), one that no earlier poem
   of the call has where the draws allow;
4. keeps the most likely candidate that copies no couplet of the training text (`CoupletIndex`) and repeats
   characters no more often than most real poems of its form (`REPEAT_LIMITS`); it samples again (up to
   `ROUNDS` times) when none does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from pathlib import Path

import numpy as np

from charrnn_lib import poetry, prosody
from charrnn_lib.atomic import atomic_path
from charrnn_lib.config import PoemSettings, SamplingSettings, require_positive_whole_numbers
from charrnn_lib.errors import ConfigError
from charrnn_lib.han import HAN, HAN_CHARACTERS
from charrnn_lib.position_masks import PositionMasks
from charrnn_lib.sample import Sampler

TITLE_MARK = "："  # `题目：诗`: a vocabulary with it comes from titled poems
TITLE_ROOM = 16  # characters a generated title may take, its mark included
UNTITLED = "无题"  # the title a poem gets when the model writes none in TITLE_ROOM characters
MIN_RHYME_CHOICES = 20  # fitting characters a rhyme group needs in the vocabulary to be drawn
ROUNDS = 4  # batches of candidates sampled at most for one poem
OPENING = 2  # characters drawn from the model's whole distribution before candidates are ranked
OPENING_SETTINGS = SamplingSettings(top_n=None, top_p=None, temperature=1.0)
# Repeated characters (characters minus distinct ones) that most real poems of each form stay within: the median
# over the corpus `tang_regulated` (五绝 0 of 1,778 poems' mean 0.36; 七绝 0, mean 0.71; 五律 0, mean 0.51; 七律 1,
# mean 1.11). Keeping the poems within it keeps their mean below the real one.
REPEAT_LIMITS = {"wujue": 0, "qijue": 0, "wulv": 0, "qilv": 1}
_LINE = f"([{HAN_CHARACTERS}]{{5}}|[{HAN_CHARACTERS}]{{7}})"
_COUPLET = re.compile(f"{_LINE}，{_LINE}。")


@dataclasses.dataclass(frozen=True)
class Poem:
    """A composed poem: its title ('' for a model without titles), one couplet per line, and how it was chosen."""

    title: str
    text: str
    rhyme_group: str
    log_likelihood: float  # the model's mean log-probability of the poem's characters, nats


class CoupletIndex:
    """Fingerprints of every couplet of a text (8 bytes each), to refuse generated couplets that copy one.

    A couplet is `出句，对句。` of five or seven characters; its fingerprint is the first 8 bytes of the BLAKE2b
    hash of its characters, so the index of a corpus of 100,000 couplets takes 800 KB and no corpus text.
    """

    FILE = "couplets.npy"  # its name in a run or pretrained folder

    def __init__(self, fingerprints: np.ndarray) -> None:
        self.fingerprints = np.unique(np.asarray(fingerprints, dtype=np.uint64))

    @classmethod
    def from_text(cls, text: str) -> CoupletIndex:
        return cls(np.array([_fingerprint(first + second) for first, second in _COUPLET.findall(text)],
                            dtype=np.uint64))

    @classmethod
    def load(cls, path: str | os.PathLike) -> CoupletIndex:
        return cls(np.load(path, allow_pickle=False))

    def save(self, path: str | os.PathLike) -> None:
        with atomic_path(path, suffix=".npy") as temporary:
            np.save(temporary, self.fingerprints, allow_pickle=False)

    def __len__(self) -> int:
        return len(self.fingerprints)

    def copied(self, poem: str) -> list[str]:
        """The couplets of `poem` that the indexed text has, as `出句，对句。`."""
        found = []
        for first, second in _COUPLET.findall(poem):
            fingerprint = np.uint64(_fingerprint(first + second))
            at = np.searchsorted(self.fingerprints, fingerprint)
            if at < len(self.fingerprints) and self.fingerprints[at] == fingerprint:
                found.append(f"{first}，{second}。")
        return found


def _fingerprint(characters: str) -> int:
    return int.from_bytes(hashlib.blake2b(characters.encode("utf-8"), digest_size=8).digest(), "little")


def couplet_index_of(run_dir: str | os.PathLike) -> CoupletIndex | None:
    """The run's index of its training couplets (`couplets.npy`), or None when the run has none."""
    path = Path(run_dir) / CoupletIndex.FILE
    return CoupletIndex.load(path) if path.is_file() else None


def repeated_characters(poem: str) -> int:
    """Han characters of `poem` beyond the first use of each: 0 when no character comes twice."""
    characters = HAN.findall(poem)
    return len(characters) - len(set(characters))


def is_titled(sampler: Sampler) -> bool:
    """Was the model trained on titled poems (`题目：诗`, one per line)? Its vocabulary has the title mark."""
    return TITLE_MARK in sampler.converter.vocab


def rhyme_choices(sampler: Sampler) -> dict[str, float]:
    """The 平声 groups `compose` draws from, each with the share of Tang rhymes in it (renormalised)."""
    uses = {group: count for group, count in prosody.rhyme_group_uses().items()
            if sum(prosody.characters_fitting(sampler.converter.vocab, prosody.PING, group)) >= MIN_RHYME_CHOICES}
    total = sum(uses.values())
    return {group: count / total for group, count in uses.items()}


def compose(sampler: Sampler, pattern: prosody.Pattern, *, num_samples: int = 1, rhyme_group: str | None = None,
            title: str | None = None, acrostic: str = "", strict: bool = False,
            settings: SamplingSettings | None = None, poem_settings: PoemSettings | None = None,
            couplets: CoupletIndex | None = None, seed: int | None = None) -> list[Poem]:
    """`num_samples` poems in `pattern`, each chosen among candidates as the module docstring says.

    `rhyme_group` fixes the rhyme (default: drawn per poem), `title` the title (default: the model writes one when
    it knows titles), `couplets` the training couplets to refuse (default: none refused).
    """
    require_positive_whole_numbers(num_samples=num_samples)
    settings = SamplingSettings() if settings is None else settings
    poem_settings = PoemSettings() if poem_settings is None else poem_settings
    titled = is_titled(sampler)
    if title is not None and not titled:
        raise ConfigError("This model was trained on poems without titles; leave out the title.",
                          "这个模型训练时读的诗没有题目；请不要指定题目。")
    rng = np.random.default_rng(seed)
    if rhyme_group:
        groups = [rhyme_group] * num_samples
    else:
        choices = rhyme_choices(sampler)
        if not choices:
            raise ConfigError(
                f"The vocabulary has fewer than {MIN_RHYME_CHOICES} rhyming characters in every 平声 group; name "
                "one group to rhyme in (--rhyme).",
                f"词表中每个平声韵部可作韵脚的字都少于 {MIN_RHYME_CHOICES} 个；请指定一个韵部（--rhyme）。")
        groups = [str(group) for group in rng.choice(list(choices), size=num_samples, p=list(choices.values()))]
    titles = [title] * num_samples if title is not None else \
        _write_titles(sampler, num_samples, settings, rng) if titled else [""] * num_samples
    masks = {group: poetry.regulated_masks(sampler.converter, poetry.FormRequest(pattern, group, acrostic, strict),
                                           couplet_break="" if titled else "\n") for group in set(groups)}
    poems: list[Poem] = []
    for group, poem_title in zip(groups, titles, strict=True):
        opened = {poem.text[:2] for poem in poems}
        poems.append(_choose(sampler, pattern, masks[group], group, poem_title, titled, settings,
                             poem_settings.candidates, couplets, opened, rng))
    return poems


def _choose(sampler: Sampler, pattern: prosody.Pattern, masks: PositionMasks, group: str, title: str, titled: bool,
            settings: SamplingSettings, candidates: int, couplets: CoupletIndex | None, opened: set[str],
            rng: np.random.Generator) -> Poem:
    """One poem: an opening drawn from the model's whole distribution, then the best continuation.

    The opening (`OPENING` characters, one no earlier poem of the call has where the draws allow) is what makes
    poems differ; the continuations are ranked: no copied couplet, no excess repeats, then most likely.
    """
    prime = f"{title}{TITLE_MARK}" if titled else ""
    opening_masks = PositionMasks(masks.table, masks.rows[:OPENING])
    drawn = sampler.sample_scored(prime, OPENING, OPENING_SETTINGS, num_samples=candidates,
                                  constraints=opening_masks, seed=int(rng.integers(2**31)))
    fresh = [(text, score) for text, score in drawn if text[len(prime):] not in opened]
    opening, opening_score = (fresh or drawn)[0]
    rest, limit = PositionMasks(masks.table, masks.rows[OPENING:]), REPEAT_LIMITS[pattern.form]
    best, best_key = None, None
    for _ in range(ROUNDS):
        drawn = sampler.sample_scored(opening, len(rest.rows), settings, num_samples=candidates, constraints=rest,
                                      seed=int(rng.integers(2**31)))
        for text, score in drawn:
            poem = _couplet_lines(text[len(prime):])
            key = (bool(couplets and couplets.copied(poem)), repeated_characters(poem) > limit, -score)
            if best_key is None or key < best_key:
                likelihood = (OPENING * opening_score + len(rest.rows) * score) / len(masks.rows)
                best, best_key = Poem(title, poem, group, likelihood), key
        if not any(best_key[:2]):
            break
    return best


def _couplet_lines(text: str) -> str:
    """The poem one couplet per line, however the model lays couplets out."""
    return "\n".join(f"{couplet}。" for couplet in text.replace("\n", "").split("。") if couplet)


def _write_titles(sampler: Sampler, count: int, settings: SamplingSettings, rng: np.random.Generator) -> list[str]:
    """Titles the model writes from the start of a line: the Han characters before its first title mark."""
    texts = sampler.sample("", TITLE_ROOM, settings, num_samples=count, seed=int(rng.integers(2**31)))
    fallback = "" if sampler.converter.unknown_characters(UNTITLED) else UNTITLED
    return [_title_of(text) or fallback for text in texts]


def _title_of(text: str) -> str:
    """The Han characters before the first title mark, or '' when there are none or anything else comes first."""
    title = text.split(TITLE_MARK)[0] if TITLE_MARK in text else ""
    return title if all(HAN.fullmatch(character) for character in title) else ""
