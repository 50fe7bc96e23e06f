"""Generate the exercise notebooks from the solution notebooks, the way `nbgrader generate_assignment` would.

    python tools/make_exercises.py            # notebooks/solutions/*.ipynb → notebooks/exercises/*.ipynb
    python tools/make_exercises.py --check    # exit 1 if the committed exercises differ from a fresh run

In code cells, each `### BEGIN SOLUTION` … `### END SOLUTION` region becomes a bilingual stub at the
marker's indentation, and each `### BEGIN HIDDEN TESTS` … `### END HIDDEN TESTS` region is removed.
Markers in markdown or raw cells are refused (nbgrader would turn them into "YOUR ANSWER HERE"; the
course keeps written answers out of the exercises instead). Outputs, execution counts and all
metadata except the kernelspec, the course's `charrnn` entry (the corpora a lesson needs, so a run
without them is skipped as the solution's is) and cell tags are dropped; cell ids are kept. Exit codes:
0 done, 1 exercises out of date (--check), 2 a notebook cannot be converted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so the tool runs from a checkout without `pip install -e .`

from charrnn_lib.atomic import write_text_atomic  # noqa: E402
from charrnn_lib.errors import CharRNNError  # noqa: E402

SOLUTIONS = ROOT / "notebooks" / "solutions"
EXERCISES = ROOT / "notebooks" / "exercises"

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN_TESTS = "### BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "### END HIDDEN TESTS"
REGION_END = {BEGIN_SOLUTION: END_SOLUTION, BEGIN_HIDDEN_TESTS: END_HIDDEN_TESTS}
# nbgrader treats any line containing one of these as a marker; we accept only the exact lines above.
DELIMITERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
CODE_STUB = ("# YOUR CODE HERE / 在此编写代码", "raise NotImplementedError()")
NOTICE_CELL_ID = "generated-notice"
KEPT_CELL_METADATA = ("tags",)
KEPT_NOTEBOOK_METADATA = ("kernelspec", "charrnn")


class ExerciseError(CharRNNError):
    """A solution notebook cannot be turned into an exercise (bad markers, no cell ids)."""


def notice_cell(name: str) -> nbformat.NotebookNode:
    """The first cell of every exercise notebook: where it comes from, and that it is generated."""
    source = (
        f"**Exercise notebook**, generated from `notebooks/solutions/{name}` by `tools/make_exercises.py`. "
        "Fill in each `# YOUR CODE HERE` and run the check cell below it. Maintainers: do not edit this "
        "file by hand; edit the solution notebook and rerun the tool.\n"
        "\n"
        f"**练习笔记本**，由 `tools/make_exercises.py` 根据 `notebooks/solutions/{name}` 自动生成。"
        "请补全每一处 `# YOUR CODE HERE`（在此编写代码），并运行其后的检查单元格。"
        "维护者请勿手动编辑本文件：请修改解答笔记本，然后重新运行该工具。"
    )
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = NOTICE_CELL_ID
    return cell


def strip_regions(source: str, where: str) -> str:
    """Replace solution regions by the stub and drop hidden-test regions; refuse unclosed or nested ones."""
    kept: list[str] = []
    open_marker = None
    for number, line in enumerate(source.split("\n"), start=1):
        marker = line.strip()
        if not any(delimiter in line for delimiter in DELIMITERS):
            if open_marker is None:
                kept.append(line)
            continue
        here = f"{where}, line {number}"
        if marker in REGION_END:
            if open_marker is not None:
                raise ExerciseError(f"{here}: `{marker}` inside an open `{open_marker}`; regions cannot nest.",
                                    f"{here}：`{marker}` 出现在未结束的 `{open_marker}` 之内；区域不能嵌套。")
            open_marker = marker
            if marker == BEGIN_SOLUTION:
                indent = line[: len(line) - len(line.lstrip())]
                kept.extend(indent + stub for stub in CODE_STUB)
        elif open_marker is not None and marker == REGION_END[open_marker]:
            open_marker = None
        elif marker in REGION_END.values():
            raise ExerciseError(f"{here}: `{marker}` without a matching BEGIN marker before it.",
                                f"{here}：`{marker}` 之前没有对应的 BEGIN 标记。")
        else:
            raise ExerciseError(
                f"{here}: {line.strip()!r} looks like a marker; write it alone on its line, exactly as "
                f"`{BEGIN_SOLUTION}` / `{END_SOLUTION}` (or HIDDEN TESTS).",
                f"{here}：{line.strip()!r} 像是标记；请单独成行，并严格写成 `{BEGIN_SOLUTION}` / `{END_SOLUTION}`"
                "（或 HIDDEN TESTS）。")
    if open_marker is not None:
        raise ExerciseError(f"{where}: `{open_marker}` is never closed; add `{REGION_END[open_marker]}`.",
                            f"{where}：`{open_marker}` 没有结束；请加上 `{REGION_END[open_marker]}`。")
    return "\n".join(kept)


def exercise_cell(cell: nbformat.NotebookNode, where: str) -> nbformat.NotebookNode:
    """The student's copy of one cell: same id and type, regions replaced, no outputs."""
    if "id" not in cell:
        raise ExerciseError(f"{where} has no cell id; save the notebook with Jupyter (nbformat 4.5 or later).",
                            f"{where} 没有单元格 id；请用 Jupyter 重新保存该笔记本（nbformat 4.5 或更高）。")
    if cell.cell_type != "code" and any(delimiter in cell.source for delimiter in DELIMITERS):
        raise ExerciseError(f"{where} is a {cell.cell_type} cell with exercise markers; markers belong in code cells.",
                            f"{where} 是含有练习标记的 {cell.cell_type} 单元格；标记只能放在代码单元格中。")
    copy = nbformat.from_dict({
        "id": cell.id,
        "cell_type": cell.cell_type,
        "metadata": {key: cell.metadata[key] for key in KEPT_CELL_METADATA if key in cell.metadata},
        "source": strip_regions(cell.source, where) if cell.cell_type == "code" else cell.source,
    })
    if cell.cell_type == "code":
        copy.outputs = []
        copy.execution_count = None
    if "attachments" in cell:
        copy.attachments = cell.attachments
    return copy


