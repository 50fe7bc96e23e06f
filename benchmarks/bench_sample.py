"""Generation throughput: charrnn_lib's sampler vs per-character Keras loops vs PyTorch per-step loops.

    python benchmarks/bench_sample.py           # full run: both seed configurations, ~5 min on 2 cores
    python benchmarks/bench_sample.py --quick   # smoke run, same `ratio` lines

Every contender generates from the same weights (random, since the arithmetic does not depend on them; the
PyTorch model gets a copy, checked to give the same logits), after the same 5-character prime, drawing from
the top 5 at temperature 1, interleaved round by round. The library generates 500 characters per call; the
slow per-character loops are timed on fewer characters (see the table), which does not change their
characters per second. Batched generation makes 32 poems of 500 characters at once from the same prime.
Two more library rows measure what its other rules cost: top-p 0.9 over the whole vocabulary (no top-n: one
draw from all the ids, drawn again when it falls outside the nucleus), and the top 5 under a 20-position mask
(格律-style decoding).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
from collections.abc import Callable

import common
import keras
import numpy as np
import tensorflow as tf
from common import Contender, Measurement, Report, SeedConfig, fmt_rate, fmt_ratio, fmt_spread, log, per_round_ratios

from charrnn_lib.model import build_char_rnn, reset_states
from charrnn_lib.position_masks import PositionMasks
from charrnn_lib.sample import Sampler, apply_temperature, pick_top_n

TOP_N = 5
TOP_P = 0.9
MASKED_POSITIONS = 20
BATCH = 32
PRIME = np.arange(1, 6, dtype=np.int32)  # five ids; any will do
LIBRARY = "charrnn_lib Sampler"


@dataclasses.dataclass(frozen=True)
class Plan:
    """Characters generated per call (per contender), and calls per round for the fast ones."""

    length: int = 500  # the library and its batched generation
    predict_chars: int = 60  # per-character model.predict (≈ 10–16 chars/s)
    eager_chars: int = 200  # per-character eager model(x) (≈ 25–45 chars/s)
    loop_chars: int = 500  # per-character predict_on_batch / tf.function step
    torch_chars: int = 200  # PyTorch per-step loops
    library_calls: int = 8  # library calls per round, so a round lasts long enough to time


FULL_PLAN = Plan()
QUICK_PLAN = Plan(predict_chars=5, eager_chars=20, loop_chars=50, torch_chars=50, library_calls=1)


def keras_loop(step: Callable[[np.ndarray], np.ndarray], model: keras.Model, length: int, seed: int) -> np.ndarray:
    """The seed lessons' sampling loop: one model call per character, the top-n draw in NumPy."""
    reset_states(model)
    rng = np.random.default_rng(seed)
    logits = step(PRIME[None, :])  # (1, vocab): the prediction after the prime
    drawn = np.empty(length, dtype=np.int32)
    for index in range(length):
        drawn[index] = pick_top_n(apply_temperature(logits[0], 1.0), TOP_N, rng)
        logits = step(drawn[None, index : index + 1])
    return drawn


def keras_loop_contenders(model: keras.Model, plan: Plan) -> list[Contender]:
    """`model.predict`, eager `model(x)`, `predict_on_batch` and a `tf.function` step, each per character."""
    compiled_step = tf.function(lambda ids: model(ids, training=False)[:, -1], reduce_retracing=True)
    steps = [
        ("per-char model.predict", "vs-predict", plan.predict_chars,
         lambda ids: model.predict(ids, verbose=0)[:, -1]),
        ("per-char eager model(x)", "vs-eager", plan.eager_chars,
         lambda ids: model(ids, training=False)[:, -1].numpy()),
        ("per-char predict_on_batch", "vs-predict-on-batch", plan.loop_chars,
         lambda ids: model.predict_on_batch(ids)[:, -1]),
        ("per-char tf.function step", "vs-tf-function-step", plan.loop_chars,
         lambda ids: compiled_step(tf.constant(ids)).numpy()),
    ]
    contenders = []
    for name, key, chars, step in steps:
        seeds = iter(range(10**6))

        def run(step=step, chars=chars, seeds=seeds) -> int:
            keras_loop(step, model, chars, next(seeds))
            return chars

        contenders.append(Contender(name, run, f"timed on {chars} characters per round", key))
    return contenders


