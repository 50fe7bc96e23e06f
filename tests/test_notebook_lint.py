"""tools/notebook_lint.py: the course shape and the English-then-Chinese rule, on tiny and on real notebooks."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # tools/ holds scripts, not a package
import lesson_claims
import make_exercises
import notebook_lint

NAME = "01_text_to_numbers.ipynb"
TITLE = ("# Text to numbers · 文本变数字\n\nGoal: turn text into ids. Runs in 1 min (quick) or 5 min (full).\n\n"
         "目标：把文本变成编号。快速模式运行约 1 分钟，完整模式约 5 分钟。")
SETUP = "# NBVAL_IGNORE_OUTPUT\nimport charrnn_lib as cr\n\ncr.lessons.notebook.setup()"
SECTION = "## Vocabulary · 词表\n\nA vocabulary lists every character once.\n\n词表（vocabulary）把每个字符列出一次。"
SUMMARY = "## Summary · 小结\n\n- Text becomes ids · 文本变成编号\n- Ids become one-hot vectors · 编号变成独热向量"
EXERCISES = "## Exercises · 练习\n\n1. Train on another corpus.\n\n1. 换一个语料训练。"


def lesson(*extra_markdown: str, summary: str = SUMMARY) -> nbformat.NotebookNode:
    notebook = new_notebook()
    cells = [new_markdown_cell(TITLE), new_code_cell(SETUP), new_markdown_cell(SECTION), new_code_cell("1 + 1")]
    cells += [new_markdown_cell(source) for source in extra_markdown]
    cells += [new_markdown_cell(summary), new_markdown_cell(EXERCISES)]
    notebook.cells = cells
    return notebook


def test_a_well_formed_lesson_passes():
    notebook = lesson(
        "![The batching grid](../../assets/batching_grid.svg)",
        "$$p_i = \\frac{e^{z_i / T}}{\\sum_j e^{z_j / T}}$$",
        "The line 床前明月光，疑是地上霜 has ten characters, so the model sees ten ids.\n\n"
        "这句诗有十个字，所以模型看到十个编号。",
        "Call `make_batches(ids, 2, 3)`.\n\nA second English paragraph.\n\n调用 `make_batches(ids, 2, 3)`。\n\n"
        "第二段中文。",
        "| English | 中文 |\n|---|---|\n| token | 词元 |",
    )
    assert notebook_lint.lint_solution(notebook, NAME) == []


@pytest.mark.parametrize(("markdown", "problem"), [
    ("A vocabulary lists every character once.", "English only"),
    ("词表把每个字符列出一次。", "Chinese only"),
    ("词表把每个字符列出一次。\n\nA vocabulary lists every character once.", "Chinese comes before English"),
    ("One.\n\n一。\n\nTwo, without its translation.", "no Chinese paragraph after it"),
    ("## Vocabulary\n\nA vocabulary.\n\n词表。", "heading '## Vocabulary'"),
    ("## 词表 · Vocabulary\n\nA vocabulary.\n\n词表。", "heading '## 词表 · Vocabulary'"),
])
def test_a_markdown_cell_missing_a_language_or_in_the_wrong_order_is_reported(markdown, problem):
    problems = notebook_lint.lint_solution(lesson(markdown), NAME)
    assert len(problems) == 1 and problem in problems[0] and f"{NAME}, cell 4" in problems[0]


def test_a_missing_summary_heading_is_reported():
    problems = notebook_lint.lint_solution(lesson(summary="## Recap · 回顾\n\nText becomes ids.\n\n文本变成编号。"),
                                           NAME)
    assert problems == [f"{NAME}: the heading `## Summary · 小结` is missing"]


def test_title_setup_order_and_file_name_are_checked():
    notebook = lesson()
    notebook.cells[0].source = "# Text to numbers\n\nGoal.\n\n目标。"
    notebook.cells[1], notebook.cells[3] = notebook.cells[3], notebook.cells[1]
    notebook.cells[-2], notebook.cells[-1] = notebook.cells[-1], notebook.cells[-2]
    problems = " | ".join(notebook_lint.lint_solution(notebook, "01 文本.ipynb"))
    for expected in ("name it NN_slug.ipynb", "bilingual title", "setup cell", "must come before"):
        assert expected in problems


def test_exercise_notebooks_need_the_generated_notice_first():
    solution = lesson()
    for index, cell in enumerate(solution.cells):
        cell.id = f"cell-{index}"
    exercise = make_exercises.make_exercise(solution, NAME)
    assert notebook_lint.lint_exercise(exercise, NAME) == []
    exercise.cells = exercise.cells[1:]
    assert "generated notice" in notebook_lint.lint_exercise(exercise, NAME)[0]


def test_the_notebook_folders_exist():
    """The real lessons arrive later; until then the tests below run on zero notebooks, not on a missing folder."""
    assert make_exercises.SOLUTIONS.is_dir() and make_exercises.EXERCISES.is_dir()


@pytest.mark.parametrize("path", sorted(make_exercises.SOLUTIONS.glob("*.ipynb")), ids=lambda path: path.name)
def test_solution_notebook_is_well_formed(path):
    assert notebook_lint.lint_solution(nbformat.read(path, as_version=4), path.name) == []


@pytest.mark.parametrize("path", sorted(make_exercises.EXERCISES.glob("*.ipynb")), ids=lambda path: path.name)
def test_exercise_notebook_is_well_formed(path):
    assert notebook_lint.lint_exercise(nbformat.read(path, as_version=4), path.name) == []


@pytest.mark.parametrize(("markdown", "term"), [
    ("The model writes couplets.\n\n模型会写对联。", "对联"),
    ("As the seed lesson did.\n\n和种子课程一样。", "seed lesson"),
    ("Divide by T.\n\n温度在 softmax 之前去除 logits。", "去除 logits"),
    ("2.5 bits per character.\n\n2.5 比特每字符。", "比特每字符"),
    ("Trained on the couplets.\n\n在作诗课程自带的对句语料上训练。", "对句"),
    ("Tang couplets.\n\n唐诗五言对句。", "对句"),
    ("A loss of 1.45 nats.\n\n验证损失不超过 1.45 nats。", "nats"),
    ("The loss is in nats.\n\n损失以 nats 为单位。", "nats"),
])
def test_a_known_wrong_term_planted_in_a_lesson_is_reported_with_the_fix(markdown, term):
    problems = notebook_lint.lint_solution(lesson(markdown), NAME)
    assert any(f"{term!r}" in problem and f"{NAME}, cell 4" in problem for problem in problems)


@pytest.mark.parametrize("markdown", [
    "Each couplet has an opening and a closing line.\n\n每联由出句和对句组成，对句与出句平仄相反。",
    "A loss of 1.45 nats (the dashed line).\n\n损失以奈特（nat）为单位，不超过 1.45 奈特。",
])
def test_the_right_use_of_a_term_near_a_wrong_one_passes(markdown):
    assert notebook_lint.lint_solution(lesson(markdown), NAME) == []


def test_a_bold_bilingual_label_before_a_list_counts_as_bilingual():
    further = "**Further reading · 延伸阅读**\n\n- Karpathy (2015): the char-RNN. · 字符级 RNN 的出处。"
    assert notebook_lint.lint_solution(lesson(summary=SUMMARY + "\n\n" + further), NAME) == []
    assert "Chinese only" in notebook_lint.lint_solution(lesson("**延伸阅读**"), NAME)[0]


@pytest.mark.parametrize("path", [
    *sorted((Path(__file__).resolve().parents[1] / "charrnn_lib" / "checks").glob("*.py")),
    Path(__file__).resolve().parents[1] / "README.zh.md",
    Path(__file__).resolve().parents[1] / "docs" / "glossary.md",
], ids=lambda path: path.name)
def test_the_checkers_readme_zh_and_glossary_use_the_right_terms(path):
    assert notebook_lint.term_problems(path.read_text(encoding="utf-8")) == []


# --- what the lessons' prose quotes from their committed outputs (tools/lesson_claims.py) ---

@pytest.mark.parametrize("claim", lesson_claims.CLAIMS, ids=lambda claim: claim.__name__)
def test_the_lessons_prose_says_what_their_committed_outputs_show(claim):
    claim(lesson_claims.Lessons())


def test_a_number_the_prose_quotes_wrongly_is_reported_with_its_claim(tmp_path):
    name = "02_minibatches.ipynb"
    claim = lesson_claims.lesson_2_quotes_the_bigram_losses_and_the_validation_batches_it_computes
    notebook = nbformat.read(make_exercises.SOLUTIONS / name, as_version=4)
    nbformat.write(notebook, tmp_path / name)
    assert lesson_claims.broken_claims(lesson_claims.Lessons(tmp_path), [claim]) == []
    quoted = next(cell for cell in notebook.cells if cell.get("id") == "wrap-loss-md")
    quoted.source = quoted.source.replace("about 2.4 nats", "about 3.4 nats")  # the output says 2.4
    nbformat.write(notebook, tmp_path / name)
    [problem] = lesson_claims.broken_claims(lesson_claims.Lessons(tmp_path), [claim])
    assert problem.startswith(claim.__name__) and "English text does not quote 2.4" in problem
