"""Repository-wide pytest setup: loaded for `tests/` and `notebooks/solutions/` alike."""

from __future__ import annotations

import functools
import os
import tempfile
import uuid
from collections.abc import Callable

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from traitlets.config import Config


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


# --- every kernel the tests start listens on Unix sockets, not on TCP ports ------------------------------------------
# Over TCP, jupyter_client picks five free ports, closes them and writes them down; the kernel binds them a second or
# two later, while it imports. Any connection made meanwhile (the other test worker, Chromium talking to JupyterLab or
# to its driver) may be given one of those ports as its own, and the kernel then dies with "Address already in use"
# (it failed one CI run so). A Unix socket has a path no other process picks: each kernel gets a prefix of its own.
def unix_socket_prefix() -> str:
    """A fresh absolute prefix for one kernel's sockets (the kernel adds -1 … -5); short, as socket paths must be."""
    return os.path.join(tempfile.gettempdir(), f"charrnn-kernel-{uuid.uuid4().hex[:12]}")


def unix_socket_kernel_manager(**kwargs) -> KernelManager:
    """nbval's KernelManager(…), on Unix sockets; nbval has no option for the transport, so its name is replaced."""
    return KernelManager(transport="ipc", ip=unix_socket_prefix(), **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(IgnoreNotebookStderr(), "charrnn-ignore-notebook-stderr")
    if config.pluginmanager.hasplugin("nbval"):
        import nbval.kernel

        nbval.kernel.KernelManager = unix_socket_kernel_manager


@pytest.fixture
def kernel_config() -> Config:
    """For a NotebookClient(…, config=kernel_config): its kernel on Unix sockets, as nbval's."""
    return Config({"KernelManager": {"transport": "ipc", "ip": unix_socket_prefix()}})


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
