"""Sphinx extension of the course site: bilingual search, folded exercise answers, exercise downloads.

- `CourseSearch` indexes Latin words as Sphinx's English search does and Chinese text as single characters and
  pairs of neighbouring characters; the browser splits a query the same way, so 平仄 finds every page where those
  two characters stand together, inside a sentence too (Sphinx's default search keeps a whole run of Chinese
  characters as one word, so it finds 平仄 only where it stands alone).
- Each `### BEGIN SOLUTION` … `### END SOLUTION` region of a code cell is folded into a `<details>` element
  ("Show the answer"), which works without JavaScript. With `charrnn_answers = "omit"` tools/build_site.py has
  already replaced the regions by the exercise stub, so nothing is left to fold.
- A lesson whose exercise notebook is in `charrnn_exercises` gets a download link under its title.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.search.en import SearchEnglish

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
SHOW_ANSWER = "Show the answer · 显示答案"
DOWNLOAD_EXERCISE = "Download the exercise notebook · 下载练习笔记本"

# Han ideographs (basic block, extension A, compatibility, extensions B–F); the same ranges as SPLIT_QUERY_JS.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
HAN_RUN = re.compile(f"[{HAN}]+")
LATIN_WORD = re.compile(f"[^\\W{HAN}]+")


def han_terms(run: str) -> list[str]:
    """A run of Chinese characters as search terms: each character, and each pair of neighbours."""
    return list(run) + [run[i : i + 2] for i in range(len(run) - 1)]


# The browser's half of CourseSearch.split: a query's Latin words as they are, a Chinese run as its pairs of
# neighbouring characters (all of which a page must contain), or as itself when it is one character.
SPLIT_QUERY_JS = """
const charrnnHan = /[\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{2ffff}]+/gu;
function splitQuery(query) {
  const terms = query.replace(charrnnHan, " ").split(/[^\\p{Letter}\\p{Number}_\\p{Emoji_Presentation}]+/gu);
  for (const run of query.match(charrnnHan) || []) {
    const chars = Array.from(run);
    if (chars.length === 1) terms.push(run);
    for (let i = 0; i + 1 < chars.length; i++) terms.push(chars[i] + chars[i + 1]);
  }
  return terms.filter((term) => term);
}
"""


class CourseSearch(SearchEnglish):
    """English stemming for Latin words; characters and character pairs for Chinese (see the module docstring)."""

    lang = "zh"  # the key conf.py's html_search_language picks; `language_name` stays "English" (the JS stemmer)
    js_splitter_code = SPLIT_QUERY_JS

    def split(self, input: str) -> list[str]:
        """Latin words, then every Chinese character and character pair of the text."""
        words = LATIN_WORD.findall(input)
        for run in HAN_RUN.findall(input):
            words += han_terms(run)
        return words


def answer_segments(code: str) -> list[tuple[bool, str]]:
    """Split a cell's code into (is_answer, text) pieces; the marker lines themselves are dropped."""
    segments: list[tuple[bool, list[str]]] = [(False, [])]
    for line in code.split("\n"):
        marker = line.strip()
        if marker in (BEGIN_SOLUTION, END_SOLUTION):
            segments.append((marker == BEGIN_SOLUTION, []))
        else:
            segments[-1][1].append(line)
    return [(is_answer, "\n".join(lines)) for is_answer, lines in segments if any(line.strip() for line in lines)]


def fold_answers(doctree: nodes.document) -> int:
    """Replace each code block that holds answers by its pieces, the answers inside `<details>`; returns the count."""
    folded = 0
    for block in list(doctree.findall(nodes.literal_block)):
        if "cell_input" not in block.parent.get("classes", []) or BEGIN_SOLUTION not in block.astext():
            continue
        pieces: list[nodes.Node] = []
        for is_answer, text in answer_segments(block.astext()):
            code = nodes.literal_block(text, text, language=block.get("language", "python"),
                                       classes=["charrnn-answer-code"] if is_answer else [])
            if is_answer:
                folded += 1
                pieces += [nodes.raw("", f'<details class="charrnn-answer"><summary>{SHOW_ANSWER}</summary>\n',
                                     format="html"),
                           code, nodes.raw("", "</details>\n", format="html")]
            else:
                pieces.append(code)
        block.replace_self(pieces)
    return folded


def exercise_link(docname: str, exercises: Path) -> nodes.raw | None:
    """The download link for a lesson page `notebooks/solutions/NAME`, if `exercises/NAME.ipynb` exists."""
    folder, _, name = docname.rpartition("/")
    exercise = exercises / f"{name}.ipynb"
    if folder != "notebooks/solutions" or not exercise.is_file():
        return None
    href = html.escape(f"../exercises/{exercise.name}")
    return nodes.raw("", f'<p class="charrnn-exercise"><a class="reference download" href="{href}" '
                         f'download="{html.escape(exercise.name)}">{DOWNLOAD_EXERCISE}: '
                         f"<code>{html.escape(exercise.name)}</code></a></p>\n", format="html")


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Fold the answers of a lesson page and put its exercise download link under the title."""
    fold_answers(doctree)
    exercises = app.config.charrnn_exercises
    link = exercise_link(app.env.docname, Path(exercises)) if exercises else None
    title = next(iter(doctree.findall(nodes.title)), None)
    if link is not None and title is not None:
        title.parent.insert(title.parent.index(title) + 1, link)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the search language, the config values and the doctree hook."""
    app.add_search_language(CourseSearch)
    app.add_config_value("charrnn_exercises", "", "env", types=frozenset({str}))
    app.connect("doctree-read", on_doctree_read)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
