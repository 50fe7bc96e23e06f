"""Training (or sampling) throughput on each Keras backend against the PyTorch reference, round by round.

    python benchmarks/bench_backends.py                  # training, both seed configurations, 5 rounds
    python benchmarks/bench_backends.py --task sample    # sampling: the library's sampler vs PyTorch per-step loops
    python benchmarks/bench_backends.py --quick          # a smoke run: 3 short rounds, figures not to quote

Keras fixes its backend when it is first imported, so every contender is a worker process of its own (this file
run with `--worker`): it builds its model, trains one warm-up round, then trains one round each time the parent
asks. The parent runs the rounds interleaved (A B C, then B C A, ...) as `common.run_interleaved` does, so the
contenders share the machine's background load; each ratio is per round against the faster PyTorch row of that
round, reported as the median and the min-max over rounds.

Each Keras row is what `charrnn_lib.train` runs: the stateful model, `compile_for_training` (Adam clipped by
global norm, the softmax cross-entropy; XLA on JAX), `make_dataset`'s batches in stream order and `model.fit` with
`steps_per_execution` 10 (1 on PyTorch, as Keras requires), on uniform random ids (the arithmetic does not depend
on the text).

With `--task sample` each Keras row is `Sampler.sample` at batch 1 (500 characters after a 5-character prime, top 5,
as `bench_sample.py` times it), and the PyTorch rows are `bench_sample.py`'s fastest per-step loop (the draw in
PyTorch too) with one thread per core and oneDNN on (its defaults), and with one thread and oneDNN off (its tuned
row).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
KERAS_BACKENDS = ("tensorflow", "jax", "torch")
STEPS_PER_EXECUTION = 10
# Work per round and contender: batches trained, or characters sampled (about 2-10 s on 2 cores).
ROUND_WORK = {"train": {"poetry": 100, "anna": 20}, "sample": {"poetry": 8_000, "anna": 2_000}}
# Sampling work is a whole number of `bench_sample.py`'s 500-character calls.
QUICK_ROUND_WORK = {"train": {"poetry": 10, "anna": 10}, "sample": {"poetry": 1_000, "anna": 1_000}}


def worker(task: str, kind: str, config_name: str, work: int) -> None:
    """Run one round of `work` per line read from stdin; answer each with the round's seconds (stdout)."""
    import common

    config = common.CONFIGS[config_name]
    run_round = (training_round if task == "train" else sampling_round)(kind, config, work)
    for _ in sys.stdin:
        started = time.perf_counter()
        run_round()
        print(time.perf_counter() - started, flush=True)


def sampling_round(kind: str, config, chars: int):
    """A function generating `chars` characters at batch 1 after `bench_sample.py`'s prime, drawing from its top n:
    the library's sampler or a PyTorch loop."""
    from bench_sample import FULL_PLAN, PRIME, TOP_N

    seeds = iter(range(10**6))
    if kind.startswith("pytorch"):
        import torch
        from torch_reference import TorchCharRNN, generate_torch_topn

        threads = int(kind.split("-")[1])
        torch.set_num_threads(threads)
        model = TorchCharRNN(config, keep_prob=1.0).eval()

        def sample_round() -> None:
            with torch.backends.mkldnn.flags(enabled=threads > 1):  # bench_sample.py's default and tuned rows
                generate_torch_topn(model, PRIME, chars, TOP_N, next(seeds))
    else:
        import keras

        from charrnn_lib.model import build_model
        from charrnn_lib.sample import Sampler

        calls, rest = divmod(chars, FULL_PLAN.length)
        if rest or not calls:
            raise ValueError(f"sampling work must be a whole number of {FULL_PLAN.length}-character calls: {chars}")
        keras.utils.set_random_seed(0)
        sampler = Sampler(build_model(config.train_config().architecture, config.vocab_size, 1), config.converter())
        text = sampler.converter.decode(PRIME)

        def sample_round() -> None:
            for _ in range(calls):
                sampler.sample(text, FULL_PLAN.length, top_n=TOP_N, seed=next(seeds))
    return sample_round


def training_round(kind: str, config, steps: int):
    """A function training `steps` batches: `model.fit` as `charrnn_lib.train` runs it, or PyTorch's trainer."""
    import numpy as np

    stream = np.random.default_rng(0).integers(0, config.vocab_size, size=steps * config.chars_per_batch + 1,
                                               dtype=np.int32)
    if kind.startswith("pytorch"):
        import torch
        from torch_reference import TorchTrainer

        torch.set_num_threads(int(kind.split("-")[1]))

        trainer = TorchTrainer(config)
        windows = stream[:-1].reshape(config.num_seqs, steps, config.num_steps).transpose(1, 0, 2)
        targets = stream[1:].reshape(config.num_seqs, steps, config.num_steps).transpose(1, 0, 2)
        x, y = (torch.from_numpy(np.ascontiguousarray(array).astype(np.int64)) for array in (windows, targets))

        def train_round() -> None:
            trainer.train(x, y, 0, steps)
    else:
        from charrnn_lib.batches import make_dataset
        from charrnn_lib.model import build_model
        from charrnn_lib.training import ResetAtPassStart, compile_for_training, steps_per_call

        settings = config.train_config(log_every_n=STEPS_PER_EXECUTION, save_every_n=steps, max_steps=steps)
        model = build_model(settings.architecture, config.vocab_size, config.num_seqs)
        compile_for_training(model, settings, steps_per_execution=steps_per_call(settings, steps, 0))
        dataset = make_dataset(stream, config.num_seqs, config.num_steps)
        reset = ResetAtPassStart(steps)

        def train_round() -> None:
            model.fit(dataset, epochs=1, steps_per_epoch=steps, callbacks=[reset], verbose=0, shuffle=False)
    return train_round


