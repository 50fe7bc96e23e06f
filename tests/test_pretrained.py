"""charrnn_lib.pretrained: compact float16 run folders that sample like the run they came from."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from charrnn_lib import checkpoints, datasets
from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import CheckpointError
from charrnn_lib.poetry import acrostic, couplet_shape_ratio, is_couplet, sample_lines
from charrnn_lib.pretrained import (
    checkpoint_at_step,
    export_pretrained,
    load_provenance,
    pretrained_dir,
    pretrained_path,
)
from charrnn_lib.sample import Sampler
from charrnn_lib.training import train

TANG = pretrained_dir() / "tang"
COUPLETS = ["春水流花落，秋风吹叶黄。", "夏日照山青，冬雪覆林白。", "明月松间照，清泉石上流。"]


@pytest.fixture(scope="module")
def couplet_run(tmp_path_factory):
    """A tiny embedding model trained on three couplets in a fixed cycle, with checkpoints at steps 120 and 240."""
    text = "".join(f"{line}\n" for line in COUPLETS * 150)
    config = TrainConfig.from_knobs(name="couplets", num_seqs=8, num_steps=26, lstm_size=48, num_layers=1,
                                    use_embedding=True, embedding_size=16, learning_rate=0.02, train_keep_prob=1.0,
                                    max_steps=240, save_every_n=120, log_every_n=120, seed=3)
    return train(text, config, tmp_path_factory.mktemp("runs") / "couplets", verbose=0)


@pytest.fixture(scope="module")
def exported(couplet_run, tmp_path_factory):
    destination = tmp_path_factory.mktemp("pretrained") / "couplets"
    return export_pretrained(couplet_run.run_dir, destination, provenance={"seed": 3, "command": "pytest"})


def test_export_writes_a_small_float16_folder_with_provenance(couplet_run, exported):
    assert {path.name for path in exported.iterdir()} == {
        "config.json", "converter.json", "history.json", "weights.weights.h5", "provenance.json", "README.md"}
    with h5py.File(exported / checkpoints.WEIGHTS_FILE) as weights_file:
        dtypes = set()
        weights_file.visititems(lambda _, item: dtypes.add(item.dtype) if isinstance(item, h5py.Dataset) else None)
    assert dtypes == {np.dtype(np.float16)}
    parameters = couplet_run.model.count_params()
    assert (exported / checkpoints.WEIGHTS_FILE).stat().st_size < 2 * parameters + 40_000  # 2 bytes each + headers
    provenance = load_provenance(exported)
    assert provenance["seed"] == 3 and provenance["command"] == "pytest"
    assert provenance["source_checkpoint"] == checkpoints.checkpoint_name(240)
    assert "pytest" in (exported / "README.md").read_text(encoding="utf-8")


def test_reloaded_weights_are_float32_and_equal_within_float16_rounding(couplet_run, exported):
    sampler = Sampler.from_run(exported)
    reloaded = sampler.model.get_weights()
    assert all(array.dtype == np.float32 for array in reloaded)
    for original, copy in zip(couplet_run.model.get_weights(), reloaded, strict=True):
        np.testing.assert_allclose(copy, original, rtol=1e-3, atol=1e-3)


def test_greedy_samples_of_the_export_equal_the_original_run(couplet_run, exported):
    original = Sampler(couplet_run.model, couplet_run.converter)
    reloaded = Sampler.from_run(exported)
    for start in ("春", "夏日", "明"):
        [expected] = original.sample(start, 39, top_n=1)
        assert reloaded.sample(start, 39, top_n=1) == [expected]
        assert all(is_couplet(line) for line in expected.split("\n")[:3])  # the pattern really was learned


def test_export_of_an_earlier_step_and_a_missing_step(couplet_run, tmp_path):
    export_pretrained(couplet_run.run_dir, tmp_path / "early", step=120)
    assert load_provenance(tmp_path / "early")["source_checkpoint"] == checkpoints.checkpoint_name(120)
    with pytest.raises(CheckpointError, match="no checkpoint at step 7"):
        checkpoint_at_step(couplet_run.run_dir, 7)


def test_progression_checkpoints_sample_like_their_steps_while_the_folder_loads_the_chosen_one(couplet_run,
                                                                                                 tmp_path):
    folder = export_pretrained(couplet_run.run_dir, tmp_path / "with_progression", step=240, progression_steps=[120])
    kept = checkpoints.list_checkpoints(folder)
    assert [(step, path.name) for step, path in kept] == [(120, "ckpt-00000120.weights.h5")]
    early_run = Sampler.from_run(checkpoint_at_step(couplet_run.run_dir, 120))
    early_export = Sampler.from_run(kept[0][1])
    final_run = Sampler(couplet_run.model, couplet_run.converter)
    assert early_export.sample("春", 39, top_n=1) == early_run.sample("春", 39, top_n=1)
    # The folder itself resolves to the chosen step's weights, not to the newest progression checkpoint.
    assert checkpoints.resolve_checkpoint(folder) == (folder, folder / checkpoints.WEIGHTS_FILE)
    np.testing.assert_allclose(Sampler.from_run(folder).model.get_weights()[0],
                               final_run.model.get_weights()[0], rtol=1e-3, atol=1e-3)
    assert not np.allclose(early_export.model.get_weights()[0], final_run.model.get_weights()[0], atol=1e-3)


def test_a_corrupt_or_missing_weights_file_is_a_checkpoint_error(exported, tmp_path):
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    for name in ("config.json", "converter.json"):
        (corrupt / name).write_bytes((exported / name).read_bytes())
    with pytest.raises(CheckpointError, match="holds no checkpoint"):
        Sampler.from_run(corrupt)
    (corrupt / checkpoints.WEIGHTS_FILE).write_bytes((exported / checkpoints.WEIGHTS_FILE).read_bytes()[:3000])
    with pytest.raises(CheckpointError, match="Cannot load"):
        Sampler.from_run(corrupt)


def test_an_unknown_pretrained_name_is_a_checkpoint_error():
    with pytest.raises(CheckpointError, match="No pretrained run 'nonexistent'"):
        pretrained_path("nonexistent")


def test_an_ordinary_run_has_no_provenance(couplet_run):
    assert load_provenance(couplet_run.run_dir) == {}


def test_sample_lines_returns_exactly_the_requested_number(exported):
    lines = sample_lines(Sampler.from_run(exported), 23, lines_per_row=4, top_n=1)
    assert len(lines) == 23
    assert lines[0:4] == lines[4:8] == lines[8:12]  # every row starts a new poem, and greedy rows agree
    assert set(lines[1:4]) <= set(COUPLETS)


class TestPretrainedTang:
    @pytest.fixture(scope="class")
    def tang(self):
        return Sampler.from_run(pretrained_path("tang"))

    def test_provenance_records_how_it_was_made(self):
        provenance = json.loads((TANG / "provenance.json").read_text(encoding="utf-8"))
        assert provenance["command"].startswith("python tools/train_pretrained.py tang")
        assert provenance["seed"] is not None and provenance["val_loss"] > 0 and provenance["wall_seconds"] > 0
        assert provenance["couplet_shape_ratio"] >= 0.9


@pytest.mark.parametrize("name", ["tang", "anna"])
def test_each_pretrained_run_names_the_one_text_it_was_trained_on(name):
    provenance = load_provenance(pretrained_path(name))
    corpus = datasets.Catalog.read().corpus(provenance["corpus"])
    assert provenance["corpus_chars"] == corpus.prepared.characters
    assert provenance["corpus_sha256"] == corpus.prepared.sha256

    def test_acrostic_lines_start_with_the_requested_characters(self, tang):
        poem = acrostic(tang, "春夏秋冬", seed=7)
        assert [line[0] for line in poem] == list("春夏秋冬")
        assert couplet_shape_ratio(poem) >= 0.5

    def test_at_least_ninety_percent_of_200_sampled_lines_are_couplets(self, tang):
        lines = sample_lines(tang, 200, seed=11)
        assert len(lines) == 200
        assert couplet_shape_ratio(lines) >= 0.9
