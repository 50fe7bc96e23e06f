"""Build the course's static site from the committed solution notebooks and their outputs (nothing is executed).

    python tools/build_site.py                   # build/site/html, each exercise answer folded ("Show the answer")
    python tools/build_site.py --answers omit    # the answers left out (the exercise stub instead), for a class
    python tools/build_site.py --out DIR         # DIR/html instead of build/site/html

The sources are assembled in OUT/src with the repository's own paths (notebooks/solutions/, assets/, docs/,
datasets/, charrnn_lib/pretrained/*/README.md), so every relative link and image resolves as it does in the repo;
Sphinx + myst-nb (book/conf.py, book/charrnn_site.py) renders them. Everything the pages load is served from the
site: MathJax 3 from the npm package (checked against its pinned sha512), and Noto Sans SC from PyPI
pylopdf-fonts-zh-cn, cut to the characters the site uses. Open it through a local server (fonts are not loaded
from file:// pages): python -m http.server --bind 127.0.0.1 --directory build/site/html 8000
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.resources
import json
import logging
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # tools/ holds scripts, not a package
from make_exercises import strip_regions  # noqa: E402

BOOK = ROOT / "book"
SOLUTIONS = "notebooks/solutions"
EXERCISES = "notebooks/exercises"
# Documents shown as pages besides the lessons, by their repository paths (globs): glossary, data and provenance.
PAGES = ("docs/glossary.md", "datasets/README.md", "charrnn_lib/pretrained/*/README.md")
CATALOG = "charrnn_lib/datasets/catalog.json"
CATALOG_PAGE = "datasets/catalog.md"
RUN_FILES = ("provenance.json", "history.json", "config.json")  # offered as downloads on the catalog page

MATHJAX = "mathjax@3.2.2"
MATHJAX_INTEGRITY = "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
# What tex-chtml.js loads: itself, its fonts, the TeX extensions it may autoload, the menu and accessibility parts.
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "a11y", "ui")
FONT_FILE = "NotoSansSC-Regular.otf"
FONT_OUT = "_static/fonts/NotoSansSC-course.woff2"  # the name book/_static/charrnn.css loads

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ("Interactive controls (ipywidgets) appear here when the notebook runs in Jupyter. · "
               "在 Jupyter 中运行本笔记本时，这里会显示交互控件。")
ANSWERS_NOTE = {
    "fold": "Each exercise's answer is folded inside its code cell: press **Show the answer · 显示答案** to read "
            "it.\n\n"
            "每道练习的答案都折叠在代码单元格中：点击 **Show the answer · 显示答案** 即可查看。",
    "omit": "This edition leaves the exercise answers out: each one reads `# YOUR CODE HERE`, as in the exercise "
            "notebooks.\n\n本版本不含练习答案：每处答案都显示为 `# YOUR CODE HERE`，与练习笔记本相同。",
}
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


class SiteError(Exception):
    """The site cannot be built (a missing tool, a changed download, a README without its commands)."""


@dataclass
class Site:
    """What a build produced."""

    html: Path
    pages: int
    lessons: int
    folded: int
    size_bytes: int
    seconds: float


def lesson_notebook(path: Path, answers: str) -> nbformat.NotebookNode:
    """A solution notebook as the site shows it: answers kept (to fold) or stubbed out, widgets as a note."""
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop("widgets", None)  # saved widget state would make myst-nb load the widget manager
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        if answers == "omit":
            cell.source = strip_regions(cell.source, f"{path.name}, cell {index}")
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                output.data = {"text/plain": WIDGET_NOTE}
    return notebook


def notebook_title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    """The text of the notebook's first level-1 heading."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def first_bash_block(readme: Path) -> str:
    """The README's first ```bash block (the set-up commands), fenced again."""
    match = re.search(r"^```bash\n.*?^```$", readme.read_text(encoding="utf-8"), flags=re.S | re.M)
    if match is None:
        raise SiteError(f"{readme} has no ```bash block with the set-up commands · {readme} 中没有安装命令代码块")
    return match.group(0)


def linked_files(text: str, where: str) -> Iterable[str]:
    """Repository paths of the local files that markdown `text` at repository path `where` links to."""
    base = (ROOT / where).parent
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("#", "/")):
            continue
        path = (base / target.split("#")[0]).resolve()
        if path.is_file() and path.is_relative_to(ROOT):
            yield path.relative_to(ROOT).as_posix()


