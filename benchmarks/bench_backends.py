"""Training throughput on each Keras backend against the PyTorch `nn.LSTM` reference, round by round.

    python benchmarks/bench_backends.py              # both seed configurations, 5 rounds
    python benchmarks/bench_backends.py --quick      # a smoke run: 3 short rounds, figures not to quote

Keras fixes its backend when it is first imported, so every contender is a worker process of its own (this file
run with `--worker`): it builds its model, trains one warm-up round, then trains one round each time the parent
asks. The parent runs the rounds interleaved (A B C, then B C A, ...) as `common.run_interleaved` does, so the
contenders share the machine's background load; each ratio is per round against the faster PyTorch row of that
round, reported as the median and the min-max over rounds.

Each Keras row is what `charrnn_lib.train` runs: the stateful model, `compile_for_training` (Adam clipped by
global norm, the softmax cross-entropy; XLA on JAX), `make_dataset`'s batches in stream order and `model.fit` with
`steps_per_execution` 10 (1 on PyTorch, as Keras requires), on uniform random ids (the arithmetic does not depend
on the text).
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
ROUND_STEPS = {"poetry": 100, "anna": 20}  # about 10 s per round and contender on 2 cores
QUICK_ROUND_STEPS = {"poetry": 10, "anna": 10}


def worker(kind: str, config_name: str, steps: int) -> None:
    """Train `steps` batches per line read from stdin; answer each with the round's seconds (stdout)."""
    import common
    import numpy as np

    config = common.CONFIGS[config_name]
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

    for _ in sys.stdin:
        started = time.perf_counter()
        train_round()
        print(time.perf_counter() - started, flush=True)


class Worker:
    """One contender in its own process; `round()` trains one round there and returns its seconds."""

    def __init__(self, kind: str, config_name: str, steps: int) -> None:
        backend = kind if kind in KERAS_BACKENDS else "tensorflow"
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
        self.kind = kind
        self.process = subprocess.Popen([sys.executable, __file__, "--worker", kind, config_name, str(steps)],
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


def measure(config_name: str, steps: int, rounds: int) -> dict[str, list[float]]:
    """Characters per second of each contender, one figure per round (the warm-up round is not counted)."""
    import common

    # Keras on PyTorch runs eagerly, one step per call, about 100 times slower: a tenth of the steps per round.
    steps_of = {kind: max(2, steps // 10) if kind == "torch" else steps for kind in contenders()}
    batch_chars = common.CONFIGS[config_name].chars_per_batch
    workers = [Worker(kind, config_name, steps_of[kind]) for kind in contenders()]
    try:
        for each in workers:
            print(f"  warm-up {config_name} {each.kind}: {each.round():.1f} s", file=sys.stderr, flush=True)
        rates: dict[str, list[float]] = {each.kind: [] for each in workers}
        for index in range(rounds):
            shift = index % len(workers)
            for each in workers[shift:] + workers[:shift]:
                rates[each.kind].append(steps_of[each.kind] * batch_chars / each.round())
            print(f"  round {index + 1}/{rounds}: " + ", ".join(f"{kind} {values[-1]:,.0f}"
                                                              for kind, values in rates.items()),
                  file=sys.stderr, flush=True)
    finally:
        for each in workers:
            each.close()
    return rates


def report(config_name: str, rates: dict[str, list[float]]) -> None:
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
        name = f"Keras on {kind}" if kind in KERAS_BACKENDS else f"PyTorch nn.LSTM, {kind.split('-')[1]} threads"
        print(f"| {name} | {statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f}) | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short rounds: a smoke run, figures not to quote")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default: 5; 3 with --quick)")
    parser.add_argument("--configs", nargs="+", default=["poetry", "anna"], choices=["poetry", "anna"])
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "CONFIG", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, config_name, steps = args.worker
        worker(kind, config_name, int(steps))
        return
    import common

    rounds = args.rounds or (3 if args.quick else 5)
    print(f"# Training throughput by Keras backend\n\nMachine: {common.machine_description()}.\n"
          f"Rounds: {rounds}, interleaved; each Keras row is `model.fit` as `charrnn_lib.train` runs it.")
    for config_name in args.configs:
        steps = (QUICK_ROUND_STEPS if args.quick else ROUND_STEPS)[config_name]
        report(config_name, measure(config_name, steps, rounds))


if __name__ == "__main__":
    main()
