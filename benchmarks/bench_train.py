"""Training throughput: charrnn_lib's trainer vs plain `model.fit` vs a PyTorch `nn.LSTM` reference.

    python benchmarks/bench_train.py            # full run: both seed configurations, ~30 min on 2 cores
    python benchmarks/bench_train.py --quick    # smoke run, same `ratio` lines

All contenders train the same architecture on the same uniformly random ids (the arithmetic does not depend
on the text), interleaved round by round. A round is a fixed number of consecutive batches, with the hidden
state carried across batches and rounds. Besides the three main contenders, design variants of the library's
trainer (XLA on/off, unrolled LSTMs, chunk sizes) run in the same rounds. A quality check then trains the
library on real text with fixed seeds and reports the validation loss, so a later speed change can be shown
to leave it unchanged.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time

import common
import keras
import numpy as np
import tensorflow as tf
from common import Contender, Measurement, Report, SeedConfig, fmt_rate, fmt_ratio, fmt_spread, log, per_round_ratios
from previous_trainer import CompiledSteps

from charrnn_lib import datasets
from charrnn_lib.batches import make_batches, make_dataset
from charrnn_lib.history import TrainingHistory
from charrnn_lib.model import build_char_rnn
from charrnn_lib.training import RecordTrainingLoss, ResetAtPassStart, compile_for_training, train

LIBRARY = "charrnn_lib train (model.fit)"
PREVIOUS = "previous trainer (CompiledSteps)"


@dataclasses.dataclass(frozen=True)
class Plan:
    """How much work one round does, in which chunks the library is called, and the quality check's runs."""

    steps: int  # batches per round, per contender
    chunk: int  # steps per CompiledSteps.train call for the library row (train() calls it per log_every_n steps)
    variant_chunks: tuple[int, ...]  # other chunk sizes to try
    rounds: int  # timed rounds
    quality_steps: int = 0  # training steps of the quality check (0: none)
    quality_runs: tuple[tuple[int, bool], ...] = ()  # (seed, jit_compile) per quality run


# Seeds 1-3 with the default trainer (no XLA), against the validation losses the previous trainer recorded for the
# same seeds, settings and text (RESULTS.md, quality check of 14:25 UTC): the same quality within seed noise?
QUALITY_RUNS = ((1, False), (2, False), (3, False))
PREVIOUS_TRAINER_VAL_LOSS = {"poetry": {1: 6.0305, 2: 6.0928, 3: 6.0814}, "anna": {1: 3.1134, 2: 3.1081, 3: 3.1018}}
# Rounds are long enough that `model.fit`'s per-call set-up (iterator, callbacks), which a real run pays once,
# does not dominate: 100 poetry steps (about 8 s) and 20 Anna steps (about 10 s) per contender per round.
FULL_PLANS = {
    "poetry": Plan(steps=100, chunk=10, variant_chunks=(1, 20), rounds=5, quality_steps=300,
                   quality_runs=QUALITY_RUNS),
    "anna": Plan(steps=20, chunk=10, variant_chunks=(1,), rounds=3, quality_steps=20, quality_runs=QUALITY_RUNS),
}
QUICK_PLANS = {  # a smoke run: enough to see that everything works, not figures to quote
    "poetry": Plan(steps=5, chunk=5, variant_chunks=(), rounds=3),
    "anna": Plan(steps=1, chunk=1, variant_chunks=(), rounds=3),
}
QUALITY_CORPUS = {"poetry": "tang_hzy46", "anna": "anna"}  # the texts the previous trainer's figures used


def keras_trainer_model(config: SeedConfig, unroll: bool = False, **compile_options) -> keras.Model:
    """The library's stateful training model, compiled as `charrnn_lib.training.train` compiles it."""
    model = build_char_rnn(config.vocab_size, lstm_size=config.lstm_size, num_layers=config.num_layers,
                           use_embedding=config.use_embedding, embedding_size=config.embedding_size,
                           keep_prob=config.keep_prob, batch_size=config.num_seqs, stateful=True,
                           unroll_steps=config.num_steps if unroll else None)  # as train(..., unroll=True)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, global_clipnorm=config.grad_clip),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), **compile_options)
    model.optimizer.build(model.trainable_variables)
    return model