def markdown_table(rows: Iterable[tuple[str, str]], header: tuple[str, str]) -> str:
    """A two-column markdown table; pipes and line breaks in the cells are escaped."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    return "\n".join(lines + [f"| {cell(key)} | {cell(value)} |" for key, value in rows])


def flatten(value: object, prefix: str = "") -> Iterable[tuple[str, str]]:
    """(dotted key, text) for every scalar inside nested dicts and lists."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{number}]")
    else:
        yield prefix, f"`{value}`" if isinstance(value, int | float) else str(value)


def catalog_page(runs: list[str]) -> str:
    """Every field of the corpus catalog, one table per corpus, and the shipped runs' record files."""
    catalog = json.loads((ROOT / CATALOG).read_text(encoding="utf-8"))
    parts = ["# Corpus catalog · 语料目录", "",
             f"Everything `{CATALOG}` records about each corpus: where it comes from, its licence, how it is "
             "prepared and the checksums the lookup checks. Generated from the catalog when the site is built.", "",
             f"`{CATALOG}` 中关于每个语料的全部记录：来源、许可、处理方法，以及查找时校验的 sha256。"
             "本页在构建网站时由目录生成。", "",
             str(catalog.get("description", "")), ""]
    for name, corpus in catalog.get("corpora", {}).items():
        parts += [f"## `{name}`", "", markdown_table(flatten(corpus), ("field · 字段", "value · 取值")), ""]
    parts += ["## Shipped runs · 随课程发布的模型", "",
              "How each pretrained run was trained, as it recorded itself · 每个预训练模型训练时自己记录的信息：", ""]
    for run in runs:
        folder = Path(run).parent
        files = [f"{{download}}`{name} <../{folder / name}>`" for name in RUN_FILES if (ROOT / folder / name).is_file()]
        parts.append(f"- [`{folder.name}`](../{run}): " + ", ".join(files))
    return "\n".join(parts) + "\n"


def landing_page(lessons: list[tuple[str, str]], pages: list[str], answers: str) -> str:
    """book/index.md with the README's commands, the lesson table and the table of contents filled in."""
    commands = first_bash_block(ROOT / "README.md") + "\n\n" + first_bash_block(ROOT / "README.zh.md")
    rows = ["| # | lesson · 课程 | exercise notebook · 练习笔记本 |", "|---|---|---|"]
    for name, title in lessons:
        number = name.split("_", 1)[0]
        download = f'<a href="{EXERCISES}/{name}.ipynb" download>{name}.ipynb</a>'
        rows.append(f"| {number} | [{title}]({SOLUTIONS}/{name}.ipynb) | {download} |")
    toctree = ["```{toctree}", ":hidden:", ":caption: Lessons · 课程", "",
               *(f"{SOLUTIONS}/{name}" for name, _ in lessons), "```", "",
               "```{toctree}", ":caption: Glossary and data · 术语与数据", ":maxdepth: 1", "",
               *(page.removesuffix(".md") for page in pages), "```"]
    text = (BOOK / "index.md").read_text(encoding="utf-8")
    for key, value in {"commands": commands, "answers": ANSWERS_NOTE[answers], "lessons": "\n".join(rows),
                       "toctree": "\n".join(toctree)}.items():
        text = text.replace(f"{{{{ {key} }}}}", value)
    return text


