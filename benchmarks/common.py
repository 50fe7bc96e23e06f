"""Shared benchmark machinery: seed configurations, FLOPs, the matmul ceiling, interleaved rounds, reports.

Every contender of a benchmark runs once per round, in turn (A B C, then B C A, ...), after one warm-up
call that is timed separately (it includes tracing and XLA compilation). Contenders therefore share the
machine's background load round by round, and the per-round ratio of two contenders is much steadier
than either absolute figure on a busy machine. Figures are medians with the min–max over rounds.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported anywhere

try:  # PyTorch's optimizers import torch._dynamo on first use, which crashes (2.14) once TensorFlow is loaded
    import torch._dynamo  # noqa: F401
except ImportError:  # no PyTorch: its reference rows are skipped
    pass

import keras
import numpy as np
import tensorflow as tf

from charrnn_lib.config import TrainConfig
from charrnn_lib.text import TextConverter

tf.get_logger().setLevel("ERROR")  # each contender traces its own tf.function; the retracing warning is noise

# ---------------------------------------------------------------------------------------------------------------
# The two seed configurations
# ---------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SeedConfig:
    """One of the seed lessons' model + batch layouts."""

    name: str
    vocab_size: int
    lstm_size: int
    num_layers: int
    use_embedding: bool
    embedding_size: int
    num_seqs: int
    num_steps: int
    keep_prob: float  # the source material's dropout, as the benchmarks' recorded figures were measured
    learning_rate: float = 1e-3
    grad_clip: float = 5.0

    @property
    def input_size(self) -> int:
        """Width of the first LSTM layer's input: the embedding, or the one-hot vector."""
        return self.embedding_size if self.use_embedding else self.vocab_size

    @property
    def chars_per_batch(self) -> int:
        return self.num_seqs * self.num_steps

    def train_config(self, **overrides) -> TrainConfig:
        """The library's config for this layout (`max_vocab` + `<unk>` = `vocab_size`)."""
        knobs = dict(num_seqs=self.num_seqs, num_steps=self.num_steps, lstm_size=self.lstm_size,
                     num_layers=self.num_layers, use_embedding=self.use_embedding,
                     embedding_size=self.embedding_size, train_keep_prob=self.keep_prob,
                     learning_rate=self.learning_rate, grad_clip=self.grad_clip, max_vocab=self.vocab_size - 1)
        return TrainConfig.from_knobs(**{**knobs, **overrides})

    def converter(self) -> TextConverter:
        """A synthetic vocabulary of the right size (CJK ideographs), `<unk>` being the last id."""
        return TextConverter([chr(0x4E00 + index) for index in range(self.vocab_size - 1)])

    def describe(self) -> str:
        first = f"embedding {self.embedding_size}" if self.use_embedding else f"one-hot {self.vocab_size}"
        return (f"vocab {self.vocab_size:,}, {first}, LSTM {self.lstm_size} × {self.num_layers}, "
                f"batch {self.num_seqs} × {self.num_steps}, keep_prob {self.keep_prob}")


POETRY = SeedConfig("poetry", vocab_size=3500, lstm_size=128, num_layers=2, use_embedding=True,
                    embedding_size=128, num_seqs=32, num_steps=26, keep_prob=0.5)
ANNA = SeedConfig("anna", vocab_size=83, lstm_size=512, num_layers=2, use_embedding=False,
                  embedding_size=128, num_seqs=100, num_steps=100, keep_prob=0.5)
CONFIGS = {config.name: config for config in (POETRY, ANNA)}


def forward_flops_per_char(config: SeedConfig) -> float:
    """Multiply-adds ×2 of one forward step: Σ_layers 8·H·(I_l + H) for the LSTM gates + 2·H·V for the logits.

    The embedding lookup and one-hot are gathers, not arithmetic; element-wise gate maths is ignored.
    """
    hidden, flops, input_size = config.lstm_size, 0, config.input_size
    for _ in range(config.num_layers):
        flops += 8 * hidden * (input_size + hidden)
        input_size = hidden
    return float(flops + 2 * hidden * config.vocab_size)


def train_flops_per_char(config: SeedConfig) -> float:
    """Forward ×1 + backward ×2 (gradients with respect to both the inputs and the weights)."""
    return 3 * forward_flops_per_char(config)


# ---------------------------------------------------------------------------------------------------------------
# The arithmetic ceiling
# ---------------------------------------------------------------------------------------------------------------