def random_stream(config: SeedConfig, steps: int, seed: int = 0) -> np.ndarray:
    """Uniform ids: exactly `steps` batches of `num_seqs` × `num_steps` (plus the last target)."""
    return np.random.default_rng(seed).integers(0, config.vocab_size, size=steps * config.chars_per_batch + 1,
                                                 dtype=np.int32)


def library_contender(name: str, config: SeedConfig, batches, plan_steps: int, chunk: int, *,
                      jit_compile: bool = False, unroll: bool = False, note: str = "", key: str = "") -> Contender:
    trainer = CompiledSteps(keras_trainer_model(config, unroll), jit_compile=jit_compile)
    x, y = (tf.constant(array) for array in batches)

    def run() -> int:
        for start in range(0, plan_steps, chunk):
            trainer.train(x, y, start, min(chunk, plan_steps - start))
        return plan_steps * config.chars_per_batch

    return Contender(name, run, note, key)


def fit_trainer_contender(config: SeedConfig, stream: np.ndarray, steps: int, chunk: int) -> Contender:
    """What `train` runs: `model.fit` with `steps_per_execution`, its loss, and its per-call callbacks."""
    settings = config.train_config(log_every_n=chunk, save_every_n=steps, max_steps=steps)
    model = keras_trainer_model(config)
    compile_for_training(model, settings, steps_per_execution=chunk)
    bookkeeping = [ResetAtPassStart(steps), RecordTrainingLoss(TrainingHistory(), settings)]

    def run() -> int:
        model.fit(make_dataset(stream, config.num_seqs, config.num_steps), epochs=1, steps_per_epoch=steps,
                  callbacks=bookkeeping, verbose=0, shuffle=False)
        return steps * config.chars_per_batch

    return Contender(LIBRARY, run, f"steps_per_execution={chunk}, the reset and loss-log callbacks", "library")


def fit_contender(config: SeedConfig, stream: np.ndarray, steps: int) -> Contender:
    model = keras_trainer_model(config)
    dataset = make_dataset(stream, config.num_seqs, config.num_steps)  # the same batches, in stream order

    def run() -> int:
        model.fit(dataset, epochs=1, shuffle=False, verbose=0)
        return steps * config.chars_per_batch

    return Contender("plain model.fit", run, f"same stateful model; Keras default jit_compile → {model.jit_compile}",
                     "fit")


def fit_xla_contender(config: SeedConfig, stream: np.ndarray, steps: int, chunk: int) -> Contender:
    """`model.fit` with XLA forced on and `chunk` steps per compiled call: could fit replace CompiledSteps?"""
    model = keras_trainer_model(config, jit_compile=True, steps_per_execution=chunk)
    dataset = make_dataset(stream, config.num_seqs, config.num_steps)

    def run() -> int:
        model.fit(dataset, epochs=1, shuffle=False, verbose=0)
        return steps * config.chars_per_batch

    return Contender(f"variant: model.fit, XLA, steps_per_execution={chunk}", run, "jit_compile=True",
                     f"fit-xla-spe{chunk}")


def torch_contender(config: SeedConfig, batches, threads: int) -> Contender:
    import torch
    from torch_reference import TorchTrainer

    trainer = TorchTrainer(config)
    x, y = (torch.from_numpy(array.astype(np.int64)) for array in batches)

    def run() -> int:
        torch.set_num_threads(threads)
        trainer.train(x, y, 0, x.shape[0])
        return x.shape[0] * config.chars_per_batch

    if threads == common.threads():
        return Contender("PyTorch nn.LSTM", run, f"the reference: {threads} threads", "torch")
    return Contender(f"PyTorch nn.LSTM, {threads} thread", run,
                     "guards against OpenMP spinning when other processes share the cores", f"torch-{threads}")