def library_contender(sampler: Sampler, plan: Plan, batch_size: int, variant: str = "") -> Contender:
    """The library's sampler: top 5 (the default), or the `top-p` or `mask20` variant at batch 1."""
    seeds = iter(range(10**6))
    calls = plan.library_calls if batch_size == 1 else 1
    prime = sampler.converter.decode(PRIME)  # the synthetic vocabulary has no line break: no hidden prefix
    settings = {"top-p": {"top_n": None, "top_p": TOP_P},
                "mask20": {"top_n": TOP_N, "constraints": twenty_position_masks(sampler.converter.vocab_size)},
                }.get(variant, {"top_n": TOP_N})

    def run() -> int:
        for _ in range(calls):
            sampler.sample(prime, plan.length, num_samples=batch_size, seed=next(seeds), **settings)
        return calls * batch_size * plan.length

    if variant:
        name, key = f"{LIBRARY}, {_VARIANTS[variant]}", f"library-{variant}"
        note = f"{calls} × {plan.length} characters per round"
    elif batch_size == 1:
        name, key = LIBRARY, "library"
        note = f"whole loop in one XLA function; {calls} × {plan.length} characters per round"
    else:
        name, key = f"{LIBRARY}, batch {batch_size}", f"library-batch{batch_size}"
        note = f"{batch_size} poems of {plan.length} characters at once"
    return Contender(name, run, note, key)


_VARIANTS = {"top-p": f"top-p {TOP_P}, no top-n", "mask20": f"top {TOP_N}, {MASKED_POSITIONS}-position mask"}


def twenty_position_masks(vocab_size: int) -> PositionMasks:
    """A head character, then positions that each allow a random half of the vocabulary (20 distinct masks)."""
    allowed = np.random.default_rng(0).random((MASKED_POSITIONS, vocab_size)) < 0.5
    allowed[0] = False
    allowed[0, PRIME[0]] = True
    return PositionMasks.from_array(allowed)


def torch_contenders(config: SeedConfig, weights: keras.Model, plan: Plan) -> tuple[list[Contender], str]:
    """PyTorch per-step loops (NumPy or torch top-5 draw; default or tuned settings) and batch 32.

    Default: one thread per core, oneDNN on. Tuned: one thread and oneDNN off, much faster for single steps on
    CPU (the oneDNN LSTM re-lays its weights out on every call, and OpenMP threads spin when the cores are shared).
    """
    import torch
    from torch_reference import TorchCharRNN, generate_numpy_topn, generate_torch_topn

    model = TorchCharRNN(config, keep_prob=1.0).eval()
    model.copy_from_keras(weights)
    check = _logit_difference(model, weights)
    seeds = iter(range(10**6))

    def loop(generate, threads: int, onednn: bool = True, batch_size: int = 1) -> Callable[[], int]:
        def run() -> int:
            torch.set_num_threads(threads)  # per run: contenders differ in thread count
            with torch.backends.mkldnn.flags(enabled=onednn):
                if batch_size == 1:
                    generate(model, PRIME, plan.torch_chars, TOP_N, next(seeds))
                else:
                    generate(model, PRIME, plan.torch_chars, TOP_N, next(seeds), batch_size)
            return batch_size * plan.torch_chars

        return run

    cores = common.threads()
    timed = f"timed on {plan.torch_chars} characters per round"
    default, tuned = f"{cores} threads, oneDNN on (defaults); {timed}", f"1 thread, oneDNN off; {timed}"
    contenders = [
        Contender("PyTorch per-step, NumPy top-5", loop(generate_numpy_topn, cores), default, "torch-numpy"),
        Contender("PyTorch per-step, torch top-5", loop(generate_torch_topn, cores), default, "torch-torch"),
        Contender("PyTorch per-step, NumPy top-5, tuned", loop(generate_numpy_topn, 1, onednn=False), tuned,
                  "torch-numpy-tuned"),
        Contender("PyTorch per-step, torch top-5, tuned", loop(generate_torch_topn, 1, onednn=False), tuned,
                  "torch-torch-tuned"),
        Contender(f"PyTorch per-step, torch top-5, batch {BATCH}", loop(generate_torch_topn, cores, batch_size=BATCH),
                  f"{BATCH} poems at once; {default}", f"torch-batch{BATCH}"),
    ]
    return contenders, check


