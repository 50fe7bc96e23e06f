"""Train the pretrained runs that ship in charrnn_lib/pretrained/, reproducibly.

    python tools/train_pretrained.py tang --max_minutes 45

Trains with `charrnn_lib.training.train` from a fixed seed, validates every `save_every_n` steps, halves the
learning rate when validation loss stalls and stops when it has not improved for `--patience`
validations (or at the first validation after `--max_minutes`). The best checkpoint is exported with
`charrnn_lib.pretrained.export_pretrained` (float16 weights, no optimizer state), together with the
command, seed, wall time, final validation numbers and the recipe's own metric (for `tang`: the share of
200 sampled lines shaped like a five-character couplet, at each validation point and at the end).
To add a run (e.g. `anna`), add a `Recipe` to `RECIPES`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import re
import shlex
import shutil
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import keras
import tensorflow as tf

import charrnn_lib as cr
from charrnn_lib import checkpoints
from charrnn_lib.atomic import write_text_atomic
from charrnn_lib.poet import CoupletIndex
from charrnn_lib.poetry import couplet_shape_ratio, sample_lines
from charrnn_lib.pretrained import export_pretrained, load_provenance, write_provenance
from charrnn_lib.training import ValidationReport

REPOSITORY = Path(__file__).resolve().parent.parent
QUATRAIN = re.compile("[^，。\\n]{5}，[^，。\\n]{5}。[^，。\\n]{5}，[^，。\\n]{5}。")
_VERSE = "|".join(f"(?:[^，。：\\n]{{{n}}}，[^，。：\\n]{{{n}}}。){{{pairs}}}" for n in (5, 7) for pairs in (2, 4))
TITLED_POEM = re.compile(f"[^，。：\\n]{{1,30}}：(?:{_VERSE})")  # 题目：then a 五言/七言 绝句 or 律诗
METRIC_SEED = 0  # the sampling seed of every measurement, so a rerun measures the same lines
WATCH_FILE = "watch.json"  # the ValidationWatch's state, for --resume
logger = logging.getLogger("charrnn.pretrained")


def tang_couplet_shape(sampler: cr.Sampler) -> float:
    """Share of 200 sampled lines (10 samples of 20) shaped 五字，五字。 at the default settings (top_n 5, T 1)."""
    return couplet_shape_ratio(sample_lines(sampler, 200, lines_per_row=20, seed=METRIC_SEED))


def tang_first_line_shape(sampler: cr.Sampler) -> float:
    """Share of 200 first lines of fresh samples shaped 五字，五字。 (a cold start is the hardest line)."""
    return couplet_shape_ratio(sample_lines(sampler, 200, lines_per_row=1, seed=METRIC_SEED))


def wujue_shape(sampler: cr.Sampler) -> float:
    """Share of 200 sampled lines (10 samples of 20) shaped as a quatrain 五字，五字。五字，五字。 (top_n 5, T 1)."""
    lines = []
    for text in sampler.sample("", 20 * 25, num_samples=10, seed=METRIC_SEED):
        lines += text.split("\n")[:20]
    return sum(QUATRAIN.fullmatch(line) is not None for line in lines[:200]) / 200


def titled_poem_shape(sampler: cr.Sampler) -> float:
    """Share of 200 sampled lines (10 samples of 20) shaped `题目：` + a 五言/七言 绝句 or 律诗 (top_n 5, T 1)."""
    lines = []
    for text in sampler.sample("", 20 * 80, num_samples=10, seed=METRIC_SEED):
        lines += text.split("\n")[:20]
    return sum(TITLED_POEM.fullmatch(line) is not None for line in lines[:200]) / 200


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A corpus, a training config, and an optional metric measured on samples at each validation."""

    corpus: str
    config: cr.TrainConfig
    metric_name: str | None = None
    metric: Callable[[cr.Sampler], float] | None = None
    final_metrics: dict[str, Callable[[cr.Sampler], float]] = dataclasses.field(default_factory=dict)
    metric_sampling: dict | None = None  # how the metric samples, recorded in the provenance
    progression_steps: tuple[int, ...] = ()  # checkpoints also exported, to sample the run early/midway/late
    couplet_index: bool = False  # export the corpus's couplets (poet.CoupletIndex) so `charrnn poem` refuses copies


