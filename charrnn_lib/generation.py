"""The sampler's compiled loop: feed the prime, then draw each character and feed it back, all in `keras.ops`.

Written once for every backend; `native.ops()` supplies the three pieces `keras.ops` lacks (compiling the whole
loop, a stateless uniform draw, a bit cast). On TensorFlow it is one XLA-compiled `tf.function`, on JAX one
`jax.jit`; the model's weights are read at each call, so weights loaded later are used by the next sample.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from charrnn_lib import native
from charrnn_lib.model import StepFunction, zero_states

ops = keras.ops


TINY = 1e-30  # the smallest uniform draw: keeps every draw's target a normal float32, far from zero
ATTEMPTS = 8  # top-p draws from the whole distribution before the exact fallback (at top_p 0.9: 1 in 10**8)
BLOCK = 64  # ids per block of the two-level inverse-CDF search


def draw(weights, seed):
    """One index per row of `weights` `(batch, n)`, with probability proportional to its weight (0: never).

    The exponential race: with E_i ~ Exp(1), argmin E_i / w_i is index i with probability w_i / Σw. It takes one
    random number per id, which over thousands of ids costs more than the LSTM step (`inverse_cdf` takes one per
    row). It stays for the plain draws because the poems measured in the README (the judge, the blind reading)
    were drawn with it, and a seed must keep writing them; top-p draws use `inverse_cdf`.
    """
    uniform = native.ops().uniform(ops.shape(weights), seed, minval=float(np.finfo(np.float32).tiny))
    return ops.cast(ops.argmin(-ops.log(uniform) / weights, axis=-1), "int32")  # (batch,)


def inverse_cdf(weights, uniform):
    """One index per row of `weights` `(batch, vocab)`: the id whose stretch of the running total holds `uniform`
    `(batch,)` in (0, 1) times the total, so id i comes with probability w_i / Σw (0: never).

    Thousands of random numbers per character (the race) cost more under XLA on a CPU than the whole LSTM step;
    one number and two short searches do not: first the block of `BLOCK` ids whose running total reaches the
    target, then the id inside it.
    """
    vocab = weights.shape[-1]
    blocks = ops.reshape(ops.pad(weights, [[0, 0], [0, -vocab % BLOCK]]), (-1, -(-vocab // BLOCK), BLOCK))
    sums = ops.sum(blocks, axis=-1)  # (batch, blocks)
    ends = ops.cumsum(sums, axis=-1)
    target = uniform * ends[:, -1]  # (batch,): in (0, total]
    block = first_reaching(ends, sums, target)  # (batch,)
    start = ops.take_along_axis(ends - sums, block[:, None], axis=1)  # (batch, 1): the total before the block
    inside = ops.take_along_axis(blocks, block[:, None, None], axis=1)[:, 0]  # (batch, BLOCK)
    return block * BLOCK + first_reaching(start + ops.cumsum(inside, axis=-1), inside, target)


def first_reaching(ends, weights, target):
    """`(batch,)`: the first position of positive weight whose running total `ends` reaches `target`, or the last
    of positive weight where rounding leaves every total short of it; never one of weight 0."""
    position = ops.arange(ends.shape[-1])
    reaching = ops.where(ends >= target[:, None], 2 * ends.shape[-1] - position, position)  # first reaching ranks top
    return ops.cast(ops.argmax(ops.where(weights > 0, reaching, -1), axis=-1), "int32")


def exclusive_cumsum(values):
    """Along the last axis, the sum of the values before each one (0 for the first)."""
    summed = ops.cumsum(values, axis=-1)
    return ops.concatenate([ops.zeros_like(summed[:, :1]), summed[:, :-1]], axis=-1)


def kept_by_nucleus(probabilities, ids, top_p):
    """`(batch,)` bool: whether top-p keeps each row's id — whether the mass before it, in the reference's order
    (most probable first, tied ids lowest first), is below `top_p`. One pass over the vocabulary."""
    own = ops.take_along_axis(probabilities, ids[:, None], axis=1)  # (batch, 1)
    above = ops.sum(ops.where(probabilities > own, probabilities, 0.0), axis=-1)
    lower_ids = ops.arange(probabilities.shape[-1])[None, :] < ids[:, None]
    tied_before = ops.sum(ops.cast((probabilities == own) & lower_ids, probabilities.dtype), axis=-1)
    return above + tied_before * own[:, 0] < top_p


def nucleus(probabilities, top_p):
    """`(batch, vocab)` bool: exactly the ids top-p keeps, found without sorting the whole vocabulary.

    Sorting thousands of logits per character is slow under XLA on a CPU. Non-negative float32 numbers order
    like their int32 bit patterns, so 31 halvings of the bit range find the smallest kept probability: the
    largest threshold whose ids still hold `top_p` of the mass. Ids tied at the threshold are kept lowest id
    first while the mass before them stays below `top_p`, as the stable sort of the reference does.
    """
    bits = native.ops().bitcast(probabilities, "int32")  # (batch, vocab)
    threshold = ops.zeros_like(bits[:, 0])  # (batch,): the ids at or above it hold ≥ top_p
    for bit in range(30, -1, -1):  # every probability ≤ 1.0, whose bit pattern is below 2**30
        trial = threshold + (1 << bit)
        mass = ops.sum(ops.where(bits >= trial[:, None], probabilities, 0.0), axis=-1)  # (batch,)
        threshold = ops.where(mass >= top_p, trial, threshold)
    above, tied = bits > threshold[:, None], bits == threshold[:, None]
    mass_above = ops.sum(ops.where(above, probabilities, 0.0), axis=-1, keepdims=True)  # (batch, 1)
    tied_before = exclusive_cumsum(ops.cast(tied, probabilities.dtype))  # how many lower ids are tied
    smallest = native.ops().bitcast(threshold, "float32")[:, None]  # (batch, 1): the tied probability
    return above | (tied & (mass_above + tied_before * smallest < top_p))


def draw_nucleus(probabilities, top_p, seed, attempts: int = ATTEMPTS):
    """One id per row from the top-p nucleus of `probabilities` `(batch, vocab)`, by rejection.

    Draw from the whole distribution and keep the id if the nucleus holds it, else draw again: a kept id is a draw
    from the nucleus, renormalised, exactly. The nucleus holds at least `top_p` of the mass, so at top_p 0.9 one
    draw in ten is redrawn, and a step costs about one `inverse_cdf` instead of the 31 passes of `nucleus`.
    Rows still unkept after `attempts` draws (rare unless top_p is small) draw from `nucleus`, also exactly.
    """
    uniforms = native.ops().uniform((ops.shape(probabilities)[0], attempts + 1), seed, minval=TINY)

    def redraw(attempt, drawn, kept):
        candidate = inverse_cdf(probabilities, ops.take(uniforms, attempt, axis=1))
        return attempt + 1, ops.where(kept, drawn, candidate), kept | kept_by_nucleus(probabilities, candidate, top_p)

    unkept = ops.zeros((ops.shape(probabilities)[0],), "bool")
    _, drawn, kept = ops.while_loop(lambda attempt, _, kept: (attempt < attempts) & ~ops.all(kept), redraw,
                                    (ops.convert_to_tensor(0), ops.zeros_like(unkept, "int32"), unkept))
    return ops.cond(ops.all(kept), lambda: drawn, lambda: ops.where(
        kept, drawn, inverse_cdf(ops.where(nucleus(probabilities, top_p), probabilities, 0.0), uniforms[:, -1])))


def compile_generation(model: keras.Model, step: StepFunction, top_k: int, use_nucleus: bool,
                       scored: bool) -> Callable:
    """The compiled prime-then-generate function for one model, top-n cut and top-p switch.

    `generate(prime (batch, P), prime_length, length, table (masks, vocab), rows (capacity,), temperature, top_p,
    seed (2,))` returns the drawn ids `(batch, capacity)`, whose first `length` columns are the sample, and each
    row's summed log-probability of its drawn ids under the raw logits (`scored`; zeros otherwise, and skipped).
    """
    vocab_size = model.output_shape[-1]

    def draw_next(logits, allowed, temperature, top_p, seed):
        """One id per row: the rules of `sample.next_char_probabilities`, in its order."""
        logits = ops.where(allowed, logits, -np.inf) / temperature  # (batch, vocab): <unk> and masked ids out
        if top_k < vocab_size:
            logits, ids = ops.top_k(logits, k=top_k)  # (batch, top_k), most probable first
            # One logit (greedy): its softmax is 1, and Keras warns about a softmax over one value.
            probabilities = ops.ones_like(logits) if top_k == 1 else ops.softmax(logits)
            if use_nucleus:  # already sorted: keep an id while the mass before it is below top_p
                probabilities = ops.where(exclusive_cumsum(probabilities) < top_p, probabilities, 0.0)
            drawn = ops.take_along_axis(ids, draw(probabilities, seed)[:, None], axis=1)[:, 0]  # (batch,)
            return ops.cast(drawn, "int32")  # top_k's ids are int64 on PyTorch
        probabilities = ops.softmax(logits)  # (batch, vocab)
        return draw_nucleus(probabilities, top_p, seed) if use_nucleus else draw(probabilities, seed)

    def generate(prime, prime_length, length, table, rows, temperature, top_p, seed):
        batch_size = ops.shape(prime)[0]

        def feed_prime(index, _, states):
            return index + 1, *step(ops.take(prime, index, axis=1), states)

        logits = ops.zeros((batch_size, vocab_size))
        _, logits, states = ops.while_loop(lambda index, *_: index < prime_length, feed_prime,
                                           (ops.convert_to_tensor(0), logits, zero_states(model, batch_size)))

        def generate_one(index, logits, states, buffer, total):
            allowed = ops.take(table, rows[index], axis=0)  # (vocab,): this position's mask
            next_ids = draw_next(logits, allowed, temperature, top_p, seed + ops.stack([0 * index, index]))
            buffer = ops.slice_update(buffer, (index, 0), next_ids[None, :])
            if scored:  # log softmax of the drawn id: its logit minus the log of the normaliser
                drawn = ops.take_along_axis(logits, next_ids[:, None], axis=1)[:, 0]
                total = total + drawn - ops.logsumexp(logits, axis=-1)
            return index + 1, *step(next_ids, states), buffer, total

        buffer = ops.zeros((ops.shape(rows)[0], batch_size), "int32")  # (capacity, batch)
        *_, buffer, total = ops.while_loop(lambda index, *_: index < length, generate_one,
                                           (ops.convert_to_tensor(0), logits, states, buffer,
                                            ops.zeros((batch_size,))))
        return ops.transpose(buffer), total  # (batch, capacity), (batch,)

    return native.ops().compile_with_weights(model, generate)
