import json

import pytest

from charrnn_lib.config import TrainConfig, by_mode, quick_mode
from charrnn_lib.errors import CheckpointError, ConfigError


@pytest.mark.parametrize(
    ("knob", "value"),
    [("num_seqs", 0), ("num_steps", -3), ("lstm_size", 2.5), ("num_layers", 0), ("max_vocab", 0),
     ("train_keep_prob", 0.0), ("train_keep_prob", 1.5), ("learning_rate", 0), ("grad_clip", -1),
     ("validation_fraction", 1.0), ("cell", "transformer"), ("log_every_n", True)],
)
def test_nonsensical_hyperparameters_are_refused_with_the_knob_named(knob, value):
    with pytest.raises(ConfigError, match=knob):
        TrainConfig(**{knob: value})


def test_save_and_load_round_trip_with_extra_facts(tmp_path):
    config = TrainConfig(name="poetry", use_embedding=True, max_vocab=3500, seed=7)
    config.save(tmp_path / "config.json", vocab_size=3501)
    loaded, facts = TrainConfig.load(tmp_path / "config.json")
    assert loaded == config and facts == {"vocab_size": 3501}


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
