"""Repository-wide pytest setup: loaded for `tests/` and `notebooks/solutions/` alike."""

from __future__ import annotations

import functools
from collections.abc import Callable

import nbformat
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


# --- a lesson whose corpus cannot be had here is skipped, with the reason -------------------------------------------
# A notebook lists the corpora it cannot run without in its metadata (`charrnn.needs_corpora`); a cell that alone
# needs one carries the tag `needs-<corpus>`. Offline, `anna` (downloaded from its original host) is such a corpus:
# those cells are skipped with the lookup's own one-line reason, and everything else runs. nbval's cells use the
# rule through the hook below, tests/test_exercises_run.py through the `missing_corpus` fixture.
def missing_corpus(notebook: nbformat.NotebookNode, cell: nbformat.NotebookNode | None = None) -> str | None:
    """Why `notebook` (or, given `cell`, that cell of it) cannot run here; None when it can."""
    needs = list(notebook.metadata.get("charrnn", {}).get("needs_corpora", []))
    if cell is not None:
        needs += [tag.removeprefix("needs-") for tag in cell.metadata.get("tags", []) if tag.startswith("needs-")]
    for name in needs:
        reason = _unavailable_reason(name)
        if reason:
            return f"needs corpus {name!r}: {reason}"
    return None


@functools.cache
def _unavailable_reason(name: str) -> str | None:
    from charrnn_lib import datasets

    return datasets.unavailable_reason(name)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        cell, notebook = getattr(item, "cell", None), getattr(item.parent, "nb", None)
        if cell is not None and notebook is not None and (reason := missing_corpus(notebook, cell)):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(name="missing_corpus")
def missing_corpus_fixture() -> Callable[..., str | None]:
    """The rule above, for a test that runs lesson notebooks itself."""
    return missing_corpus