def copy_file(source: str, target: Path) -> None:
    """Copy the repository file `source` to `target`, making its folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / source, target)


def mathjax_tarball(cache: Path) -> Path:
    """The npm tarball of MathJax, from the cache or `npm pack`, checked against its pinned sha512."""
    tarball = cache / f"{MATHJAX.replace('@', '-')}.tgz"
    if not tarball.is_file():
        if shutil.which("npm") is None:
            raise SiteError("MathJax comes from the npm registry: install Node.js (npm) · "
                            "MathJax 来自 npm 仓库：请安装 Node.js")
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as folder:
            subprocess.run(["npm", "pack", MATHJAX, "--silent", "--pack-destination", folder], check=True,
                           stdout=subprocess.DEVNULL)
            Path(folder, tarball.name).replace(tarball)
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if digest != MATHJAX_INTEGRITY:
        tarball.unlink()
        raise SiteError(f"{MATHJAX} has sha512 {digest}, not the pinned {MATHJAX_INTEGRITY} · 校验值不符，已删除")
    return tarball


def unpack_mathjax(tarball: Path, static: Path) -> None:
    """Copy the parts of MathJax's es5 build that the pages load into `static`/mathjax."""
    prefixes = tuple(f"package/es5/{part}" for part in MATHJAX_PARTS)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith(prefixes):
                target = static / "mathjax" / member.name.removeprefix("package/es5/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())


def subset_font(html: Path) -> None:
    """Cut Noto Sans SC to the characters of the built pages and search index, as WOFF2 (names and licence kept)."""
    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # it logs every table and glyph at INFO
    text = "".join(path.read_text(encoding="utf-8") for path in html.rglob("*.html"))
    text += (html / "searchindex.js").read_text(encoding="utf-8")
    options = subset.Options(flavor="woff2", name_IDs=["*"], name_languages=["*"], notdef_outline=True)
    font = subset.load_font(str(importlib.resources.files("pylopdf_fonts_zh_cn") / FONT_FILE), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    (html / FONT_OUT).parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(html / FONT_OUT), options)


def assemble(src: Path, answers: str) -> list[tuple[str, str]]:
    """Write the site's sources into `src`; returns the lessons as (name, title)."""
    lessons, texts = [], {}
    for path in sorted((ROOT / SOLUTIONS).glob("*.ipynb")):
        notebook = lesson_notebook(path, answers)
        target = src / SOLUTIONS / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        lessons.append((path.stem, notebook_title(notebook, path.stem)))
        texts[f"{SOLUTIONS}/{path.name}"] = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    pages = [path.relative_to(ROOT).as_posix() for pattern in PAGES for path in sorted(ROOT.glob(pattern))]
    for page in pages:
        copy_file(page, src / page)
        texts[page] = (ROOT / page).read_text(encoding="utf-8")
    runs = [page for page in pages if page.startswith("charrnn_lib/pretrained/")]
    (src / CATALOG_PAGE).write_text(catalog_page(runs), encoding="utf-8")
    texts[CATALOG_PAGE] = (src / CATALOG_PAGE).read_text(encoding="utf-8")
    pages.insert(pages.index("datasets/README.md") + 1, CATALOG_PAGE)
    for run in runs:
        for name in RUN_FILES:
            if (ROOT / Path(run).parent / name).is_file():
                copy_file((Path(run).parent / name).as_posix(), src / Path(run).parent / name)
    for where, text in texts.items():
        for linked in linked_files(text, where):
            if not (src / linked).exists():
                copy_file(linked, src / linked)
    (src / "index.md").write_text(landing_page(lessons, pages, answers), encoding="utf-8")
    return lessons


def build(out: Path, answers: str = "fold", *, warnings_are_errors: bool = False) -> Site:
    """Assemble the sources in out/src and build the site into out/html."""
    from sphinx.application import Sphinx

    started = time.perf_counter()
    for folder in ("src", "static", "extra", "html", "doctrees"):
        shutil.rmtree(out / folder, ignore_errors=True)
    lessons = assemble(out / "src", answers)
    for exercise in sorted((ROOT / EXERCISES).glob("*.ipynb")):
        copy_file(f"{EXERCISES}/{exercise.name}", out / "extra" / EXERCISES / exercise.name)
    unpack_mathjax(mathjax_tarball(ROOT / "build" / "cache"), out / "static")
    app = Sphinx(str(out / "src"), str(BOOK), str(out / "html"), str(out / "doctrees"), "html",
                 confoverrides={"html_static_path": [str(BOOK / "_static"), str(out / "static")],
                                "html_extra_path": [str(out / "extra")],
                                "charrnn_exercises": str(out / "extra" / EXERCISES)},
                 freshenv=True, warningiserror=warnings_are_errors, status=None)
    app.build()
    if app.statuscode:
        raise SiteError(f"sphinx-build failed with status {app.statuscode} · 网站构建失败")
    html = out / "html"
    subset_font(html)
    for source_map in html.glob("_static/**/*.map"):  # the theme's source maps: only a debugger would load them
        source_map.unlink()
    pages = [path for path in html.rglob("*.html") if not path.relative_to(html).as_posix().startswith("_")]
    return Site(html=html, pages=len(pages), lessons=len(lessons),
                folded=sum(path.read_text(encoding="utf-8").count('class="charrnn-answer"')
                           for path in (html / SOLUTIONS).glob("*.html")),
                size_bytes=sum(path.stat().st_size for path in html.rglob("*") if path.is_file()),
                seconds=time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", choices=("fold", "omit"), default="fold",
                        help="fold each exercise answer behind 'Show the answer' (default) or leave it out")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site", help="build folder (default build/site)")
    parser.add_argument("--strict", action="store_true", help="turn Sphinx warnings into errors")
    arguments = parser.parse_args(argv)
    try:
        site = build(arguments.out.resolve(), arguments.answers, warnings_are_errors=arguments.strict)
    except SiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{site.html}: {site.pages} pages ({site.lessons} lessons, {site.folded} answers folded), "
          f"{site.size_bytes / 1e6:.1f} MB, built in {site.seconds:.0f} s")
    print(f"open: python -m http.server --bind 127.0.0.1 --directory {site.html} 8000  →  http://127.0.0.1:8000/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
