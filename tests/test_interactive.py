import sys
import types

import pytest

from charrnn_lib.config import SamplingSettings
from charrnn_lib.lessons import interactive
from charrnn_lib.pretrained import pretrained_path

ANNA = pretrained_path("anna")


def test_run_checkpoints_names_each_kept_checkpoint_by_its_step_oldest_first():
    named = interactive.run_checkpoints(ANNA, label="Anna, ")
    steps = [int(name.removeprefix("Anna, step ")) for name in named]
    assert steps == sorted(steps) and len(steps) >= 2
    assert all(path.parent.name == "checkpoints" and f"{step:08d}" in path.name
               for step, path in zip(steps, named.values(), strict=True))


def test_an_empty_run_folder_has_no_checkpoints_to_offer(tmp_path):
    assert interactive.run_checkpoints(tmp_path) == {}


@pytest.mark.parametrize("variable", ["JPY_SESSION_NAME", "VSCODE_PID"])
def test_widgets_are_shown_only_under_a_front_end_that_says_so(monkeypatch, variable):
    for name in ("JPY_SESSION_NAME", "VSCODE_PID"):
        monkeypatch.delenv(name, raising=False)
    assert not interactive.has_frontend()
    monkeypatch.setenv(variable, "1")
    assert interactive.has_frontend()


def test_without_a_front_end_it_prints_one_default_sample_and_returns_write(monkeypatch, capsys):
    monkeypatch.setattr(interactive, "has_frontend", lambda: False)
    choices = {"final": ANNA} | interactive.run_checkpoints(ANNA)
    write = interactive.sampler_controls(choices, "Anna said", length=60)
    note, sample = capsys.readouterr().out.split("\n", 1)
    assert note == interactive.NO_FRONTEND_NOTE
    assert sample.startswith("Anna said") and len(sample.rstrip("\n")) == len("Anna said") + 60  # generated after it
    assert write() == sample.rstrip("\n")  # the same seed: the same default sample
    early = write(checkpoint=next(name for name in choices if name.startswith("step")), top_n=0)
    assert early.startswith("Anna said") and early != sample.rstrip("\n")


def test_under_a_front_end_the_controls_cover_the_whole_vocabulary_and_every_checkpoint(monkeypatch, capsys):
    shown = {}
    fake = types.ModuleType("ipywidgets")
    fake.interact_manual = lambda function, **controls: shown.update(function=function, **controls)
    fake.IntSlider = lambda value, low, high, step=1: ("int", value, low, high, step)
    fake.FloatSlider = lambda value, min, max, step: ("float", value, min, max, step)
    monkeypatch.setitem(sys.modules, "ipywidgets", fake)
    monkeypatch.setattr(interactive, "has_frontend", lambda: True)
    choices = {"final": ANNA} | interactive.run_checkpoints(ANNA)
    interactive.sampler_controls(choices, "Anna", settings=SamplingSettings(top_n=7, temperature=0.5))
    assert capsys.readouterr().out == ""  # nothing sampled until the student asks
    assert shown["checkpoint"] == list(choices)
    assert shown["top_n"][1:4] == (7, 0, 78)  # 0 switches the cut off; the largest keeps every character
    assert shown["temperature"][1] == 0.5 and shown["top_p"][1] == 1.0  # top_p 1 keeps every character
    assert shown["start"] == "Anna" and shown["length"][1:4] == (200, 1, 1000)