RECIPES = {
    # The poetry lesson's model (embedding 128, LSTM 128 x 2, max_vocab 3500, 32 x 26 batches); lr 0.005 /
    # keep_prob 0.8 reached a lower validation loss than 0.001 / 0.5 in the same steps. Trained before the output
    # bias could start at the character frequencies: the shipped run's settings, written out.
    "tang": Recipe(
        corpus="tang_hzy46",  # the poetry lesson's copy (data folder only), which the shipped run was trained on
        config=cr.TrainConfig.from_knobs(name="tang", num_seqs=32, num_steps=26, lstm_size=128, num_layers=2,
                              use_embedding=True, embedding_size=128, learning_rate=0.005, train_keep_prob=0.8,
                              unigram_output_bias=False, max_steps=100_000, save_every_n=500, log_every_n=100,
                              max_vocab=3500, seed=2026),
        metric_name="couplet_shape_ratio",
        metric=tang_couplet_shape,
        final_metrics={"first_line_couplet_ratio": tang_first_line_shape},
        metric_sampling={"lines": 200, "samples": 10, "lines_per_sample": 20, "top_n": 5, "temperature": 1.0,
                         "seed": METRIC_SEED},
    ),
    # The Anna KaRNNa notebook's one-hot model, sized for a laptop CPU: LSTM 256 x 2 trains ~3.5x faster than
    # 512 x 2 (12,400 vs 3,550 chars/s here), so it sees ~20 passes of the novel in an hour. One pass is
    # ~190 steps of 100 x 100; the kept checkpoints show noise (100), words (300) and sentences (1000).
    "anna": Recipe(
        corpus="anna",
        config=cr.TrainConfig.from_knobs(name="anna", num_seqs=100, num_steps=100, lstm_size=256, num_layers=2,
                              use_embedding=False, learning_rate=0.002, train_keep_prob=0.9,
                              unigram_output_bias=False, max_steps=100_000, save_every_n=100, log_every_n=50,
                              seed=2026),
        progression_steps=(100, 300, 1000),
    ),
    # A quatrain model: every 五言绝句 once, one poem per line (25 characters with the line break), the last 185
    # held out; the lesson-7 settings with the output bias at the character frequencies.
    "wujue": Recipe(
        corpus="tang_wujue",
        config=cr.TrainConfig.from_knobs(name="wujue", num_seqs=32, num_steps=25, lstm_size=128, num_layers=2,
                                         use_embedding=True, embedding_size=128, learning_rate=0.005,
                                         train_keep_prob=0.8, unigram_output_bias=True, max_steps=100_000,
                                         save_every_n=250, log_every_n=50, max_vocab=3500, seed=2026),
        metric_name="quatrain_shape_ratio",
        metric=wujue_shape,
        metric_sampling={"lines": 200, "samples": 10, "lines_per_sample": 20, "top_n": 5, "temperature": 1.0,
                         "seed": METRIC_SEED},
    ),
    # The default poet of `charrnn poem`: every regulated 五言/七言 绝句 and 律诗, one titled poem per line. Bigger
    # than the lesson model (embedding 256, LSTM 512 x 2, 64 x 64 batches), heavier dropout for many passes over
    # 1.1M characters, trained for hours in the background and resumed across sessions (--resume).
    "poet": Recipe(
        corpus="tang_regulated",
        config=cr.TrainConfig.from_knobs(name="poet", num_seqs=64, num_steps=64, lstm_size=512, num_layers=2,
                                         use_embedding=True, embedding_size=256, learning_rate=0.002,
                                         train_keep_prob=0.6, unigram_output_bias=True, max_steps=1_000_000,
                                         save_every_n=250, log_every_n=50, max_vocab=5000, seed=2026),
        metric_name="titled_poem_shape_ratio",
        metric=titled_poem_shape,
        metric_sampling={"lines": 200, "samples": 10, "lines_per_sample": 20, "top_n": 5, "temperature": 1.0,
                         "seed": METRIC_SEED},
        couplet_index=True,
    ),
}


@dataclasses.dataclass
class RunFacts:
    """What the provenance records besides the history: where, how, and since when."""

    name: str
    recipe: Recipe
    work_dir: Path
    destination: Path
    command: str
    corpus_chars: int
    started: datetime = dataclasses.field(default_factory=lambda: datetime.now(UTC))
    clock: float = dataclasses.field(default_factory=time.monotonic)


