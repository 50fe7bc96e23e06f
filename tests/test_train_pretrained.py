"""tools/train_pretrained.py's watch: what `train` calls after each validation of a long pretrained run."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # tools/ holds scripts, not a package

import train_pretrained

from charrnn_lib import checkpoints
from charrnn_lib.config import TrainConfig
from charrnn_lib.pretrained import load_provenance
from charrnn_lib.training import ValidationReport, train

TEXT = "春风吹白日，山水入东城。\n" * 200


def facts_for(tmp_path: Path) -> train_pretrained.RunFacts:
    config = TrainConfig.from_knobs(name="tiny", num_seqs=4, num_steps=12, lstm_size=16, num_layers=1,
                                    learning_rate=0.01, train_keep_prob=1.0, max_steps=15, save_every_n=5,
                                    log_every_n=5, seed=1)
    recipe = train_pretrained.Recipe(corpus="tang", config=config, metric_name="lines", metric=lambda sampler: 0.5,
                                     couplet_index=True)
    return train_pretrained.RunFacts("tiny", recipe, tmp_path / "work", tmp_path / "export", "test", len(TEXT))


def test_the_watch_exports_each_best_halves_the_rate_on_a_stall_and_stops_after_its_patience(tmp_path):
    facts = facts_for(tmp_path)
    run = train(TEXT, facts.recipe.config, facts.work_dir, verbose=0, keep_checkpoints=None)
    saved = dict(checkpoints.list_checkpoints(facts.work_dir))
    assert sorted(saved) == [5, 10, 15]
    watch = train_pretrained.ValidationWatch(facts, patience=2, decay_patience=1, max_minutes=60)

    def report(step, loss):
        return ValidationReport(step, loss, run.model, saved[step], run.history)

    assert watch(report(5, 2.0)) is False  # a new best: exported at once
    assert load_provenance(facts.destination)["best_step"] == 5
    # Pruned to the best and the newest: this test's run wrote steps 10 and 15 ahead of a real run, so they go.
    assert [step for step, _ in checkpoints.list_checkpoints(facts.work_dir)] == [5]
    assert watch(report(10, 2.1)) is False  # a stall: the rate is halved
    assert float(run.model.optimizer.learning_rate) == pytest.approx(0.005)
    assert watch(report(15, 2.2)) is True  # the second stall in a row: patience spent, train stops here
    assert watch.stop_reason == "validation loss stopped improving"
    state = json.loads(watch.state_path.read_text(encoding="utf-8"))
    assert (state["best_step"], state["stalled"], state["metric_values"]) == (5, 2, [0.5, 0.5, 0.5])
    assert state["learning_rate"] == pytest.approx(0.0025)
    resumed = train_pretrained.ValidationWatch(facts, patience=2, decay_patience=1, max_minutes=60)
    resumed.restore_state()
    assert (resumed.best_step, resumed.stalled, resumed.learning_rate) == (5, 2, state["learning_rate"])


def test_a_recipe_run_exports_its_best_weights_and_its_couplets(tmp_path):
    facts = facts_for(tmp_path)
    provenance = train_pretrained.train_recipe(facts, TEXT, max_minutes=60, patience=5, decay_patience=2)
    assert provenance["steps_trained"] == 15 and provenance["lines"] == 0.5
    assert (facts.destination / checkpoints.WEIGHTS_FILE).is_file()
    from charrnn_lib.poet import couplet_index_of

    assert couplet_index_of(facts.destination).copied("春风吹白日，山水入东城。") == ["春风吹白日，山水入东城。"]
