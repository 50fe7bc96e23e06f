"""The course site (tools/build_site.py): what it contains, and a real Chromium reading it with no network.

The build checks need the site extra (Sphinx, myst-nb; `make site` or `make test` installs it); the browser checks
need Debian's chromium and chromium-driver and skip with a one-line reason where they are missing.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import pytest
from browser import chromium, console_errors, failed_requests, missing_browser, network_events, outside_requests, serve

pytest.importorskip("sphinx", reason="the site extra is not installed: pip install -e '.[site]' (make site)")
pytest.importorskip("myst_nb", reason="the site extra is not installed: pip install -e '.[site]' (make site)")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # tools/ holds scripts, not a package
sys.path.insert(0, str(ROOT / "book"))
import build_site  # noqa: E402
import charrnn_site  # noqa: E402
from make_exercises import BEGIN_SOLUTION, strip_regions  # noqa: E402

SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
# 梯度 (gradient) mostly stands inside Chinese sentences, where Sphinx's own search cannot see it
# (test_search_finds_words_inside_chinese_sentences shows that on the built pages).
SENTENCE_WORD = "梯度"
SEARCH_WORDS = ("LSTM", "平仄", SENTENCE_WORD)
needs_browser = pytest.mark.skipif(missing_browser() is not None, reason=f"browser check: {missing_browser()}")


def build(out: Path, answers: str) -> Path:
    """Build the site as `make site` does (its own process: Sphinx registers its extensions once per process)."""
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_site.py"), "--out", str(out), "--answers", answers,
                    "--strict"], check=True, stdout=subprocess.DEVNULL)
    return out / "html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("site"), "fold")


@pytest.fixture(scope="module")
def site_without_answers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("site-omit"), "omit")


@pytest.fixture(scope="module")
def browser(site: Path) -> Iterator[tuple[Any, str]]:
    with serve(site) as base_url, chromium() as driver:
        driver.set_script_timeout(60)
        yield driver, base_url


def pages(site: Path) -> list[str]:
    """Every HTML page of the site, as a path relative to its root."""
    return sorted(page for page in (path.relative_to(site).as_posix() for path in site.rglob("*.html"))
                  if not page.startswith("_"))  # _static/ holds the theme's template fragments, not pages


def article_text(page: Path) -> str:
    """The visible text of a page's article (no navigation), tags stripped and entities decoded."""
    match = re.search(r'<article class="bd-article".*?</article>', page.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"<script.*?</script>|<style.*?</style>", "", match.group(0) if match else "", flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def solution_regions(notebook: nbformat.NotebookNode) -> int:
    """How many answer regions the notebook's code cells hold."""
    return sum(line.strip() == BEGIN_SOLUTION for cell in notebook.cells if cell.cell_type == "code"
               for line in cell.source.splitlines())


def answer_only_lines(notebook: nbformat.NotebookNode) -> set[str]:
    """Lines of the answers that appear nowhere else in the notebook (so a page that shows one shows an answer)."""
    answers = set()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            kept = set(strip_regions(cell.source, "test").splitlines())
            answers |= {line.strip() for line in cell.source.splitlines() if line not in kept}
    elsewhere = json.dumps([strip_regions(cell.source, "test") if cell.cell_type == "code" else cell.source
                            for cell in notebook.cells], ensure_ascii=False)
    elsewhere += json.dumps([cell.get("outputs", []) for cell in notebook.cells], ensure_ascii=False)
    return {line for line in answers if len(line) > 12 and "SOLUTION" not in line and json.dumps(line)[1:-1]
            not in elsewhere}


def test_course_search_indexes_chinese_characters_and_pairs() -> None:
    search = charrnn_site.CourseSearch({})
    assert search.split("mark a line's 平仄 (LSTM)") == ["mark", "a", "line", "s", "LSTM", "平", "仄", "平仄"]
    assert search.split("一个字平仄两读") == [*"一个字平仄两读", "一个", "个字", "字平", "平仄", "仄两", "两读"]


def test_answers_are_cut_into_code_and_answer_pieces() -> None:
    code = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n\nf(1)"
    assert charrnn_site.answer_segments(code) == [(False, "def f(x):"), (True, "    return x"), (False, "\nf(1)")]


def test_a_widget_output_becomes_a_note_and_an_answer_a_stub(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    cell = nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\nf()")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        build_site.WIDGET_VIEW: {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "interactive(children=(…))"})]
    notebook.cells = [cell]
    nbformat.write(notebook, tmp_path / "lesson.ipynb")
    folded, omitted = (build_site.lesson_notebook(tmp_path / "lesson.ipynb", answers) for answers in ("fold", "omit"))
    assert "widgets" not in folded.metadata
    assert folded.cells[0].outputs[0].data == {"text/plain": build_site.WIDGET_NOTE}
    assert folded.cells[0].source == cell.source
    assert omitted.cells[0].source.splitlines() == ["def f():", "    # YOUR CODE HERE / 在此编写代码",
                                                    "    raise NotImplementedError()", "f()"]


def test_site_has_every_lesson_the_glossary_and_the_data_pages(site: Path) -> None:
    built = set(pages(site))
    assert {f"notebooks/solutions/{path.stem}.html" for path in SOLUTIONS} <= built
    assert {"index.html", "search.html", "docs/glossary.html", "datasets/README.html", "datasets/catalog.html"} <= built
    assert {f"{run.parent.relative_to(ROOT).as_posix()}/README.html"
            for run in (ROOT / "charrnn_lib" / "pretrained").glob("*/README.md")} <= built
    catalog = (ROOT / "charrnn_lib" / "datasets" / "catalog.json").read_text(encoding="utf-8")
    catalog_text = article_text(site / "datasets" / "catalog.html")
    assert all(name in catalog_text for name in json.loads(catalog)["corpora"])
    assert all(checksum in catalog_text for checksum in re.findall(r"\b[0-9a-f]{64}\b", catalog))


def test_landing_page_has_the_readme_commands_the_lessons_and_the_exercises(site: Path) -> None:
    landing = (site / "index.html").read_text(encoding="utf-8")
    text = article_text(site / "index.html")
    for readme in ("README.md", "README.zh.md"):
        for line in build_site.first_bash_block(ROOT / readme).splitlines()[1:-1]:
            assert line.split("#")[0].strip() in text
    assert "make poem" in text and "make test" in text
    for path in SOLUTIONS:
        assert f'href="notebooks/solutions/{path.stem}.html"' in landing
        assert f'href="notebooks/exercises/{path.name}" download' in landing
        exercise = site / "notebooks" / "exercises" / path.name
        assert exercise.read_bytes() == (ROOT / "notebooks" / "exercises" / path.name).read_bytes()
        lesson = (site / "notebooks" / "solutions" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert f'href="../exercises/{path.name}" download="{path.name}"' in lesson


def test_each_answer_is_folded_and_nothing_else(site: Path) -> None:
    for path in SOLUTIONS:
        notebook = nbformat.read(path, as_version=4)
        page = (site / "notebooks" / "solutions" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert page.count('<details class="charrnn-answer">') == solution_regions(notebook), path.name
        assert "<details class=\"charrnn-answer\" open" not in page
        assert BEGIN_SOLUTION not in page and "### END SOLUTION" not in page


def test_the_omit_build_leaves_every_answer_out(site_without_answers: Path) -> None:
    index = (site_without_answers / "searchindex.js").read_text(encoding="utf-8")
    for path in SOLUTIONS:
        notebook = nbformat.read(path, as_version=4)
        page = site_without_answers / "notebooks" / "solutions" / f"{path.stem}.html"
        text = article_text(page)
        assert "charrnn-answer" not in page.read_text(encoding="utf-8")
        assert text.count("# YOUR CODE HERE / 在此编写代码") == solution_regions(notebook), path.name
        leaked = [line for line in answer_only_lines(notebook) if line in text or json.dumps(line)[1:-1] in index]
        assert not leaked, f"{path.name} shows answer lines: {leaked[:3]}"


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    loads = re.compile(r'<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)="(https?:)?//', flags=re.I)
    for page in pages(site):
        assert not loads.search((site / page).read_text(encoding="utf-8")), page
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (site / build_site.FONT_OUT).stat().st_size > 10_000


# --- in Chromium --------------------------------------------------------------------------------------------------
@needs_browser
def test_every_page_loads_offline_with_its_images_math_and_chinese_font(site: Path, browser: Any) -> None:
    driver, base_url = browser
    figures = {"pages": 0, "images": 0, "math": 0, "Chinese pages": 0, "console errors": 0, "outside requests": 0}
    network_events(driver)  # start from empty logs
    console_errors(driver)
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    for page in pages(site):
        driver.get(base_url + page)
        driver.execute_async_script("document.fonts.ready.then(() => arguments[arguments.length - 1]())")
        math = driver.find_elements("css selector", ".math")
        if math:  # MathJax replaces each TeX span by an mjx-container
            driver.execute_async_script("MathJax.startup.promise.then(() => arguments[arguments.length - 1]())")
            typeset = driver.execute_script("return document.querySelectorAll('.math mjx-container').length")
            assert typeset >= len(math) and not driver.find_elements("css selector", "mjx-merror"), page
        images = driver.execute_script(
            "return Array.from(document.images, i => [i.currentSrc, i.complete && i.naturalWidth > 0])")
        assert all(loaded for _, loaded in images), f"{page}: {[src for src, ok in images if not ok]}"
        fonts = cjk_fonts(driver)
        if fonts is not None:
            assert fonts and all(font["familyName"] == "Noto Sans SC" and font["isCustomFont"] for font in fonts), \
                f"{page}: Chinese text drawn with {fonts}"
            figures["Chinese pages"] += 1
        events, errors = network_events(driver), console_errors(driver)
        assert not errors, f"{page}: {errors}"
        assert not outside_requests(events, base_url), f"{page}: {outside_requests(events, base_url)}"
        assert not failed_requests(events), f"{page}: {failed_requests(events)}"
        figures["pages"] += 1
        figures["images"] += len(images)
        figures["math"] += len(math)
    print("\nsite in Chromium:", ", ".join(f"{key} {value}" for key, value in figures.items()))
    assert figures["images"] > 0 and figures["math"] > 0 and figures["Chinese pages"] > len(SOLUTIONS)


def cjk_fonts(driver: Any) -> list[dict[str, Any]] | None:
    """The fonts Chromium drew the Chinese characters of the page's first Chinese paragraph with (None: no such)."""
    probe = driver.execute_async_script("""
        const done = arguments[arguments.length - 1], han = /[\\u3400-\\u9fff]/;
        const paragraph = Array.from(document.querySelectorAll("article p")).find(p => han.test(p.textContent));
        if (!paragraph) return done(null);
        const span = document.createElement("span");
        span.id = "charrnn-cjk-probe";
        span.textContent = Array.from(paragraph.textContent).filter(c => han.test(c)).join("");
        paragraph.appendChild(span);
        const style = getComputedStyle(span);
        document.fonts.load(`${style.fontSize} ${style.fontFamily}`, span.textContent)
            .then(() => requestAnimationFrame(() => done(span.textContent)));""")
    if probe is None:
        return None
    document = driver.execute_cdp_cmd("DOM.getDocument", {"depth": 0})
    node = driver.execute_cdp_cmd("DOM.querySelector", {"nodeId": document["root"]["nodeId"],
                                                        "selector": "#charrnn-cjk-probe"})
    return driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]


def search(driver: Any, base_url: str, query: str) -> set[str]:
    """The pages the site's own search lists for `query`."""
    driver.get(f"{base_url}search.html?q={quote(query)}")
    driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const finished = () => document.querySelector("#search-results .search-summary")?.innerText;  // set last
        const wait = () => finished() ? done() : setTimeout(wait, 50);
        wait();""")
    links = driver.execute_script("return Array.from(document.querySelectorAll('#search-results ul.search li a'),"
                                  " a => a.getAttribute('href'))")
    return {link.split("?")[0].split("#")[0] for link in links}


def pages_with(site: Path, word: str) -> set[str]:
    """The pages whose article text holds `word` (a Latin word as a whole word, any case)."""
    pattern = re.compile(rf"\b{word}\b", re.I) if word.isascii() else re.compile(word)
    return {page for page in pages(site) if page != "search.html" and pattern.search(article_text(site / page))}


@needs_browser
def test_search_finds_english_and_chinese_words(site: Path, browser: Any) -> None:
    driver, base_url = browser
    for word in SEARCH_WORDS:
        expected, found = pages_with(site, word), search(driver, base_url, word)
        print(f"\nsearch {word}: {len(found)} pages found, {len(expected)} pages have it")
        assert expected and expected <= found, f"{word}: missing {expected - found}"
    query_terms = driver.execute_script("return splitQuery(arguments[0])", "一个字平仄 LSTM")
    assert query_terms == ["LSTM", "一个", "个字", "字平", "平仄"]
    assert set(query_terms) <= set(charrnn_site.CourseSearch({}).split("一个字平仄 LSTM"))


def test_search_finds_words_inside_chinese_sentences(site: Path) -> None:
    """Sphinx's own splitter keeps a run of Chinese characters as one word: it misses pages the site's index has."""
    from sphinx.search import SearchLanguage

    default, course = SearchLanguage({}), charrnn_site.CourseSearch({})
    having = pages_with(site, SENTENCE_WORD)
    seen_by_default = {page for page in having if SENTENCE_WORD in default.split(article_text(site / page))}
    print(f"\n{SENTENCE_WORD} is on {len(having)} pages; Sphinx's default splitter sees it on {len(seen_by_default)}")
    assert all(SENTENCE_WORD in course.split(article_text(site / page)) for page in having)
    assert len(seen_by_default) < len(having)


@needs_browser
def test_an_answer_opens_when_asked(site: Path, browser: Any) -> None:
    driver, base_url = browser
    lesson = next(path for path in SOLUTIONS if solution_regions(nbformat.read(path, as_version=4)))
    driver.get(f"{base_url}notebooks/solutions/{lesson.stem}.html")
    answer = driver.find_element("css selector", "details.charrnn-answer")
    code = answer.find_element("css selector", "pre")
    assert not code.is_displayed()
    driver.execute_script("arguments[0].scrollIntoView()", answer)
    answer.find_element("tag name", "summary").click()
    assert code.is_displayed() and code.text.strip()
