"""Repository-wide pytest setup: loaded for `tests/` and `notebooks/solutions/` alike."""

from __future__ import annotations

import pytest


# --- nbval: never compare stderr ---------------------------------------------------------------
# TensorFlow writes timestamped log lines (and Python its warnings) to stderr, so a notebook's
# stderr differs on every run. nbval compares streams by name and documents extending a notebook
# collector's `skip_compare` for this. This file sits at the repository root so that it
# is loaded for `pytest --nbval notebooks/solutions` too, and registers the hook as a plugin.
class IgnoreNotebookStderr:
    """Adds "stderr" to what nbval skips when it compares a notebook's outputs."""

    @staticmethod
    def pytest_collectstart(collector: pytest.Collector) -> None:
        if collector.path.suffix == ".ipynb" and hasattr(collector, "skip_compare"):
            collector.skip_compare = (*collector.skip_compare, "stderr")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(IgnoreNotebookStderr(), "charrnn-ignore-notebook-stderr")