def _logit_difference(model, weights: keras.Model) -> str:
    """The two models' logits on the same ids from a zero state must agree: the reference is the same model."""
    import torch

    ids = np.random.default_rng(1).integers(0, weights.output_shape[-1], size=(1, 40), dtype=np.int32)
    reset_states(weights)
    expected = weights(ids, training=False).numpy()
    reset_states(weights)
    with torch.inference_mode():
        actual = model(torch.from_numpy(ids.astype(np.int64)))[0].numpy()
    return f"max |logit difference| Keras vs PyTorch on 40 ids: {np.abs(expected - actual).max():.1e}"


def sample_section(config: SeedConfig, plan: Plan, rounds: int, ceiling: common.MatmulCeiling, report: Report,
                   with_torch: bool) -> None:
    log(f"[{config.name}] {config.describe()}; generating {plan.length} characters, top {TOP_N}")
    weights = build_char_rnn(config.vocab_size, lstm_size=config.lstm_size, num_layers=config.num_layers,
                             use_embedding=config.use_embedding, embedding_size=config.embedding_size,
                             keep_prob=1.0, batch_size=1, stateful=True)
    sampler = Sampler(weights, config.converter())
    contenders = [library_contender(sampler, plan, 1), library_contender(sampler, plan, 1, "top-p"),
                  library_contender(sampler, plan, 1, "mask20"), *keras_loop_contenders(weights, plan),
                  library_contender(sampler, plan, BATCH)]
    check = ""
    if with_torch:
        torch_rows, check = torch_contenders(config, weights, plan)
        contenders[-1:-1] = torch_rows[:-1]
        contenders.append(torch_rows[-1])
    measurements = common.run_interleaved(contenders, rounds, log, between_rounds=ceiling.probe)
    by_key = {m.contender.key: m for m in measurements}
    library, batched = by_key["library"], by_key[f"library-batch{BATCH}"]
    peak_rss = common.peak_rss_mib()
    report.add(lambda: _sample_table(config, plan, rounds, measurements, ceiling.rate, check, peak_rss))

    prefix = f"sample/{config.name}"
    report.ratio(f"{prefix}/vs-predict", per_round_ratios(library.rates, by_key["vs-predict"].rates),
                 "library sampler ÷ per-char model.predict (chars/s)", "≥ 1000")
    for variant, what in _VARIANTS.items():  # what a mask and top-p cost
        report.ratio(f"{prefix}/{variant}-vs-plain", per_round_ratios(by_key[f"library-{variant}"].rates,
                                                                      library.rates),
                     f"library sampler with {what} ÷ plain top {TOP_N} (chars/s)",
                     "≥ 0.9" if variant == "mask20" else "")
    for key, what in (("vs-eager", "eager model(x)"), ("vs-predict-on-batch", "predict_on_batch"),
                      ("vs-tf-function-step", "tf.function step")):
        report.ratio(f"{prefix}/{key}", per_round_ratios(library.rates, by_key[key].rates),
                     f"library sampler ÷ per-char {what}")
    if with_torch:
        loops = [m.rates for m in measurements if m.contender.key.startswith(("torch-numpy", "torch-torch"))]
        fastest = [max(rates) for rates in zip(*loops, strict=True)]
        report.ratio(f"{prefix}/vs-torch", per_round_ratios(library.rates, fastest),
                     "library sampler ÷ the fastest PyTorch per-step loop of the round", "≥ 3")
    batch_time = per_round_ratios(batched.seconds, [s / _calls(library, plan) for s in library.seconds])
    report.ratio(f"{prefix}/batch{BATCH}-vs-1-time", batch_time,
                 f"time for {BATCH} poems at once ÷ time for one", "< 2")
    if with_torch:
        report.ratio(f"{prefix}/batch{BATCH}-vs-torch-batch{BATCH}",
                     per_round_ratios(batched.rates, by_key[f"torch-batch{BATCH}"].rates),
                     f"library ÷ PyTorch, both {BATCH} poems at once")


