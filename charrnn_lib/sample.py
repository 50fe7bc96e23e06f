"""Sampling: warm the hidden state up on a prime string, then draw characters by one set of rules.

The rules, in order (`next_char_probabilities` states them in readable NumPy; the compiled loop must
draw from exactly that distribution, and tests/test_sample.py checks it does):
mask `<unk>` and the ids a position mask forbids → temperature → top-n → top-p → renormalise.

The whole generation runs inside one compiled function (`charrnn_lib.generation`: XLA on TensorFlow, `jax.jit`
on JAX): feeding the prime, the model step (each recurrent cell called directly), the masks and cuts, the random
draw and the feedback of the drawn character never leave the graph, which is what makes generation thousands of
times faster than calling `model.predict` once per character.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from charrnn_lib import checkpoints
from charrnn_lib.config import DEFAULT_TOP_N, SamplingSettings, require_positive_whole_numbers
from charrnn_lib.errors import ConfigError, VocabularyError
from charrnn_lib.generation import compile_generation
from charrnn_lib.model import build_model, step_function
from charrnn_lib.position_masks import PositionMasks
from charrnn_lib.text import TextConverter


def pick_top_n(probabilities: np.ndarray, top_n: int = DEFAULT_TOP_N, rng: np.random.Generator | None = None) -> int:
    """Draw one id from the `top_n` most probable ones, renormalised (lesson 6's exercise reference)."""
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    keep = np.argsort(probabilities)[-top_n:]  # ids of the top_n largest probabilities (all, if top_n ≥ vocab)
    kept = probabilities[keep] / probabilities[keep].sum()
    return int((rng or np.random.default_rng()).choice(keep, p=kept))


def apply_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax of `logits / temperature`: below 1 sharpens the distribution, above 1 flattens it."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=-1, keepdims=True)


def next_char_probabilities(logits: np.ndarray, settings: SamplingSettings | None = None, *,
                            unk_id: int | None = None, allowed: np.ndarray | None = None,
                            **changes: Any) -> np.ndarray:
    """The distribution `Sampler.sample` draws the next id from, given the model's `logits` `(vocab_size,)`.

    `settings` and `changes` are taken as `sample` takes them (`SamplingSettings()` by default, `top_n=None` for
    no top-n cut), and applied in this order:
    1. mask: `unk_id` and the ids where `allowed` is False get logit -inf (they are never drawn);
    2. temperature: softmax(logits / temperature);
    3. top-n: keep the `top_n` most probable ids (on a tie the lower id ranks first), renormalise;
    4. top-p: keep the smallest set of most probable ids whose probability adds up to at least `top_p`
       (measured after the top-n cut), renormalise.
    """
    settings = (SamplingSettings() if settings is None else settings).replace(**changes)
    logits = np.array(logits, dtype=np.float64).reshape(-1)  # (vocab_size,)
    if allowed is not None:
        logits[~np.asarray(allowed, dtype=bool)] = -np.inf
    if unk_id is not None:
        logits[unk_id] = -np.inf
    if np.isneginf(logits).all():
        raise ConfigError("The mask allows no id (besides <unk>); allow at least one.",
                          "掩码不允许任何编号（<unk> 除外）；请至少允许一个。")
    probabilities = apply_temperature(logits, settings.temperature)
    ranked = np.argsort(-probabilities, kind="stable")  # most probable first
    if settings.top_n is not None:
        probabilities[ranked[settings.top_n:]] = 0.0
        probabilities /= probabilities.sum()
    if settings.top_p is not None:
        before = np.cumsum(probabilities[ranked]) - probabilities[ranked]  # mass of the more probable ids
        probabilities[ranked[before >= settings.top_p]] = 0.0  # the id that reaches top_p is kept, the rest dropped
        probabilities /= probabilities.sum()
    return probabilities


class Sampler:
    """Generates text from a trained char-RNN of any batch size (e.g. the training model itself).

    The sampler steps the model's own layers with an explicit hidden state, so it reads the model's weights
    as they are at each call (no copy: load other weights into `sampler.model` and the next sample uses
    them) and never touches the state the model carries between batches.
    """

    def __init__(self, model: keras.Model, converter: TextConverter) -> None:
        step = step_function(model)  # refuses a model that is not the char-RNN chain
        if model.output_shape[-1] != converter.vocab_size:
            raise ConfigError(
                f"The model writes {model.output_shape[-1]} logits but the vocabulary has {converter.vocab_size} "
                f"ids; use the converter the model was trained with.",
                f"模型输出 {model.output_shape[-1]} 个 logits，但词表有 {converter.vocab_size} 个编号；"
                f"请使用训练该模型时的词表。",
            )
        self.model, self.converter, self._step = model, converter, step
        self._compiled: dict[tuple[int, ...], Callable] = {}

    @classmethod
    def from_run(cls, checkpoint_path: str | os.PathLike, converter_path: str | os.PathLike | None = None
                 ) -> Sampler:
        """Load the newest checkpoint of a run folder (or pretrained folder, or a given checkpoint file)."""
        run_dir, checkpoint = checkpoints.resolve_checkpoint(checkpoint_path)
        config, converter = checkpoints.load_run(run_dir, converter_path)
        model = build_model(config.architecture, converter.vocab_size, 1)
        checkpoints.load_weights(model, checkpoint)
        return cls(model, converter)

    def prime_ids(self, prime: str, allow_unknown: bool = False) -> np.ndarray:
        """Ids the model reads before generating: a hidden line break, then `prime` (unknown characters refused)."""
        unknown = self.converter.unknown_characters(prime)
        if unknown and not allow_unknown:
            shown = " ".join(repr(char) for char in unknown)
            raise VocabularyError(
                f"start_string has characters the model never saw: {shown}; remove them, or allow them "
                f"to become <unk> (--allow_unknown).",
                f"start_string 含有模型没见过的字符：{shown}；请删掉它们，或允许把它们当作 <unk>（--allow_unknown）。",
            )
        if unknown:
            warnings.warn(f"Characters not in the vocabulary are fed as <unk>: {unknown}", stacklevel=3)
        # Warm up from a line break when the vocabulary has one, so the prime reads as the beginning
        # of a line (of a poem, a paragraph); with neither, start from the most frequent character.
        prefix = "\n" if "\n" in self.converter.vocab else ""
        return self.converter.encode(prefix + prime or self.converter.vocab[0])

    def sample(self, prime: str = "", max_length: int = 30, settings: SamplingSettings | None = None, *,
               num_samples: int = 1, seed: int | None = None, allow_unknown: bool = False,
               constraints: PositionMasks | np.ndarray | None = None, **changes: Any) -> list[str]:
        """`num_samples` independent texts, each `prime` followed by `max_length` generated characters.

        The samples are generated together, one batch row each, from a fresh hidden state, each character drawn
        by `settings` (`SamplingSettings()` by default) with `changes` made: `sample("春", 40, top_n=1)`.
        `constraints` restricts generated positions 0..L-1 to some ids: a `PositionMasks`, or a
        `(L, vocab_size)` boolean array; later positions are free.
        """
        texts, _ = self._generate(prime, max_length, settings, num_samples, seed, allow_unknown, constraints,
                                  changes, scored=False)
        return texts

    def sample_scored(self, prime: str = "", max_length: int = 30, settings: SamplingSettings | None = None, *,
                      num_samples: int = 1, seed: int | None = None, allow_unknown: bool = False,
                      constraints: PositionMasks | np.ndarray | None = None,
                      **changes: Any) -> list[tuple[str, float]]:
        """As `sample`, each text with the model's own mean log-probability (nats) of its generated characters.

        The score is the model's, before masks, temperature and cuts: how likely the model finds what was drawn,
        so candidates drawn under different rules can be ranked on one scale (sample-and-rerank).
        """
        texts, scores = self._generate(prime, max_length, settings, num_samples, seed, allow_unknown, constraints,
                                       changes, scored=True)
        return list(zip(texts, (float(score) / max_length for score in scores), strict=True))

    def _generate(self, prime: str, max_length: int, settings: SamplingSettings | None, num_samples: int,
                  seed: int | None, allow_unknown: bool, constraints: PositionMasks | np.ndarray | None,
                  changes: dict[str, Any], scored: bool) -> tuple[list[str], np.ndarray]:
        settings = (SamplingSettings() if settings is None else settings).replace(**changes)
        require_positive_whole_numbers(max_length=max_length, num_samples=num_samples)
        masks = self._masks(constraints)
        prime_ids = self.prime_ids(prime, allow_unknown)
        # Loop lengths are compile-time constants for XLA, so pad the buffers to powers of two and trim.
        capacity = _power_of_two(max_length)
        primes = np.zeros((num_samples, _power_of_two(len(prime_ids))), np.int32)  # (num_samples, prime capacity)
        primes[:, :len(prime_ids)] = prime_ids
        table = np.zeros((_power_of_two(len(masks.table) + 1, minimum=1), self.converter.vocab_size), bool)
        table[0] = True  # row 0: a free position
        table[1:len(masks.table) + 1] = masks.table
        table[:, self.converter.unk_id] = False  # never draw <unk>
        rows = np.zeros(capacity, np.int32)  # (capacity,): the table row of each generated position
        used = masks.rows[:max_length]
        rows[:len(used)] = used + 1
        top_p = 1.0 if settings.top_p is None else settings.top_p
        nucleus = top_p < 1.0  # top_p=1.0 keeps every id: no cut to make
        generate = self._compiled_generation(primes.shape, capacity, table.shape[0], settings.top_n, nucleus, scored)
        seed = int(np.random.default_rng().integers(2**31)) if seed is None else seed
        tensor = keras.ops.convert_to_tensor
        ids, log_likelihoods = generate(
            tensor(primes), tensor(len(prime_ids), "int32"), tensor(max_length, "int32"), tensor(table), tensor(rows),
            tensor(settings.temperature, "float32"), tensor(top_p, "float32"), tensor([seed, 0], "int32"))
        texts = [prime + self.converter.decode(row) for row in keras.ops.convert_to_numpy(ids)[:, :max_length]]
        return texts, keras.ops.convert_to_numpy(log_likelihoods)

    def _masks(self, constraints: PositionMasks | np.ndarray | None) -> PositionMasks:
        if constraints is None:
            return PositionMasks(np.zeros((0, self.converter.vocab_size), bool), np.zeros(0, np.int32))
        masks = constraints if isinstance(constraints, PositionMasks) else PositionMasks.from_array(constraints)
        if masks.vocab_size != self.converter.vocab_size:
            raise ConfigError(
                f"The masks cover {masks.vocab_size} ids but the vocabulary has {self.converter.vocab_size}; "
                f"build them with this sampler's converter.",
                f"掩码覆盖 {masks.vocab_size} 个编号，但词表有 {self.converter.vocab_size} 个；"
                f"请用本采样器的词表构造掩码。",
            )
        masks.require_some_id(self.converter.unk_id)
        return masks

    def _compiled_generation(self, prime_shape: tuple[int, int], capacity: int, num_masks: int, top_n: int | None,
                             nucleus: bool, scored: bool):
        vocab_size = self.converter.vocab_size
        top_k = vocab_size if top_n is None else min(top_n, vocab_size)
        key = (*prime_shape, capacity, num_masks, top_k, nucleus, scored)
        if key not in self._compiled:
            self._compiled[key] = compile_generation(self.model, self._step, top_k, nucleus, scored)
        return self._compiled[key]


def _power_of_two(length: int, minimum: int = 16) -> int:
    return max(minimum, 1 << (length - 1).bit_length())