class Worker:
    """One contender in its own process; `round()` runs one round there and returns its seconds."""

    def __init__(self, task: str, kind: str, config_name: str, work: int) -> None:
        backend = kind if kind in KERAS_BACKENDS else "tensorflow"
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
        self.kind = kind
        self.process = subprocess.Popen([sys.executable, __file__, "--worker", task, kind, config_name, str(work)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                        cwd=BENCHMARKS)

    def round(self) -> float:
        self.process.stdin.write("round\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the {self.kind} worker stopped (its error is above)")
        return float(answer)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def contenders() -> list[str]:
    """The installed Keras backends, then PyTorch's reference with one thread per core and with one thread."""
    installed = [backend for backend in KERAS_BACKENDS if importlib.util.find_spec(backend) is not None]
    threads = sorted({os.cpu_count() or 1, 1}, reverse=True)
    return installed + ([f"pytorch-{count}" for count in threads] if "torch" in installed else [])


def measure(task: str, config_name: str, work: int, rounds: int) -> dict[str, list[float]]:
    """Characters per second of each contender, one figure per round (the warm-up round is not counted)."""
    import common
    from bench_sample import FULL_PLAN

    # Keras on PyTorch runs eagerly, one step per call, about 100 times slower: less work per round.
    slow = max(2, work // 10) if task == "train" else FULL_PLAN.length
    work_of = {kind: slow if kind == "torch" else work for kind in contenders()}
    chars_per_unit = common.CONFIGS[config_name].chars_per_batch if task == "train" else 1
    workers = [Worker(task, kind, config_name, work_of[kind]) for kind in contenders()]
    try:
        for each in workers:
            print(f"  warm-up {config_name} {each.kind}: {each.round():.1f} s", file=sys.stderr, flush=True)
        rates: dict[str, list[float]] = {each.kind: [] for each in workers}
        for index in range(rounds):
            shift = index % len(workers)
            for each in workers[shift:] + workers[:shift]:
                rates[each.kind].append(work_of[each.kind] * chars_per_unit / each.round())
            print(f"  round {index + 1}/{rounds}: " + ", ".join(f"{kind} {values[-1]:,.0f}"
                                                              for kind, values in rates.items()),
                  file=sys.stderr, flush=True)
    finally:
        for each in workers:
            each.close()
    return rates


def report(task: str, config_name: str, rates: dict[str, list[float]]) -> None:
    """A Markdown table: each contender's median rate (min-max) and its median ratio to the faster PyTorch row."""
    import common

    torch_rows = [values for kind, values in rates.items() if kind.startswith("pytorch")]
    fastest = [max(values) for values in zip(*torch_rows, strict=True)] if torch_rows else None
    print(f"\n### {config_name}: {common.CONFIGS[config_name].describe()}\n")
    print("| contender | chars/s, median (min-max) | vs the faster PyTorch row, median (min-max) |")
    print("|---|---|---|")
    for kind, values in rates.items():
        ratio = "-"
        if fastest is not None:
            ratios = [value / best for value, best in zip(values, fastest, strict=True)]
            ratio = f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}-{max(ratios):.2f})"
        threads = kind.split("-")[-1]
        torch_name = f"PyTorch nn.LSTM, {threads} thread{'s' * (threads != '1')}"
        name = (f"Keras on {kind}" if kind in KERAS_BACKENDS
                else torch_name + (", oneDNN off" if task == "sample" and threads == "1" else ""))
        print(f"| {name} | {statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f}) | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=["train", "sample"], default="train", help="what to time (default: train)")
    parser.add_argument("--quick", action="store_true", help="short rounds: a smoke run, figures not to quote")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default: 5; 3 with --quick)")
    parser.add_argument("--configs", nargs="+", default=["poetry", "anna"], choices=["poetry", "anna"])
    parser.add_argument("--worker", nargs=4, metavar=("TASK", "KIND", "CONFIG", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        task, kind, config_name, work = args.worker
        worker(task, kind, config_name, int(work))
        return
    import common
    from bench_sample import FULL_PLAN, TOP_N

    rounds = args.rounds or (3 if args.quick else 5)
    what = ("Training", "`model.fit` as `charrnn_lib.train` runs it") if args.task == "train" else (
        "Sampling", f"`Sampler.sample` at batch 1, top {TOP_N}, {FULL_PLAN.length} characters per call")
    print(f"# {what[0]} throughput by Keras backend\n\nMachine: {common.machine_description()}.\n"
          f"Rounds: {rounds}, interleaved; each Keras row is {what[1]}.")
    for config_name in args.configs:
        work = (QUICK_ROUND_WORK if args.quick else ROUND_WORK)[args.task][config_name]
        report(args.task, config_name, measure(args.task, config_name, work, rounds))


if __name__ == "__main__":
    main()