class ValidationWatch:
    """`train`'s `on_validation`: measure the recipe's metric, export each new best, decay the rate or stop.

    Its state (best step and loss, stalls, learning rate, metric history, seconds spent) is written to
    `watch.json` in the work folder after every validation, so `--resume` carries on where a run stopped.
    """

    def __init__(self, facts: RunFacts, *, patience: int, decay_patience: int, max_minutes: float) -> None:
        self.facts = facts
        self.patience, self.decay_patience = patience, decay_patience
        self.deadline = facts.clock + max_minutes * 60
        self.best_step, self.best_loss, self.best_metric, self.stalled = None, float("inf"), None, 0
        self.stop_reason = "max_steps"
        self.metric_steps: list[int] = []
        self.metric_values: list[float] = []
        self.sampler: cr.Sampler | None = None
        self.learning_rate: float | None = None  # set after a halving; restored on resume
        self.earlier_seconds = 0.0  # wall time of the sessions before a resume

    @property
    def state_path(self) -> Path:
        return self.facts.work_dir / WATCH_FILE

    def save_state(self) -> None:
        state = {"best_step": self.best_step, "best_loss": self.best_loss, "best_metric": self.best_metric,
                 "stalled": self.stalled, "metric_steps": self.metric_steps, "metric_values": self.metric_values,
                 "learning_rate": self.learning_rate, "wall_seconds": self.wall_seconds(),
                 "started_utc": self.facts.started.isoformat(timespec="seconds")}
        write_text_atomic(self.state_path, json.dumps(state, indent=1) + "\n")

    def restore_state(self) -> None:
        """Take up a stopped run's state (nothing to do for a run that never validated)."""
        if not self.state_path.is_file():
            return
        state = json.loads(self.state_path.read_text(encoding="utf-8"))
        self.best_step, self.best_loss, self.best_metric = state["best_step"], state["best_loss"], state["best_metric"]
        self.stalled, self.learning_rate = state["stalled"], state["learning_rate"]
        self.metric_steps, self.metric_values = state["metric_steps"], state["metric_values"]
        self.earlier_seconds = state["wall_seconds"]
        self.facts.started = datetime.fromisoformat(state["started_utc"])
        logger.info("Resuming: best step %s (val_loss %.4f), stalled %d, learning rate %s", self.best_step,
                    self.best_loss, self.stalled, self.learning_rate or "as configured")

    def wall_seconds(self) -> float:
        return self.earlier_seconds + time.monotonic() - self.facts.clock

    def measure(self, model: keras.Model) -> float | None:
        """The recipe's metric on the model's current weights (one compiled sampler reading the training model,
        with the vocabulary `train` saved in the work folder)."""
        recipe = self.facts.recipe
        if recipe.metric is None:
            return None
        if self.sampler is None:
            converter = cr.TextConverter.load(self.facts.work_dir / checkpoints.CONVERTER_FILE)
            self.sampler = cr.Sampler(model, converter)
        return recipe.metric(self.sampler)

    def provenance(self) -> dict:
        """The facts recorded beside the exported weights, as of now."""
        facts, recipe = self.facts, self.facts.recipe
        history = cr.TrainingHistory.load(facts.work_dir / checkpoints.HISTORY_FILE)
        record = {
            "name": facts.name, "corpus": recipe.corpus, "corpus_chars": facts.corpus_chars,
            "corpus_sha256": cr.datasets.Catalog.read().corpus(recipe.corpus).prepared.sha256,
            "command": facts.command, "seed": recipe.config.seed,
            "started_utc": facts.started.isoformat(timespec="seconds"),
            "wall_seconds": round(self.wall_seconds(), 1),
            "train_seconds": round(history.train_seconds, 1),
            "steps_trained": history.steps[-1] if history.steps else 0, "best_step": self.best_step,
            "val_loss": round(self.best_loss, 4), "val_bpc": round(cr.bits_per_character(self.best_loss), 4),
            "stopped_because": self.stop_reason, "tensorflow": tf.__version__, "keras": keras.__version__,
        }
        if recipe.metric_name:
            record[recipe.metric_name] = self.best_metric  # replaced by the float16 export's own at the end
            record["metric_sampling"] = record["metric_history_sampling"] = recipe.metric_sampling
            record["metric_history"] = {"steps": self.metric_steps, recipe.metric_name: self.metric_values}
        return record

    def export_best(self) -> None:
        """Export the best checkpoint so far (so an interrupted run still leaves a usable folder)."""
        saved = {step for step, _ in checkpoints.list_checkpoints(self.facts.work_dir)}
        export_pretrained(self.facts.work_dir, self.facts.destination, step=self.best_step,
                          progression_steps=sorted(saved.intersection(self.facts.recipe.progression_steps)),
                          provenance=self.provenance())

    def __call__(self, report: ValidationReport) -> bool:
        """Called by `train` after each validation; True stops training (that step's checkpoint is saved)."""
        step, val_loss, model = report.step, report.val_loss, report.model
        value = self.measure(model)
        if value is not None:
            self.metric_steps.append(step)
            self.metric_values.append(value)
        improved = val_loss < self.best_loss
        if improved:
            self.best_step, self.best_loss, self.best_metric, self.stalled = step, val_loss, value, 0
        else:
            self.stalled += 1
        logger.info("step %d  val_loss %.4f  %s %s  best step %s  stalled %d", step, val_loss,
                    self.facts.recipe.metric_name, "-" if value is None else f"{value:.3f}", self.best_step,
                    self.stalled)
        self._prune(keep={self.best_step, step, *self.facts.recipe.progression_steps})
        if improved:
            self.export_best()
        elif self.stalled % self.decay_patience == 0:
            rate = float(model.optimizer.learning_rate) / 2
            model.optimizer.learning_rate = self.learning_rate = rate
            logger.info("validation loss stalled: learning rate halved to %g", rate)
        self.save_state()
        if time.monotonic() > self.deadline:
            logger.warning("Time budget spent at step %d; stopping.", step)
            self.stop_reason = "time budget"
            return True
        if self.stalled >= self.patience:
            logger.info("validation loss has not improved for %d validations; stopping.", self.stalled)
            self.stop_reason = "validation loss stopped improving"
            return True
        return False

    def _prune(self, keep: set[int]) -> None:
        for step, path in checkpoints.list_checkpoints(self.facts.work_dir):
            if step not in keep:
                path.unlink()


