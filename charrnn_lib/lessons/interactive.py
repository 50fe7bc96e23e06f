"""An interactive sampler for the lessons: sliders where a notebook front end can show them, one sample where not.

`sampler_controls` runs the compiled sampler (`charrnn_lib.sample.Sampler`) with the start string, length,
temperature, top-n, top-p and checkpoint a student picks; `run_checkpoints` names a run's checkpoints by step, so
the controls can show how the samples improve with training. nbval and static renders have no browser: there the
cell prints one sample with the default settings, so the notebook still runs top to bottom.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from charrnn_lib import checkpoints
from charrnn_lib.config import SamplingSettings
from charrnn_lib.sample import Sampler

NO_FRONTEND_NOTE = "(no widgets here: one sample with the defaults; call write(...) to choose · 此处无法显示控件)"


def run_checkpoints(run_path: str | os.PathLike, label: str = "") -> dict[str, Path]:
    """`{"<label>step 100": …/ckpt-00000100…, …}`: each checkpoint the run kept, oldest first."""
    return {f"{label}step {step}": path for step, path in checkpoints.list_checkpoints(run_path)}


def has_frontend() -> bool:
    """Widgets need ipywidgets and a browser: Jupyter, VS Code and Colab say so; nbval and nbconvert do not."""
    frontend = "JPY_SESSION_NAME" in os.environ or "VSCODE_PID" in os.environ or "google.colab" in sys.modules
    return frontend and importlib.util.find_spec("ipywidgets") is not None


def sampler_controls(checkpoints_by_name: Mapping[str, str | os.PathLike], start: str, *, length: int = 200,
                     settings: SamplingSettings | None = None, max_length: int = 1000) -> Callable[..., str]:
    """Show the controls (or print one default sample) and return `write(...)`, which prints and returns a sample.

    `write(start, length, temperature, top_n, top_p, checkpoint)` starts from `settings` (`SamplingSettings()` by
    default); top_n 0 switches the top-n cut off and top_p 1 the top-p cut. Every sample uses random seed 0, so
    moving one control changes only what that control changes.
    """
    settings = SamplingSettings() if settings is None else settings
    samplers: dict[str, Sampler] = {}  # checkpoint name: its Sampler, loaded the first time it is chosen
    names = list(checkpoints_by_name)

    def sampler_for(checkpoint: str) -> Sampler:
        if checkpoint not in samplers:
            samplers[checkpoint] = Sampler.from_run(checkpoints_by_name[checkpoint])
        return samplers[checkpoint]

    def write(start: str = start, length: int = length, temperature: float = settings.temperature,
              top_n: int = settings.top_n or 0, top_p: float = settings.top_p or 1.0,
              checkpoint: str = names[0]) -> str:
        chosen = SamplingSettings.from_controls(top_n=top_n, top_p=top_p, temperature=temperature)
        text = sampler_for(checkpoint).sample(start, length, chosen, seed=0)[0]
        print(text)
        return text

    if has_frontend():
        show_controls(write, start, length=length, settings=settings, max_length=max_length,
                      vocab_size=sampler_for(names[0]).converter.vocab_size, names=names)
    else:
        print(NO_FRONTEND_NOTE)
        write()
    return write


def show_controls(write: Callable[..., str], start: str, *, length: int, settings: SamplingSettings,
                  max_length: int, vocab_size: int, names: list[str]) -> None:
    """The controls, labelled in both languages and wide enough to read, with a button that prints one sample."""
    import ipywidgets

    def labelled(description: str) -> dict:
        return {"description": description, "style": {"description_width": "initial"},
                "layout": ipywidgets.Layout(width="520px")}

    def sample_once(start: str, length: int, temperature: float, top_n: int, top_p: float, checkpoint: str) -> None:
        write(start, length, temperature, top_n, top_p, checkpoint)  # prints it; returning it would show it twice

    ipywidgets.interact_manual.options(manual_name="Sample · 采样")(
        sample_once,
        start=ipywidgets.Text(start, **labelled("start string · 起始字符串")),
        length=ipywidgets.IntSlider(length, 1, max_length, **labelled("length · 长度")),
        temperature=ipywidgets.FloatSlider(settings.temperature, min=0.1, max=2.0, step=0.1,
                                           **labelled("temperature · 温度")),
        top_n=ipywidgets.IntSlider(settings.top_n or 0, 0, vocab_size, **labelled("top-n (0: off · 0 为不截断)")),
        top_p=ipywidgets.FloatSlider(settings.top_p or 1.0, min=0.05, max=1.0, step=0.05,
                                     **labelled("top-p (1: off · 1 为不截断)")),
        checkpoint=ipywidgets.Dropdown(options=names, value=names[0], **labelled("weights · 权重")))