def _sample_table(config: SeedConfig, plan: Plan, rounds: int, measurements: list[Measurement], ceiling: float,
                  check: str, peak_rss: float) -> str:
    flops = common.forward_flops_per_char(config)
    library = measurements[0]
    rows = []
    for m in measurements:
        batched = m.contender.key.startswith(("library-batch", "torch-batch"))
        # Amortised time per poem of `plan.length` characters: BATCH poems take BATCH · length / rate seconds.
        per_poem = fmt_spread([plan.length / rate for rate in m.rates], _fmt_seconds) if batched else "—"
        versus = "1.00" if m is library else fmt_spread(per_round_ratios(library.rates, m.rates), fmt_ratio)
        rows.append([m.name, fmt_spread(m.rates, fmt_rate), common.percent_of(m.median_rate, flops, ceiling),
                     versus, per_poem, f"{m.first_seconds:.1f}", f"{m.compile_seconds:.1f}", m.contender.note])
    table = common.markdown_table(
        ["contender", "chars/s median (min–max)", "% of ceiling", "library ÷ this, per round", "time per poem",
         "first call s", "≈ compile s", "note"], rows, "lrrrrrrl")
    one_poem = statistics.median(s / plan.library_calls for s in library.seconds)
    bound = BATCH * plan.length * flops / ceiling
    batch_bound = (f"At the ceiling, {BATCH} poems need at least {_fmt_seconds(bound)} of arithmetic: "
                   f"{bound / one_poem:.1f}× the median time of one poem ({_fmt_seconds(one_poem)}).")
    return (f"## Generation, {config.name}: {config.describe()}\n\n"
            f"{plan.length} characters per poem after a {len(PRIME)}-character prime, top {TOP_N}, "
            f"{rounds} rounds after one warm-up call. Forward FLOPs per generated character "
            f"{flops / 1e6:.2f} M; ceiling {ceiling / flops:,.0f} chars/s (batch 1 is bound by memory and "
            f"latency, not arithmetic).{' ' + check + '.' if check else ''}\n\n{table}\n\n"
            f"{batch_bound} Peak RSS after this section: {peak_rss:,.0f} MiB.")


def _calls(measurement: Measurement, plan: Plan) -> int:
    return plan.library_calls if measurement.contender.key == "library" else 1


def _fmt_seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run (about a minute), same ratio lines")
    parser.add_argument("--configs", nargs="+", default=list(common.CONFIGS), choices=list(common.CONFIGS))
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 7, quick 3)")
    parser.add_argument("--threads", type=int, default=None, help="threads per framework (default: one per core)")
    args = parser.parse_args()
    common.set_threads(args.threads)
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    rounds = args.rounds or (3 if args.quick else 7)
    keras.utils.set_random_seed(0)

    report, ceiling, has_torch = common.start_report("Generation throughput" + (" (--quick)" if args.quick else ""))
    for name in args.configs:
        sample_section(common.CONFIGS[name], plan, rounds, ceiling, report, has_torch)
    common.finish_report(report)


if __name__ == "__main__":
    main()
