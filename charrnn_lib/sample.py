"""Sampling: warm the hidden state up on a prime string, then draw characters with top-n and temperature.

The whole generation runs inside one XLA-compiled `tf.function`: feeding the prime, the model step (each
recurrent cell called directly), the top-n cut, the random draw and the feedback of the drawn character
never leave the graph, which is what makes generation thousands of times faster than calling
`model.predict` once per character.
"""

from __future__ import annotations

import os
import warnings

import keras
import numpy as np
import tensorflow as tf

from charrnn_lib import checkpoints
from charrnn_lib.config import TrainConfig, require_positive_whole_numbers
from charrnn_lib.errors import ConfigError, VocabularyError
from charrnn_lib.model import build_model, recurrent_layers
from charrnn_lib.text import TextConverter

DEFAULT_TOP_N = 5


def pick_top_n(probabilities: np.ndarray, top_n: int = DEFAULT_TOP_N, rng: np.random.Generator | None = None) -> int:
    """Draw one id from the `top_n` most probable ones, renormalised (the readable NumPy reference)."""
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    keep = np.argsort(probabilities)[-top_n:]  # ids of the top_n largest probabilities
    kept = probabilities[keep] / probabilities[keep].sum()
    return int((rng or np.random.default_rng()).choice(keep, p=kept))


def apply_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax of `logits / temperature`: below 1 sharpens the distribution, above 1 flattens it."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=-1, keepdims=True)


class Sampler:
    """Generates text from a trained run with a stateful model of batch size `batch_size` (1 by default)."""

    def __init__(self, weights_from: keras.Model | str | os.PathLike, converter: TextConverter,
                 config: TrainConfig) -> None:
        self.converter, self.config = converter, config
        self._weights_from = weights_from
        self._models: dict[int, keras.Model] = {}
        self._generate_cache: dict[tuple[int, int, int, int], tf.types.experimental.GenericFunction] = {}

    @classmethod
    def from_run(cls, checkpoint_path: str | os.PathLike, converter_path: str | os.PathLike | None = None
                 ) -> Sampler:
        """Load the newest checkpoint of a run folder (or a given checkpoint file) and its vocabulary."""
        run_dir, checkpoint = checkpoints.resolve_checkpoint(checkpoint_path)
        config, converter = checkpoints.load_run(run_dir, converter_path)
        sampler = cls(checkpoint, converter, config)
        sampler.model(1)  # load now, so a bad checkpoint fails here rather than at the first sample
        return sampler

    def model(self, batch_size: int) -> keras.Model:
        """A stateful model with `batch_size` rows and the trained weights (hidden state is not a weight)."""
        if batch_size not in self._models:
            model = build_model(self.config.model, self.converter.vocab_size, batch_size)
            if isinstance(self._weights_from, keras.Model):
                model.set_weights(self._weights_from.get_weights())
            else:
                checkpoints.load_weights(model, self._weights_from)
            self._models[batch_size] = model
        return self._models[batch_size]

    def prime_ids(self, start_string: str, allow_unknown: bool = False) -> np.ndarray:
        """Ids of the prime string; unknown characters are an error unless `allow_unknown` (then `<unk>`)."""
        unknown = self.converter.unknown_characters(start_string)
        if unknown and not allow_unknown:
            shown = " ".join(repr(char) for char in unknown)
            raise VocabularyError(
                f"start_string has characters the model never saw: {shown}; remove them, or allow them "
                f"to become <unk> (--allow_unknown).",
                f"start_string 含有模型没见过的字符：{shown}；请删掉它们，或允许把它们当作 <unk>（--allow_unknown）。",
            )
        if unknown:
            warnings.warn(f"Characters not in the vocabulary are fed as <unk>: {unknown}", stacklevel=3)
        # Warm up from a line break when the vocabulary has one, so the start string reads as the beginning
        # of a line (of a poem, a paragraph); with neither, start from the most frequent character.
        prefix = "\n" if "\n" in self.converter.vocab else ""
        return self.converter.encode(prefix + start_string or self.converter.vocab[0])

    def sample(self, start_string: str = "", max_length: int = 30, *, top_n: int = DEFAULT_TOP_N,
               temperature: float = 1.0, seed: int | None = None, allow_unknown: bool = False) -> str:
        """The prime string followed by `max_length` generated characters."""
        return self.sample_batch(start_string, max_length, batch_size=1, top_n=top_n, temperature=temperature,
                                 seed=seed, allow_unknown=allow_unknown)[0]

    def sample_batch(self, start_string: str = "", max_length: int = 30, *, batch_size: int = 32,
                     top_n: int = DEFAULT_TOP_N, temperature: float = 1.0, seed: int | None = None,
                     allow_unknown: bool = False) -> list[str]:
        """`batch_size` independent samples from the same prime, generated together in one pass."""
        ids = self.generate_ids(self.prime_ids(start_string, allow_unknown), max_length, batch_size=batch_size,
                                top_n=top_n, temperature=temperature, seed=seed)
        return [start_string + self.converter.decode(row) for row in ids]

    def generate_ids(self, prime_ids: np.ndarray, max_length: int, *, batch_size: int = 1,
                     top_n: int = DEFAULT_TOP_N, temperature: float = 1.0, seed: int | None = None) -> np.ndarray:
        """Feed `prime_ids` to every row, then draw `max_length` ids per row: `(batch_size, max_length)`.

        Each call starts from a zero hidden state and leaves the model's stored state untouched.
        """
        _check_sampling(max_length, batch_size, top_n, temperature)
        prime_ids = np.asarray(prime_ids, dtype=np.int32).reshape(-1)
        # Loop lengths are compile-time constants for XLA, so pad the buffers to powers of two and trim.
        prime_capacity, capacity = _power_of_two(len(prime_ids)), _power_of_two(max_length)
        prime = np.zeros((batch_size, prime_capacity), np.int32)
        prime[:, :len(prime_ids)] = prime_ids
        generate = self._generate_function(batch_size, min(top_n, self.converter.vocab_size - 1), prime_capacity,
                                           capacity)
        seed = int(np.random.default_rng().integers(2**31)) if seed is None else seed
        ids = generate(tf.constant(prime), tf.constant(len(prime_ids)), tf.constant(max_length),
                       tf.constant(temperature, tf.float32), tf.constant([seed, 0], tf.int32))
        return ids.numpy()[:, :max_length]

    def _generate_function(self, batch_size: int, top_n: int, prime_capacity: int, capacity: int):
        key = (batch_size, top_n, prime_capacity, capacity)
        if key not in self._generate_cache:
            self._generate_cache[key] = _compile_generation(self.model(batch_size), top_n, capacity,
                                                            self.converter.unk_id)
        return self._generate_cache[key]


