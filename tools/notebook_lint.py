"""Check that the lesson notebooks keep the course's shape and say everything in English and Chinese.

    python tools/notebook_lint.py            # every notebook in notebooks/solutions and notebooks/exercises

It also runs tools/lesson_claims.py: the numbers and sentences the lessons' prose quotes from their outputs.

Solution notebooks: an ASCII file name `NN_slug.ipynb`; a markdown title cell first, `# English · 中文`;
the first code cell is the setup cell (`setup(` under `# NBVAL_IGNORE_OUTPUT`); `## Summary · 小结`, then
`## Exercises · 练习`; every markdown cell has its English paragraph(s) before the Chinese one(s), in the
same cell (cells that are only images or formulas are exempt; headings, bold labels and table or list lines that
hold both languages on one line count as bilingual), and no term from WRONG_TERMS comes back.
Exercise notebooks: the generated notice first, then the
same shape (their markdown is copied from the solution, so the language rule is not repeated).
"""

from __future__ import annotations

import re
import sys

import nbformat
from lesson_claims import Lessons, broken_claims
from make_exercises import EXERCISES, NOTICE_CELL_ID, SOLUTIONS

FILE_NAME = re.compile(r"\d{2}_[a-z0-9_]+\.ipynb")
SUMMARY = "## Summary · 小结"
EXERCISES_HEADING = "## Exercises · 练习"
SETUP_CALL = re.compile(r"\bsetup\(")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Headings, list items, table rows and bold labels may hold both languages on one line: `## Batches · 批次`,
# `**Further reading · 延伸阅读**`.
STRUCTURAL_LINE = re.compile(r"\s*(#+ |[-*+] |\d+[.)] |\||\*\*[^*\n]+\*\*\s*$)")
# Terms (regular expressions) that read wrong to a learner, and what to write instead (README.zh, the glossary
# and the checkers' messages are held to them too: tests/test_notebook_lint.py).
WRONG_TERMS = {
    "对联": "a poem's couplet is 联 and its lines 出句/对句; 对联 is the Spring-Festival genre",
    "种子课程": "name the source material: 本课程所依据的原始材料, 作诗课程, Anna KaRNNa 笔记本",
    "种子笔记本": "name it: Anna KaRNNa 笔记本",
    "(?<!随机)种子运行": "name what ran: 作诗课程的训练, 原始材料中的训练 (随机种子 runs are fine)",
    "seed lesson": "name the source material: the poetry lesson, the Anna KaRNNa notebook",
    "seed notebook": "name it: the Anna KaRNNa notebook",
    "去除 ?logits": "去除 means remove: 把 logits 除以温度",
    "比特每字符": "use the glossary's 每字符比特数",
    "逐个数地": "say what is decided for each number: 对每一个数分别决定",
    # 对句 is right for the second line of a couplet, wrong for the couplet or a corpus of couplets.
    "对句(?=语料|模型|的样子)": "对句 is the second line of a couplet; the couplet is 联 (诗联, 一联): 诗联语料",
    "(?<=五言|诗的|排成)对句": "对句 is the second line of a couplet; the couplet is 联 (诗联, 一联): 五言诗联",
    # nats written into Chinese prose: after Chinese or a number, before Chinese or full-width punctuation.
    r"(?:[\u4e00-\u9fff，。；：、]\s*|\d\s)nats?(?=\s*[\u4e00-\u9fff，。；：、（）])":
        "Chinese prose uses the glossary's 奈特: 1.45 奈特, 以奈特（nat）为单位",
}
# Markdown that carries no prose: code, formulas, images, HTML tags, link targets.
NOT_PROSE = (
    re.compile(r"```.*?```", re.DOTALL),
    re.compile(r"\$\$.*?\$\$", re.DOTALL),
    re.compile(r"\$[^$\n]+\$"),
    re.compile(r"`[^`\n]*`"),
    re.compile(r"!\[[^\]]*\]\([^)]*\)"),
    re.compile(r"<[^>\n]+>"),
    re.compile(r"\]\([^)]*\)"),
    re.compile(r"https?://\S+"),
)


def lint_solution(notebook: nbformat.NotebookNode, name: str) -> list[str]:
    """Every problem of a solution notebook, one line each (empty when it is fine)."""
    problems = _lint_shape(notebook.cells, name)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            problem = language_problem(cell.source)
            if problem:
                problems.append(f"{name}, cell {index}: {problem}")
            problems += [f"{name}, cell {index}: {problem}" for problem in term_problems(cell.source)]
    return problems