def contenders_for(config: SeedConfig, plan: Plan, with_torch: bool, with_variants: bool) -> list[Contender]:
    stream = random_stream(config, plan.steps)
    batches = make_batches(stream, config.num_seqs, config.num_steps)  # (steps, num_seqs, num_steps) each
    chunk_note = f"chunks of {plan.chunk} steps (as train() between log lines)"
    contenders = [
        fit_trainer_contender(config, stream, plan.steps, plan.chunk),
        library_contender(PREVIOUS, config, batches, plan.steps, plan.chunk, note=f"no XLA, {chunk_note}",
                          key="previous"),
        fit_contender(config, stream, plan.steps),
    ]
    if with_torch:
        contenders += [torch_contender(config, batches, threads) for threads in sorted({common.threads(), 1})[::-1]]
    if with_variants:
        contenders += [
            library_contender("variant: XLA", config, batches, plan.steps, plan.chunk, jit_compile=True,
                              note=f"jit_compile=True, chunks of {plan.chunk}", key="xla"),
            library_contender("variant: XLA + unroll", config, batches, plan.steps, plan.chunk, jit_compile=True,
                              unroll=True, note=f"LSTM unroll=True, chunks of {plan.chunk}", key="xla-unroll"),
            library_contender("variant: no XLA + unroll", config, batches, plan.steps, plan.chunk, unroll=True,
                              note=f"train(..., unroll=True), chunks of {plan.chunk}", key="no-xla-unroll"),
            fit_xla_contender(config, stream, plan.steps, plan.chunk),
        ]
        contenders += [library_contender(f"variant: chunk {chunk}", config, batches, plan.steps, chunk,
                                         note=f"{chunk} steps per compiled call", key=f"chunk{chunk}")
                       for chunk in plan.variant_chunks if chunk != plan.chunk]
    return contenders


def throughput_section(config: SeedConfig, plan: Plan, rounds: int, ceiling: common.MatmulCeiling, report: Report,
                       with_torch: bool, with_variants: bool) -> None:
    log(f"[{config.name}] {config.describe()}; {plan.steps} steps per contender per round")
    measurements = common.run_interleaved(contenders_for(config, plan, with_torch, with_variants), rounds, log,
                                          between_rounds=ceiling.probe)
    by_name = {m.name: m for m in measurements}
    library = by_name[LIBRARY]
    peak_rss = common.peak_rss_mib()
    report.add(lambda: _train_table(config, plan, rounds, measurements, library, ceiling.rate, peak_rss))
    prefix = f"train/{config.name}"
    fit = by_name["plain model.fit"]
    torch_rows = [m for m in measurements if m.contender.key.startswith("torch")]
    if torch_rows:
        # The faster PyTorch row of each round: 2 OpenMP threads collapse when other processes take a core.
        fastest_torch = [max(rates) for rates in zip(*(m.rates for m in torch_rows), strict=True)]
        report.ratio(f"{prefix}/vs-torch", per_round_ratios(library.rates, fastest_torch),
                     "library trainer ÷ the faster PyTorch row of the round (chars/s)", "≥ 1.0")
    report.ratio(f"{prefix}/vs-previous", per_round_ratios(library.rates, by_name[PREVIOUS].rates),
                 "library trainer (model.fit) ÷ the previous CompiledSteps trainer, same rounds", "≥ 0.97")
    report.ratio(f"{prefix}/vs-fit", per_round_ratios(library.rates, fit.rates),
                 "library trainer ÷ plain model.fit")
    if torch_rows:
        report.ratio(f"{prefix}/fit-vs-torch", per_round_ratios(fit.rates, fastest_torch),
                     "plain model.fit ÷ the faster PyTorch row")
        if unrolled := by_name.get("variant: no XLA + unroll"):
            report.ratio(f"{prefix}/unroll-vs-torch", per_round_ratios(unrolled.rates, fastest_torch),
                         "the trainer with train(..., unroll=True) ÷ the faster PyTorch row", "≥ 1.0")
    for m in measurements:
        if m.name.startswith("variant: "):
            report.ratio(f"{prefix}/{m.contender.key}-vs-library", per_round_ratios(m.rates, library.rates),
                         f"{m.name.removeprefix('variant: ')} ÷ library row")


def _train_table(config: SeedConfig, plan: Plan, rounds: int, measurements: list[Measurement],
                 library: Measurement, ceiling: float, peak_rss: float) -> str:
    flops = common.train_flops_per_char(config)
    rows = []
    for m in measurements:
        versus = "1.00" if m is library else fmt_spread(per_round_ratios(m.rates, library.rates), fmt_ratio)
        rows.append([m.name, fmt_spread(m.rates, fmt_rate), common.percent_of(m.median_rate, flops, ceiling),
                     versus, f"{m.first_seconds:.1f}", f"{m.compile_seconds:.1f}", m.contender.note])
    table = common.markdown_table(
        ["contender", "chars/s median (min–max)", "% of ceiling", "× library, per round", "first call s",
         "≈ compile s", "note"], rows, "lrrrrrl")
    fastest = _fastest_keras(measurements)
    summary = f"Fastest Keras trainer: **{fastest.name}**; per round, " + ", ".join(
        f"{fmt_spread(per_round_ratios(fastest.rates, rates), fmt_ratio)}× {what}"
        for what, rates in _baselines(measurements, library) if not (fastest is library and what == "the library row"))
    return (f"## Training, {config.name}: {config.describe()}\n\n"
            f"{plan.steps} batches ({plan.steps * config.chars_per_batch:,} characters) per contender per round, "
            f"{rounds} rounds after one warm-up call. FLOPs per trained character "
            f"{flops / 1e6:.2f} M; ceiling {ceiling / flops:,.0f} chars/s.\n\n{table}\n\n{summary}. "
            f"Peak RSS after this section: {peak_rss:,.0f} MiB.")