def _power_of_two(length: int) -> int:
    return max(16, 1 << (length - 1).bit_length())


def _one_step(model: keras.Model):
    """`(ids (batch,), states) -> (logits, states)`: the model for one character, calling each RNN's cell.

    Stepping the cells directly (same layers, same weights) skips the time loop a recurrent layer runs
    even for a sequence of length 1, which is most of the cost of a batch-1 step.
    """

    def step(ids, states):
        x, new_states = ids, []
        for layer in model.layers[1:]:  # a chain: embedding or one-hot, recurrent layers, logits
            if isinstance(layer, keras.layers.RNN):
                x, layer_states = layer.cell(x, states[len(new_states)], training=False)
                new_states.append(list(layer_states))
            elif not isinstance(layer, keras.layers.Dropout):  # dropout is the identity when sampling
                x = layer(x, training=False)
        return x, new_states

    return step


def _compile_generation(model: keras.Model, top_n: int, capacity: int, unk_id: int):
    """Build the compiled prime-then-generate function for one model, top_n and output buffer size."""
    step = _one_step(model)
    zero_states = [[tf.zeros_like(variable) for variable in layer.states] for layer in recurrent_layers(model)]

    def draw(logits, temperature, seed, index):
        # Never emit <unk>; keep the top_n logits, scale by temperature, and sample among them.
        logits = tf.tensor_scatter_nd_update(
            logits, tf.stack([tf.range(tf.shape(logits)[0]), tf.fill([tf.shape(logits)[0]], unk_id)], axis=1),
            tf.fill([tf.shape(logits)[0]], tf.float32.min))
        top_logits, top_ids = tf.math.top_k(logits, k=top_n)  # (batch, top_n)
        choice = tf.random.stateless_categorical(top_logits / temperature, 1, seed=seed + tf.stack([0, index]))
        return tf.gather(top_ids, choice, batch_dims=1)[:, 0]  # (batch,)

    @tf.function(jit_compile=True)
    def generate(prime, prime_length, length, temperature, seed):
        def feed_prime(index, _, states):
            return index + 1, *step(tf.gather(prime, index, axis=1), states)

        logits = tf.zeros([tf.shape(prime)[0], model.output_shape[-1]])
        _, logits, states = tf.while_loop(lambda index, *_: index < prime_length, feed_prime,
                                          (tf.constant(0), logits, zero_states))

        def generate_one(index, logits, states, buffer):
            next_ids = draw(logits, temperature, seed, index)  # (batch,)
            buffer = tf.tensor_scatter_nd_update(buffer, [[index]], next_ids[None, :])
            return index + 1, *step(next_ids, states), buffer

        buffer = tf.zeros([capacity, tf.shape(prime)[0]], tf.int32)  # (capacity, batch)
        *_, buffer = tf.while_loop(lambda index, *_: index < length, generate_one,
                                   (tf.constant(0), logits, states, buffer))
        return tf.transpose(buffer)  # (batch, capacity)

    return generate


def _check_sampling(max_length: int, batch_size: int, top_n: int, temperature: float) -> None:
    require_positive_whole_numbers(max_length=max_length, batch_size=batch_size, top_n=top_n)
    if not temperature > 0:
        raise ConfigError(
            f"temperature must be positive, got {temperature!r}; 1.0 samples the model as trained, "
            f"lower is more conservative.",
            f"temperature 必须为正数，收到 {temperature!r}；1.0 即按模型原样采样，更低则更保守。",
        )