def train_recipe(facts: RunFacts, text: str, *, max_minutes: float, patience: int, decay_patience: int,
                 resume: bool = False) -> dict:
    """Train in `work_dir` (from scratch, or on from its last checkpoint with `resume`), export the best
    checkpoint to `destination`; returns the provenance."""
    recipe = facts.recipe
    if not resume:
        shutil.rmtree(facts.work_dir, ignore_errors=True)
    watch = ValidationWatch(facts, patience=patience, decay_patience=decay_patience, max_minutes=max_minutes)
    config = recipe.config
    if resume:
        watch.restore_state()
        if watch.learning_rate is not None:  # a resumed run keeps the rate its halvings reached
            config = dataclasses.replace(config, learning_rate=watch.learning_rate)
    try:
        cr.train(text, config, facts.work_dir, resume=resume, on_validation=watch, verbose=0, keep_checkpoints=None)
    except KeyboardInterrupt:  # the trainer has saved a checkpoint; export the best one so far and say why
        logger.warning("Interrupted: exporting the best checkpoint so far.")
        watch.stop_reason = "interrupted by hand"
    watch.export_best()
    if recipe.couplet_index:
        CoupletIndex.from_text(text).save(facts.destination / CoupletIndex.FILE)
    return measure_export(recipe, facts.destination)


def measure_export(recipe: Recipe, destination: Path) -> dict:
    """Measure the recipe's metrics on the exported float16 weights (what users of the folder will see)."""
    provenance = load_provenance(destination)
    if recipe.metric is None:
        return provenance
    sampler = cr.Sampler.from_run(destination)
    # A folder measured before with other settings keeps the settings its recorded history used.
    provenance.setdefault("metric_history_sampling", provenance.get("metric_sampling"))
    provenance[recipe.metric_name] = recipe.metric(sampler)
    provenance["metric_sampling"] = recipe.metric_sampling
    provenance.update({name: metric(sampler) for name, metric in recipe.final_metrics.items()})
    write_provenance(destination, provenance)
    return provenance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=sorted(RECIPES))
    parser.add_argument("--max_minutes", type=float, default=45.0, help="wall-time budget; the best run so far is kept")
    parser.add_argument("--patience", type=int, default=6, help="validations without improvement before stopping")
    parser.add_argument("--decay_patience", type=int, default=2,
                        help="halve the learning rate after this many validations without improvement")
    parser.add_argument("--max_chars", type=int, default=None, help="train on the corpus head only (smoke tests)")
    parser.add_argument("--work_dir", type=Path, default=None, help="scratch run folder (default model/pretrain-NAME)")
    parser.add_argument("--destination", type=Path, default=None, help="default charrnn_lib/pretrained/NAME")
    parser.add_argument("--resume", action="store_true",
                        help="go on from the work folder's last checkpoint and watch state instead of starting over")
    parser.add_argument("--measure_only", action="store_true",
                        help="train nothing: measure the exported folder again and update its provenance")
    args = parser.parse_args(argv)
    # Stop gracefully on Ctrl-C, `kill -INT` (which a shell's background jobs would otherwise ignore) or
    # `kill`: the trainer saves a checkpoint and the best one so far is exported.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stdout)
    recipe = RECIPES[args.name]
    destination = args.destination or REPOSITORY / "charrnn_lib" / "pretrained" / args.name
    if args.measure_only:
        return _print_summary(measure_export(recipe, destination))
    command = "python tools/train_pretrained.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    text = cr.datasets.load(recipe.corpus, args.max_chars)
    facts = RunFacts(args.name, recipe, args.work_dir or REPOSITORY / "model" / f"pretrain-{args.name}",
                     destination, command, len(text))
    return _print_summary(train_recipe(facts, text, max_minutes=args.max_minutes, patience=args.patience,
                                       decay_patience=args.decay_patience, resume=args.resume))


def _print_summary(provenance: dict) -> int:
    print("\n".join(f"{key}: {value}" for key, value in provenance.items() if key != "metric_history"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
