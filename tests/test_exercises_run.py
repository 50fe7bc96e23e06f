"""Every exercise notebook runs to its end as a student's "Restart Kernel and Run All" does, stubs untouched.

Run All stops at the first cell that ends in an error, and everything after it is lost to a student who runs the
notebook to see where they stand. So with every stub as tools/make_exercises.py writes it, each check cell prints
"not attempted yet" and each cell that uses a learner's result skips that part (`cr.checks.when_attempted()`); with
a stub filled in wrongly on purpose, its check prints the hint and the cells after it still run. Learner mode (no
CHARRNN_STRICT), quick mode; a lesson whose corpus cannot be had here is skipped with the root conftest's reason.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # tools/ holds scripts, not a package
from make_exercises import CODE_STUB, EXERCISES

STUB = "\n".join(f"    {line}" for line in CODE_STUB)  # as it stands inside a function
CELL_TIMEOUT = 600  # seconds, as nbval's --nbval-cell-timeout in pyproject.toml
# Lesson 3's backward loop with a slip its checker has a hint for: tanh's derivative taken as tanh itself.
WRONG_BPTT = """    for t in reversed(range(time)):
        h_prev = hidden[:, t - 1] if t > 0 else h0
        dh = dlogits[:, t] @ W_y.T + dh_next
        dz = dh * hidden[:, t]
        dW_x += xs[:, t].T @ dz
        dW_h += h_prev.T @ dz
        db += dz.sum(axis=0)
        dh_next = dz @ W_h.T"""


@dataclasses.dataclass
class RunAll:
    """What Run All did to one notebook: code cells run (the failing one counts), errors, and what each printed."""

    code_cells: int
    ran: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    printed: dict[str, str] = dataclasses.field(default_factory=dict)  # cell id → its stdout


def run_all(notebook: nbformat.NotebookNode, folder: Path, missing_corpus, kernel_config) -> RunAll:
    """Run the code cells in order in one fresh kernel in `folder`, stopping at the first error as Run All does."""
    code = [(index, cell) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    run = RunAll(code_cells=len(code))
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", config=kernel_config,
                            resources={"metadata": {"path": str(folder)}})
    with client.setup_kernel():
        for index, cell in code:
            if missing_corpus(notebook, cell):
                run.code_cells -= 1  # skipped as nbval skips the solution's cell
                continue
            run.ran += 1
            try:
                client.execute_cell(cell, index)
            except CellExecutionError:
                pass  # recorded from the cell's error output below
            run.printed[cell.id] = "".join(output.get("text", "") for output in cell.outputs
                                           if output.output_type == "stream" and output.name == "stdout")
            run.errors += [f"cell {index} ({cell.id}): {output.ename}: {output.evalue}"
                           for output in cell.outputs if output.output_type == "error"]
            if run.errors:
                break
    return run


def check_lines(notebook: nbformat.NotebookNode, run: RunAll) -> dict[str, str]:
    """What each check cell (`cr.checks.check_…(…)`) printed, by cell id."""
    return {cell.id: run.printed.get(cell.id, "") for cell in notebook.cells
            if cell.cell_type == "code" and cell.source.startswith("cr.checks.check_")}


@pytest.fixture
def learner(monkeypatch):
    """A student's kernel: quick mode, and checks that print their verdict instead of raising (no strict mode)."""
    monkeypatch.setenv("CHARRNN_QUICK", "1")
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


def read_exercise(name: str, missing_corpus) -> nbformat.NotebookNode:
    notebook = nbformat.read(EXERCISES / name, as_version=4)
    if reason := missing_corpus(notebook):
        pytest.skip(reason)
    return notebook


@pytest.mark.parametrize("name", sorted(path.name for path in EXERCISES.glob("*.ipynb")))
def test_an_untouched_exercise_notebook_runs_to_its_end(name, learner, missing_corpus, kernel_config, tmp_path):
    notebook = read_exercise(name, missing_corpus)
    run = run_all(notebook, tmp_path, missing_corpus, kernel_config)
    assert run.errors == []
    assert run.ran == run.code_cells
    checks = check_lines(notebook, run)
    assert checks and all(line.startswith("… ") and "尚未作答" in line for line in checks.values()), checks


def test_a_stub_filled_in_wrongly_shows_the_checkers_hint_and_the_rest_still_runs(learner, missing_corpus,
                                                                                    kernel_config, tmp_path):
    notebook = read_exercise("03_rnn_from_scratch.ipynb", missing_corpus)
    exercise = next(cell for cell in notebook.cells if cell.id == "bptt-exercise")
    assert exercise.source.count(STUB) == 1
    exercise.source = exercise.source.replace(STUB, WRONG_BPTT)
    run = run_all(notebook, tmp_path, missing_corpus, kernel_config)
    assert run.errors == [] and run.ran == run.code_cells
    hint = check_lines(notebook, run)["bptt-check"]
    assert hint.startswith("✗ bptt_gradients: wrong answer") and "The derivative of tanh is not tanh" in hint
    assert run.printed["tape-compare"] == "every gradient agrees with the tape to 1e-12: False\n"