def _baselines(measurements: list[Measurement], library: Measurement) -> list[tuple[str, list[float]]]:
    """Per-round rates to compare the fastest Keras trainer with: the library, plain fit, the faster PyTorch."""
    baselines = [("the library row", library.rates),
                 ("plain model.fit", next(m.rates for m in measurements if m.contender.key == "fit"))]
    torch_rows = [m.rates for m in measurements if m.contender.key.startswith("torch")]
    if torch_rows:
        baselines.append(("the faster PyTorch row", [max(rates) for rates in zip(*torch_rows, strict=True)]))
    return baselines


def _fastest_keras(measurements: list[Measurement]) -> Measurement:
    keras_trainers = [m for m in measurements if m.name in (LIBRARY, PREVIOUS) or m.name.startswith("variant: ")]
    return max(keras_trainers, key=lambda m: m.median_rate)


def quality_section(configs: list[SeedConfig], plans: dict[str, Plan], report: Report) -> None:
    """Train the library on real text with fixed seeds; report the validation loss."""
    rows, lines = [], []
    for config in configs:
        plan = plans[config.name]
        if plan.quality_steps == 0:
            continue
        text = datasets.load(QUALITY_CORPUS[config.name])
        for seed, jit_compile in plan.quality_runs:
            train_config = config.train_config(name=f"bench-{config.name}", seed=seed, max_steps=plan.quality_steps,
                                               save_every_n=plan.quality_steps, log_every_n=10)
            log(f"[quality {config.name}] seed {seed}, jit_compile={jit_compile}, {plan.quality_steps} steps")
            with tempfile.TemporaryDirectory() as run_dir:
                started = time.perf_counter()
                run = train(text, train_config, run_dir, resume=False, verbose=0, keep_checkpoints=1,
                            jit_compile=jit_compile)
                seconds = time.perf_counter() - started
            val_loss = run.history.val_loss[-1]
            rows.append([config.name, QUALITY_CORPUS[config.name], str(plan.quality_steps), str(seed),
                         "XLA" if jit_compile else "no XLA", f"{run.history.loss[-1]:.4f}", f"{val_loss:.4f}",
                         f"{seconds:.0f}"])
            lines.append(f"quality train/{config.name}/seed{seed}-{'xla' if jit_compile else 'noxla'}/val-loss "
                         f"{val_loss:.4f}")
    if rows:
        table = common.markdown_table(["config", "corpus", "steps", "seed", "trainer", "last train loss",
                                       "validation loss", "wall s"], rows, "llrrlrrr")
        report.add("## Quality check: `charrnn_lib.training.train` on real text\n\n"
                   "Seeds 1-3 of the `model.fit` trainer against the validation losses the previous trainer "
                   "(`CompiledSteps`) recorded for the same seeds, settings and text. The two trainers draw their "
                   "dropout masks differently, so a seed's two runs are not expected to agree digit for digit: the "
                   "question is whether the new trainer's losses fall within the seed-to-seed spread of the old.\n\n"
                   + table + "\n\n" + "\n".join(lines + _compare_with_previous(rows)))


def _compare_with_previous(rows: list[list[str]]) -> list[str]:
    """One line per configuration: mean and range of both trainers' validation losses over the same seeds."""
    lines = []
    for name, previous in PREVIOUS_TRAINER_VAL_LOSS.items():
        new = {int(row[3]): float(row[6]) for row in rows if row[0] == name and row[4] == "no XLA"}
        old = [previous[seed] for seed in new if seed in previous]
        if not new or len(old) != len(new):
            continue
        lines.append(f"quality train/{name}/model.fit-vs-previous mean {np.mean(list(new.values())):.4f} "
                     f"(range {min(new.values()):.4f}-{max(new.values()):.4f}) vs {np.mean(old):.4f} "
                     f"(range {min(old):.4f}-{max(old):.4f}), seeds {sorted(new)}")
    return lines


