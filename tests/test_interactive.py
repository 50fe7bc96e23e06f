import re
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


def fake_ipywidgets(shown: dict) -> types.ModuleType:
    """Just enough of ipywidgets to record the controls `sampler_controls` builds: each as (value, options)."""
    fake = types.ModuleType("ipywidgets")

    class Interact:
        def options(self, manual_name):
            shown["button"] = manual_name
            return lambda function, **controls: shown.update(function=function, **controls)

    fake.interact_manual = Interact()
    fake.Layout = lambda width: {"width": width}
    fake.Text = lambda value, **options: (value, options)
    fake.IntSlider = lambda value, low, high, **options: ((value, low, high), options)
    fake.FloatSlider = lambda value, min, max, step, **options: ((value, min, max, step), options)
    fake.Dropdown = lambda options, value, **rest: ((options, value), rest)
    return fake


def test_under_a_front_end_the_controls_cover_the_whole_vocabulary_and_every_checkpoint(monkeypatch, capsys):
    shown = {}
    monkeypatch.setitem(sys.modules, "ipywidgets", fake_ipywidgets(shown))
    monkeypatch.setattr(interactive, "has_frontend", lambda: True)
    choices = {"final": ANNA} | interactive.run_checkpoints(ANNA)
    interactive.sampler_controls(choices, "Anna", settings=SamplingSettings(top_n=7, temperature=0.5))
    assert capsys.readouterr().out == ""  # nothing sampled until the student asks
    assert shown["checkpoint"][0] == (list(choices), "final")
    assert shown["top_n"][0] == (7, 0, 78)  # 0 switches the cut off; the largest keeps every character
    assert shown["temperature"][0][0] == 0.5 and shown["top_p"][0][0] == 1.0  # top_p 1 keeps every character
    assert shown["start"][0] == "Anna" and shown["length"][0] == (200, 1, 1000)


def test_the_controls_are_labelled_in_both_languages_in_full_and_print_one_sample_per_click(monkeypatch, capsys):
    shown = {}
    monkeypatch.setitem(sys.modules, "ipywidgets", fake_ipywidgets(shown))
    monkeypatch.setattr(interactive, "has_frontend", lambda: True)
    interactive.sampler_controls({"final": ANNA}, "Anna")
    controls = {name: shown[name][1] for name in ("start", "length", "temperature", "top_n", "top_p", "checkpoint")}
    for name, options in controls.items():
        english, chinese = options["description"].split(" · ", 1)
        assert english and re.search(r"[\u4e00-\u9fff]", chinese), name
        assert options["style"] == {"description_width": "initial"}  # the whole label, never cut to "temperat…"
    assert re.search(r"[\u4e00-\u9fff]", shown["button"])
    returned = shown["function"]("Anna", 30, 1.0, 5, 1.0, "final")
    printed = capsys.readouterr().out
    assert returned is None  # interact shows a returned value under the printed one: the sample appeared twice
    assert printed.startswith("Anna") and len(printed.rstrip("\n")) == len("Anna") + 30  # one sample, once