class MatmulCeiling:
    """Best float32 matmul rate (FLOP/s) of TensorFlow, NumPy and (if installed) PyTorch seen during the run.

    A square `size`×`size` product costs 2·size³ FLOPs; all cores are used, as by the model code. It is a
    ceiling, so the best run counts, and `probe()` is called again between rounds: on a shared machine a
    quiet moment may come later.
    """

    def __init__(self, size: int = 1024) -> None:
        rng = np.random.default_rng(0)
        a, b = (rng.standard_normal((size, size), dtype=np.float32) for _ in range(2))
        self.size, self.flops = size, 2.0 * size**3
        ta, tb = tf.constant(a), tf.constant(b)
        tf_matmul = tf.function(lambda: tf.reduce_sum(tf.linalg.matmul(ta, tb)))  # the sum forces completion
        self.candidates: dict[str, Callable[[], object]] = {
            "tensorflow": lambda: float(tf_matmul()),
            "numpy": lambda: np.matmul(a, b),
        }
        torch = optional_torch()
        if torch is not None:
            pa, pb = torch.from_numpy(a), torch.from_numpy(b)
            self.candidates["torch"] = lambda: torch.mm(pa, pb)
        self.best = dict.fromkeys(self.candidates, 0.0)
        for run in self.candidates.values():
            run()  # warm-up

    def probe(self, repeats: int = 3) -> None:
        for name, run in self.candidates.items():
            self.best[name] = max(self.best[name], self.flops / min(_seconds(run) for _ in range(repeats)))

    @property
    def rate(self) -> float:
        return max(self.best.values())

    def describe(self) -> str:
        return (f"**{self.rate / 1e9:.0f} GFLOP/s** (best float32 {self.size}² matmul during the run: "
                + ", ".join(f"{name} {rate / 1e9:.0f}" for name, rate in self.best.items()) + ")")