MEMORY_CORPUS_BYTES = 60_000_000
_MEASURE_PEAK = """
import resource, sys, tempfile
import charrnn_lib as cr
text = cr.read_corpus(sys.argv[1])
config = cr.TrainConfig.from_knobs(num_seqs=32, num_steps=26, lstm_size=128, num_layers=2, max_vocab=100,
                                   validation_fraction=0.01, max_steps=10, save_every_n=10, log_every_n=10, seed=1)
with tempfile.TemporaryDirectory() as run_dir:
    cr.train(text, config, run_dir, verbose=0, keep_checkpoints=1)
print(len(text), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def memory_section(report: Report) -> None:
    """Peak memory of `train` on a 60 MB corpus, above the same run on a small one: bytes per character."""
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    alphabet = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ.,;:!?'\n0123456789", np.uint8)
    peaks = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, size in (("small", 200_000), ("60 MB", MEMORY_CORPUS_BYTES)):
            path = f"{folder}/{label.replace(' ', '')}.txt"
            with open(path, "wb") as handle:
                for start in range(0, size, 10_000_000):
                    handle.write(alphabet[rng.integers(0, len(alphabet), min(10_000_000, size - start))].tobytes())
            log(f"[memory] training on the {label} corpus in a fresh process")
            result = subprocess.run([sys.executable, "-c", _MEASURE_PEAK, path], capture_output=True, text=True,
                                    check=True)
            chars, peak_kib = (int(value) for value in result.stdout.split()[-2:])
            peaks[label] = (chars, peak_kib * 1024)
    (small_chars, small_peak), (big_chars, big_peak) = peaks["small"], peaks["60 MB"]
    per_char = (big_peak - small_peak) / (big_chars - small_chars)
    rows = [[label, f"{chars:,}", f"{peak / 2**20:,.0f}"] for label, (chars, peak) in peaks.items()]
    report.add("## Memory: peak RSS of `train` by corpus size\n\n" + common.markdown_table(
        ["corpus", "characters", "peak RSS MiB"], rows, "lrr") +
        f"\n\n{per_char:.2f} bytes per character above the small run (the framework's own footprint); "
        "the trainer before issue #15 took about 23.")
    report.ratio("memory/bytes-per-char", [per_char], "peak RSS growth per corpus character", "≤ 5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run (1-2 minutes), same ratio lines")
    parser.add_argument("--configs", nargs="+", default=list(common.CONFIGS), choices=list(common.CONFIGS))
    parser.add_argument("--rounds", type=int, default=None,
                        help="timed rounds (default: poetry 7, anna 5; quick 3)")
    parser.add_argument("--threads", type=int, default=None, help="threads per framework (default: one per core)")
    parser.add_argument("--no-variants", action="store_true", help="skip the design variants")
    parser.add_argument("--no-quality", action="store_true", help="skip the validation-loss check")
    parser.add_argument("--quality-only", action="store_true", help="only the validation-loss check")
    parser.add_argument("--memory", action="store_true", help="also the peak memory on a 60 MB corpus (2 processes)")
    args = parser.parse_args()
    common.set_threads(args.threads)
    plans = QUICK_PLANS if args.quick else FULL_PLANS
    configs = [common.CONFIGS[name] for name in args.configs]
    keras.utils.set_random_seed(0)

    report, ceiling, has_torch = common.start_report(
        "Training throughput" + (" (--quick)" if args.quick else ""),
        " The library row runs `model.fit` as `charrnn_lib.training.train` does; the previous trainer's "
        "`CompiledSteps` (benchmarks/previous_trainer.py) runs in the same rounds.")
    for config in configs if not args.quality_only else []:
        plan = plans[config.name]
        throughput_section(config, plan, args.rounds or plan.rounds, ceiling, report, has_torch,
                           with_variants=not args.no_variants and not args.quick)
    if not args.no_quality and not args.quick:
        quality_section(configs, plans, report)
    if args.memory:
        memory_section(report)
    common.finish_report(report)


if __name__ == "__main__":
    main()
