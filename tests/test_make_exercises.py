"""tools/make_exercises.py: solution notebooks → exercise notebooks, as nbgrader would make them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # tools/ holds scripts, not a package
import make_exercises

SOLUTION_CODE = '''def one_hot(ids, depth):
    """One row per id."""
    ### BEGIN SOLUTION
    table = np.eye(depth)
    return table[ids]
    ### END SOLUTION

one_hot([1], 2)'''

EXERCISE_CODE = '''def one_hot(ids, depth):
    """One row per id."""
    # YOUR CODE HERE / 在此编写代码
    raise NotImplementedError()

one_hot([1], 2)'''


def solution_notebook() -> nbformat.NotebookNode:
    notebook = new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    notebook.metadata["charrnn"] = {"needs_corpora": ["tang"]}
    title = new_markdown_cell("# One-hot · 独热编码")
    exercise = new_code_cell(SOLUTION_CODE, execution_count=4)
    exercise.outputs = [new_output("execute_result", data={"text/plain": "array([[0., 1.]])"}, execution_count=4)]
    exercise.metadata.update({"tags": ["nbval-ignore-output"], "scrolled": True, "ExecuteTime": {"end": "now"}})
    check = new_code_cell("check(one_hot)\n### BEGIN HIDDEN TESTS\nassert one_hot([0], 1).shape == (1, 1)\n"
                          "### END HIDDEN TESTS\nprint('done')")
    whole = new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION")
    notebook.cells = [title, exercise, check, whole]
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
    return notebook


def write_solution(folder: Path, notebook: nbformat.NotebookNode, name: str = "01_one_hot.ipynb") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / name)
    return folder / name


def test_solution_region_becomes_an_indented_bilingual_stub():
    exercise = make_exercises.make_exercise(solution_notebook(), "01_one_hot.ipynb")
    assert exercise.cells[2].source == EXERCISE_CODE


def test_hidden_tests_are_removed_and_a_whole_cell_solution_is_replaced():
    exercise = make_exercises.make_exercise(solution_notebook(), "01_one_hot.ipynb")
    assert exercise.cells[3].source == "check(one_hot)\nprint('done')"
    assert exercise.cells[4].source == "# YOUR CODE HERE / 在此编写代码\nraise NotImplementedError()"


def test_first_cell_is_the_bilingual_generated_notice():
    notice = make_exercises.make_exercise(solution_notebook(), "01_one_hot.ipynb").cells[0]
    assert notice.cell_type == "markdown" and notice.id == make_exercises.NOTICE_CELL_ID
    assert "notebooks/solutions/01_one_hot.ipynb" in notice.source
    assert "do not edit" in notice.source and "请勿手动编辑" in notice.source


def test_ids_are_kept_outputs_cleared_and_metadata_minimal():
    exercise = make_exercises.make_exercise(solution_notebook(), "01_one_hot.ipynb")
    assert [cell.id for cell in exercise.cells[1:]] == ["cell-0", "cell-1", "cell-2", "cell-3"]
    code = exercise.cells[2]
    assert code.outputs == [] and code.execution_count is None
    assert code.metadata == {"tags": ["nbval-ignore-output"]}
    assert dict(exercise.metadata) == {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                      "language": "python"},
                                       "charrnn": {"needs_corpora": ["tang"]}}  # a run without tang is skipped


def test_output_is_nbformat_text_with_a_final_newline_and_repeatable(tmp_path):
    write_solution(tmp_path / "solutions", solution_notebook())
    first = make_exercises.build_exercises(tmp_path / "solutions")
    second = make_exercises.build_exercises(tmp_path / "solutions")
    text = first["01_one_hot.ipynb"]
    assert first == second
    assert text.endswith("}\n") and text.startswith('{\n "cells": [\n  {\n')
    assert text == nbformat.writes(nbformat.reads(text, as_version=4)) + "\n"


@pytest.mark.parametrize(("source", "problem"), [
    ("### BEGIN SOLUTION\nx = 1", "never closed"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### END SOLUTION", "cannot nest"),
    ("### BEGIN HIDDEN TESTS\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### END HIDDEN TESTS", "cannot nest"),
    ("x = 1\n### END SOLUTION", "without a matching BEGIN"),
    ("### BEGIN SOLUTION\nx = 1\n### END HIDDEN TESTS", "without a matching BEGIN"),
    ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION", "looks like a marker"),
])
def test_bad_markers_are_refused_with_their_place(source, problem):
    with pytest.raises(make_exercises.ExerciseError, match=problem) as caught:
        make_exercises.strip_regions(source, "01_x.ipynb, cell 3")
    assert "01_x.ipynb, cell 3" in caught.value.english and "01_x.ipynb, cell 3" in caught.value.chinese


def test_markers_in_markdown_and_cells_without_ids_are_refused():
    notebook = solution_notebook()
    notebook.cells.append(new_markdown_cell("Answer:\n\n### BEGIN SOLUTION\nIt is 42.\n### END SOLUTION"))
    notebook.cells[-1].id = "written-answer"
    with pytest.raises(make_exercises.ExerciseError, match="markers belong in code cells"):
        make_exercises.make_exercise(notebook, "01_one_hot.ipynb")
    notebook = solution_notebook()
    del notebook.cells[1]["id"]
    with pytest.raises(make_exercises.ExerciseError, match="no cell id"):
        make_exercises.make_exercise(notebook, "01_one_hot.ipynb")


def test_check_reports_missing_edited_and_stale_exercises(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    write_solution(solutions, solution_notebook())
    assert make_exercises.main(["--solutions", str(solutions), "--exercises", str(exercises), "--check"]) == 1
    assert make_exercises.main(["--solutions", str(solutions), "--exercises", str(exercises)]) == 0
    assert make_exercises.find_drift(solutions, exercises) == []
    assert make_exercises.main(["--solutions", str(solutions), "--exercises", str(exercises), "--check"]) == 0

    generated = exercises / "01_one_hot.ipynb"
    generated.write_text(generated.read_text(encoding="utf-8").replace("raise NotImplementedError()", "pass"),
                         encoding="utf-8")
    (exercises / "02_gone.ipynb").write_text("{}", encoding="utf-8")
    problems = make_exercises.find_drift(solutions, exercises)
    assert len(problems) == 2 and "01_one_hot.ipynb differs" in problems[0] and "02_gone.ipynb has no" in problems[1]

    assert make_exercises.write_exercises(solutions, exercises) == [generated, exercises / "02_gone.ipynb"]
    assert sorted(path.name for path in exercises.iterdir()) == ["01_one_hot.ipynb"]


def test_bad_notebook_exits_2_with_one_line(tmp_path, capsys):
    notebook = solution_notebook()
    notebook.cells[1].source = "### BEGIN SOLUTION\nx = 1"
    write_solution(tmp_path / "solutions", notebook)
    assert make_exercises.main(["--solutions", str(tmp_path / "solutions"), "--exercises", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "01_one_hot.ipynb, cell 1" in error and "没有结束" in error


def test_committed_exercises_match_the_solutions():
    assert make_exercises.SOLUTIONS.is_dir(), "notebooks/solutions/ must exist"
    assert make_exercises.find_drift(make_exercises.SOLUTIONS, make_exercises.EXERCISES) == []


def test_nbgrader_generates_the_same_student_version(tmp_path):
    """Teachers who use nbgrader (with the config in notebooks/README.md) get the same cells."""
    pytest.importorskip("nbgrader")
    course = tmp_path / "course"
    write_solution(course / "source" / "lesson", solution_notebook())
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.ClearSolutions.code_stub = {{'python': {chr(10).join(make_exercises.CODE_STUB)!r}}}\n"
        "c.ClearSolutions.enforce_metadata = False\n"
        "c.ClearHiddenTests.enforce_metadata = False\n",
        encoding="utf-8",
    )
    # nbgrader runs `alembic` from PATH, which is the bin folder of this interpreter.
    environment = {"PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}", "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "lesson", "--force"],
                   cwd=course, env=environment, check=True, capture_output=True, timeout=300)

    released = nbformat.read(course / "release" / "lesson" / "01_one_hot.ipynb", as_version=4)
    ours = make_exercises.make_exercise(solution_notebook(), "01_one_hot.ipynb")

    def student_view(cells):
        return [(cell.id, cell.cell_type, cell.source, cell.get("outputs"), cell.get("execution_count"))
                for cell in cells]

    assert student_view(released.cells) == student_view(ours.cells[1:])