def _seconds(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------------------------
# Interleaved rounds
# ---------------------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Contender:
    """One way of doing the work. `run()` does one round's work and returns how many characters it produced."""

    name: str
    run: Callable[[], int]
    note: str = ""
    key: str = ""  # short name for `ratio` lines


@dataclasses.dataclass
class Measurement:
    contender: Contender
    first_seconds: float = float("nan")  # the warm-up call: tracing + compilation + one round's work
    first_chars: int = 0
    seconds: list[float] = dataclasses.field(default_factory=list)
    chars: list[int] = dataclasses.field(default_factory=list)

    @property
    def name(self) -> str:
        return self.contender.name

    @property
    def rates(self) -> list[float]:
        """Characters per second, one per round."""
        return [chars / seconds for chars, seconds in zip(self.chars, self.seconds, strict=True)]

    @property
    def median_rate(self) -> float:
        return statistics.median(self.rates)

    @property
    def compile_seconds(self) -> float:
        """First call minus a typical call doing the same work: tracing + XLA compilation (≈)."""
        return max(self.first_seconds - self.first_chars / self.median_rate, 0.0)


def run_interleaved(contenders: Sequence[Contender], rounds: int, log: Callable[[str], None],
                    between_rounds: Callable[[], None] | None = None) -> list[Measurement]:
    """Warm each contender up once (timed apart), then run `rounds` rounds of every contender in turn.

    The starting contender rotates from round to round, so none is always first after another's work.
    `between_rounds` (e.g. the ceiling probe) runs after each round, outside the timings.
    """
    measurements = [Measurement(contender) for contender in contenders]
    for measurement in measurements:
        started = time.perf_counter()
        measurement.first_chars = measurement.contender.run()
        measurement.first_seconds = time.perf_counter() - started
        log(f"  warm-up  {measurement.name}: {measurement.first_seconds:.1f} s (peak RSS {peak_rss_mib():,.0f} MiB)")
    for round_index in range(rounds):
        shift = round_index % len(measurements)
        for measurement in measurements[shift:] + measurements[:shift]:
            started = time.perf_counter()
            chars = measurement.contender.run()
            measurement.seconds.append(time.perf_counter() - started)
            measurement.chars.append(chars)
        log(f"  round {round_index + 1}/{rounds}: "
            + ", ".join(f"{m.name} {m.rates[-1]:,.0f}" for m in measurements))
        if between_rounds is not None:
            between_rounds()
    return measurements


def per_round_ratios(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    return [a / b for a, b in zip(numerator, denominator, strict=True)]


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    """(median, min, max)."""
    return statistics.median(values), min(values), max(values)


# ---------------------------------------------------------------------------------------------------------------
# Reports: markdown tables and `ratio <what> <value>` lines
# ---------------------------------------------------------------------------------------------------------------


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def fmt_ratio(value: float) -> str:
    return f"{value:,.1f}" if value >= 100 else f"{value:.2f}"


def fmt_spread(values: Sequence[float], fmt: Callable[[float], str]) -> str:
    median, low, high = spread(values)
    return f"{fmt(median)} ({fmt(low)}–{fmt(high)})"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None) -> str:
    """A GitHub markdown table; `align` is one letter per column, `l` or `r` (default: first l, rest r)."""
    align = align or "l" + "r" * (len(headers) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [headers, rule, *rows]
    return "\n".join("| " + " | ".join(str(cell) for cell in line) + " |" for line in lines)


@dataclasses.dataclass
class Ratio:
    """A named comparison: the per-round ratios, and the target it is held to (if any)."""

    what: str
    values: list[float]
    meaning: str
    target: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values)


class Report:
    """Collects sections (markdown) and ratios, and prints them: tables first, then one `ratio` line each."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.sections: list[str | Callable[[], str]] = []
        self.ratios: list[Ratio] = []

    def add(self, markdown: str | Callable[[], str]) -> None:
        """A section, or a function giving it when the report is rendered (once the ceiling is final)."""
        self.sections.append(markdown)

    def ratio(self, what: str, values: list[float], meaning: str, target: str = "") -> Ratio:
        ratio = Ratio(what, values, meaning, target)
        self.ratios.append(ratio)
        return ratio

    def ratio_table(self) -> str:
        rows = [[f"`{r.what}`", r.meaning, fmt_spread(r.values, fmt_ratio), r.target or "—"] for r in self.ratios]
        return markdown_table(["ratio", "meaning", "median (min–max over rounds)", "target"], rows, "llrl")

    def render(self) -> str:
        parts = [f"# {self.title}", *(section if isinstance(section, str) else section() for section in self.sections)]
        if self.ratios:
            parts += ["## Ratios (per round, same round for both sides)", self.ratio_table()]
        lines = "\n".join(f"ratio {r.what} {fmt_machine(r.median)}" for r in self.ratios)
        return "\n\n".join(parts) + "\n\n" + lines + "\n"


def fmt_machine(value: float) -> str:
    return f"{value:.1f}" if value >= 100 else f"{value:.2f}"


# ---------------------------------------------------------------------------------------------------------------
# The machine, memory and logging
# ---------------------------------------------------------------------------------------------------------------


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cores() -> int:
    """Cores this process may use (the affinity mask where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def machine_description() -> str:
    torch = optional_torch()
    versions = (f"Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}, "
                f"NumPy {np.__version__}, PyTorch {torch.__version__ if torch is not None else 'not installed'}")
    return (f"{cpu_model()}, {cores()} cores; {versions}; "
            f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; load average (1/5/15 min) {load_average()}")


_threads: int | None = None


def set_threads(count: int | None) -> None:
    """Use `count` threads in TensorFlow (XLA included) and PyTorch; None keeps one per core.

    Call it before TensorFlow runs its first operation.
    """
    global _threads
    if count:
        tf.config.threading.set_intra_op_parallelism_threads(count)
        tf.config.threading.set_inter_op_parallelism_threads(count)
        _threads = count


def threads() -> int:
    """Threads per framework: `set_threads`'s count, else one per core."""
    return _threads or cores()


def optional_torch():
    """The `torch` module with one thread per core, or None (install the `bench` extra to get it)."""
    try:
        import torch
    except ImportError:
        return None
    if torch.get_num_threads() != threads():
        torch.set_num_threads(threads())
    return torch


TORCH_MISSING = ("**PyTorch is not installed**, so its reference rows and ratios are skipped. "
                 "Install it with `pip install -e '.[bench]'` (CPU wheels: add "
                 "`--extra-index-url https://download.pytorch.org/whl/cpu`).")


def start_report(title: str, note: str = "") -> tuple[Report, MatmulCeiling, bool]:
    """A report headed by the machine and the matmul ceiling (probed now; later probes may raise it, so the
    heading is written when the report is rendered), plus whether PyTorch is installed."""
    report, machine, has_torch = Report(title), machine_description(), optional_torch() is not None
    ceiling = MatmulCeiling()
    ceiling.probe(repeats=8)
    report.add(lambda: f"Machine: {machine}.\n\nMatmul ceiling: {ceiling.describe()}.{note}"
               + ("" if has_torch else "\n\n" + TORCH_MISSING))
    return report, ceiling, has_torch


def finish_report(report: Report) -> None:
    """Close the report with the process's peak memory and the load, and print it to stdout."""
    report.add(f"Peak RSS of the process: {peak_rss_mib():,.0f} MiB. Load average at the end: {load_average()}.")
    print(report.render(), end="")


def log(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


def percent_of(rate: float, flops_per_char: float, ceiling: float) -> str:
    return f"{100 * rate * flops_per_char / ceiling:.1f} %"