def make_exercise(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The exercise notebook for the solution notebook called `name`."""
    exercise = nbformat.v4.new_notebook()
    exercise.metadata.update({key: solution.metadata[key] for key in KEPT_NOTEBOOK_METADATA
                              if key in solution.metadata})
    exercise.cells = [notice_cell(name)] + [
        exercise_cell(cell, f"{name}, cell {index}") for index, cell in enumerate(solution.cells)
    ]
    return exercise


def render(notebook: nbformat.NotebookNode) -> str:
    """The exact text `nbformat.write` produces (1-space indent, sorted keys) with a final newline."""
    return nbformat.writes(notebook, version=4) + "\n"


def build_exercises(solutions: Path) -> dict[str, str]:
    """Every exercise notebook's text, by file name, computed in memory."""
    if not solutions.is_dir():
        raise ExerciseError(f"No solutions folder at {solutions}.", f"找不到解答笔记本文件夹 {solutions}。")
    return {path.name: render(make_exercise(nbformat.read(path, as_version=4), path.name))
            for path in sorted(solutions.glob("*.ipynb"))}


def write_exercises(solutions: Path, exercises: Path) -> list[Path]:
    """Write the exercises atomically and delete exercise notebooks whose solution is gone; returns the changes."""
    wanted = build_exercises(solutions)
    changed = []
    for name, text in wanted.items():
        target = exercises / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            write_text_atomic(target, text)
            changed.append(target)
    for stale in sorted(exercises.glob("*.ipynb")):
        if stale.name not in wanted:
            stale.unlink()
            changed.append(stale)
    return changed


def find_drift(solutions: Path, exercises: Path) -> list[str]:
    """One line per exercise notebook that is missing, out of date, or has no solution any more."""
    wanted = build_exercises(solutions)
    problems = []
    for name, text in wanted.items():
        target = exercises / name
        if not target.exists():
            problems.append(f"{target} is missing · 缺少该文件")
        elif target.read_text(encoding="utf-8") != text:
            problems.append(f"{target} differs from its solution notebook · 与解答笔记本不一致")
    problems += [f"{stale} has no solution notebook · 没有对应的解答笔记本"
                 for stale in sorted(exercises.glob("*.ipynb")) if stale.name not in wanted]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed exercises are out of date")
    parser.add_argument("--solutions", type=Path, default=SOLUTIONS, help="folder of solution notebooks")
    parser.add_argument("--exercises", type=Path, default=EXERCISES, help="folder of exercise notebooks")
    arguments = parser.parse_args(argv)
    try:
        if arguments.check:
            problems = find_drift(arguments.solutions, arguments.exercises)
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                print("Run `python tools/make_exercises.py` · 请运行 `python tools/make_exercises.py`", file=sys.stderr)
            return 1 if problems else 0
        for path in write_exercises(arguments.solutions, arguments.exercises):
            print(f"{'wrote' if path.exists() else 'removed'} {path}")
        return 0
    except ExerciseError as error:
        print(f"error: {error.english} · {error.chinese}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
