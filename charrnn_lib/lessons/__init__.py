"""Helpers only the lessons use, kept apart from the core a newcomer reads.

`notebook` (the opening cell), `plots` (the lessons' figures), `scratch_rnn` (recurrent cells in NumPy and their
parameter counts), `gradients` (gradient probes), `memory_task` (a task that needs long memory), `training_loop`
(lesson 6's hand-written step and pass, and the stateful experiment), `experiments` (the one-knob-at-a-time grid
of lesson 8), `decoding` and `inside` (lesson 10) and `interactive` (the sampler with sliders of lessons 6, 7, 10).
Notebooks reach them as `cr.lessons.plots`, `cr.lessons.gradients`, ….
"""

import importlib
import importlib.util


def __getattr__(name: str):
    if not name.startswith("_") and importlib.util.find_spec(f"charrnn_lib.lessons.{name}") is not None:
        module = importlib.import_module(f"charrnn_lib.lessons.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'charrnn_lib.lessons' has no attribute {name!r}")
