import dataclasses
import json

import pytest

from charrnn_lib.config import KNOBS, ModelConfig, TrainConfig, by_mode, quick_mode
from charrnn_lib.errors import CheckpointError, ConfigError


@pytest.mark.parametrize(
    ("knob", "value"),
    [("num_seqs", 0), ("num_steps", -3), ("lstm_size", 2.5), ("num_layers", 0), ("max_vocab", 0),
     ("train_keep_prob", 0.0), ("train_keep_prob", 1.5), ("learning_rate", 0), ("grad_clip", -1),
     ("validation_fraction", 1.0), ("cell", "transformer"), ("log_every_n", True), ("use_embedding", "yes"),
     ("max_steps", 0), ("unigram_output_bias", 1)],
)
def test_nonsensical_settings_are_refused_when_made_with_the_knob_named(knob, value):
    with pytest.raises(ConfigError, match=knob) as refused:
        TrainConfig.from_knobs(**{knob: value})
    assert repr(value) in refused.value.english and knob in refused.value.chinese


def test_flat_knobs_go_to_the_model_or_the_run_and_the_settings_are_frozen():
    config = TrainConfig.from_knobs(name="poetry", num_seqs=64, use_embedding=True, learning_rate=0.005)
    assert config.model == ModelConfig(num_seqs=64, use_embedding=True) and config.learning_rate == 0.005
    assert config.replace(lstm_size=256).model.lstm_size == 256 and config.model.lstm_size == 128
    assert config.knobs()["num_seqs"] == 64 and set(config.knobs()) == {"name", *KNOBS}
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.model.lstm_size = 1


def test_an_unknown_knob_is_refused_with_the_list_of_knobs():
    with pytest.raises(ConfigError, match=r"n_seqs.*num_seqs"):
        TrainConfig.from_knobs(n_seqs=8)


def test_save_and_load_round_trip_with_extra_facts(tmp_path):
    config = TrainConfig.from_knobs(name="poetry", use_embedding=True, max_vocab=3500, seed=7)
    config.save(tmp_path / "config.json", vocab_size=3501)
    loaded, facts = TrainConfig.load(tmp_path / "config.json")
    assert loaded == config and facts == {"vocab_size": 3501}


def test_a_version_1_file_with_every_knob_at_the_top_still_loads(tmp_path):
    flat = {"format": "charrnn-config", "version": 1, "name": "tang", "num_seqs": 32, "lstm_size": 64,
            "train_keep_prob": 0.8, "seed": 7, "vocab_size": 3501}
    (tmp_path / "config.json").write_text(json.dumps(flat), encoding="utf-8")
    loaded, facts = TrainConfig.load(tmp_path / "config.json")
    assert loaded == TrainConfig.from_knobs(name="tang", num_seqs=32, lstm_size=64, train_keep_prob=0.8, seed=7)
    assert facts == {"vocab_size": 3501}


def test_corrupt_config_is_a_checkpoint_error(tmp_path):
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        TrainConfig.load(tmp_path / "config.json")
    (tmp_path / "config.json").write_text(json.dumps({"format": "charrnn-config", "num_seqs": -1}), encoding="utf-8")
    with pytest.raises(CheckpointError, match="invalid config"):
        TrainConfig.load(tmp_path / "config.json")


def test_quick_mode_switch(monkeypatch):
    monkeypatch.setenv("CHARRNN_QUICK", "1")
    assert quick_mode() and by_mode(full=1000, quick=10) == 10
    monkeypatch.setenv("CHARRNN_QUICK", "0")
    assert not quick_mode() and by_mode(full=1000, quick=10) == 1000