def term_problems(text: str) -> list[str]:
    """One line per known-wrong term in `text`, with what to write instead."""
    return [f"{re.sub(r'[(][^)]*[)]|[?]', '', term)!r}: {advice}" for term, advice in WRONG_TERMS.items()
            if re.search(term, text)]


def lint_exercise(notebook: nbformat.NotebookNode, name: str) -> list[str]:
    """Every problem of an exercise notebook: the generated notice first, then the lesson's shape."""
    cells = notebook.cells
    if not cells or cells[0].get("id") != NOTICE_CELL_ID:
        return [f"{name}: the first cell must be the generated notice; run `python tools/make_exercises.py`"]
    return _lint_shape(cells[1:], name)


def language_problem(markdown: str) -> str | None:
    """Why a markdown cell breaks the English-then-Chinese rule, or None."""
    prose = strip_non_prose(markdown)
    for line in prose.splitlines():
        if line.startswith("#") and block_language(line) != "both":
            return f"the heading {line.strip()!r} must read `English · 中文` on one line"
    blocks = [block for block in re.split(r"\n\s*\n", prose) if block.strip()]
    languages = [language for language in map(block_language, blocks) if language in ("en", "zh")]
    # Consecutive paragraphs in one language form one run: en, zh (or en, zh, en, zh) is the expected shape.
    runs = [language for position, language in enumerate(languages)
            if position == 0 or language != languages[position - 1]]
    if runs == ["en"]:
        return "English only; add the Chinese paragraph after it"
    if runs == ["zh"]:
        return "Chinese only; add the English paragraph before it"
    if runs and runs[0] == "zh":
        return "Chinese comes before English; put the English paragraph first"
    if runs and runs[-1] == "en":
        return "the last English paragraph has no Chinese paragraph after it"
    return None


def strip_non_prose(markdown: str) -> str:
    """The markdown with code, formulas, images, tags and link targets blanked out."""
    for pattern in NOT_PROSE:
        markdown = pattern.sub(" ", markdown)
    return markdown


def block_language(block: str) -> str | None:
    """"en", "zh", "both" (headings, list items or table rows that each hold both), or None for no words."""
    lines = [line for line in block.splitlines() if CJK.search(line) or LATIN_WORD.search(line)]
    if not lines:
        return None
    if all(STRUCTURAL_LINE.match(line) and CJK.search(line) and LATIN_WORD.search(line) and _english_first(line)
           for line in lines):
        return "both"
    # A Chinese paragraph names English terms, 隐状态（hidden state）; an English one may quote a poem.
    return "zh" if len(CJK.findall(block)) > len(LATIN_WORD.findall(block)) else "en"


def _english_first(line: str) -> bool:
    return LATIN_WORD.search(line).start() < CJK.search(line).start()


def _lint_shape(cells: list[nbformat.NotebookNode], name: str) -> list[str]:
    """File name, title, setup cell and closing sections, common to solutions and exercises."""
    problems = []
    if not FILE_NAME.fullmatch(name):
        problems.append(f"{name}: name it NN_slug.ipynb (two digits, lowercase ASCII, underscores)")
    title = cells[0].source.lstrip().splitlines()[0] if cells and cells[0].source.strip() else ""
    if not cells or cells[0].cell_type != "markdown" or not re.fullmatch(r"# \S.*", title) \
            or block_language(title) != "both":
        problems.append(f"{name}: the first cell must start with a bilingual title, `# English title · 中文标题`")
    code = [cell for cell in cells if cell.cell_type == "code"]
    if not code or not SETUP_CALL.search(code[0].source) or "# NBVAL_IGNORE_OUTPUT" not in code[0].source:
        problems.append(f"{name}: the first code cell must be the setup cell, `# NBVAL_IGNORE_OUTPUT` and "
                        "`cr.lessons.notebook.setup()`")
    headings = [line.strip() for cell in cells if cell.cell_type == "markdown" for line in cell.source.splitlines()]
    for heading in (SUMMARY, EXERCISES_HEADING):
        if heading not in headings:
            problems.append(f"{name}: the heading `{heading}` is missing")
    if SUMMARY in headings and EXERCISES_HEADING in headings \
            and headings.index(SUMMARY) > headings.index(EXERCISES_HEADING):
        problems.append(f"{name}: `{SUMMARY}` must come before `{EXERCISES_HEADING}`")
    return problems


def main() -> int:
    problems = []
    for folder, lint in ((SOLUTIONS, lint_solution), (EXERCISES, lint_exercise)):
        for path in sorted(folder.glob("*.ipynb")):
            problems += lint(nbformat.read(path, as_version=4), path.name)
    problems += broken_claims(Lessons(SOLUTIONS))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
