"""Sphinx configuration of the course site; `tools/build_site.py` assembles the sources and runs the build.

The source folder mirrors the repository (notebooks/solutions/, assets/, docs/, datasets/ …), so every relative
link and image in the notebooks and documents resolves as it does on GitHub. Nothing is executed and nothing is
loaded from another host: MathJax, the CJK font and the search index are served from the site itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

project = "charrnn · 字符级 RNN 课程"
author = "the charrnn course"
copyright = "the charrnn course authors; poems public domain"
language = "en"
root_doc = "index"

extensions = ["myst_nb", "sphinx.ext.mathjax", "charrnn_site"]

# Notebooks are rendered from their committed outputs, never executed; TensorFlow's stderr notices are noise here
# (nbval ignores stderr too), and a widget never loads its JavaScript from another host (charrnn_site gives a note).
nb_execution_mode = "off"
nb_output_stderr = "remove"
nb_merge_streams = True
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # lessons start with one H1 and may skip levels in their goal lists

# MathJax 3 from the npm package, copied into _static/mathjax by tools/build_site.py (no CDN).
mathjax_path = "mathjax/tex-chtml.js"

html_theme = "sphinx_book_theme"
html_title = "charrnn · 字符级 RNN 课程"
html_static_path = ["_static"]
html_css_files = ["charrnn.css"]
html_favicon = "_static/favicon.svg"
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {
    "use_download_button": False,  # the lesson's own notebook would show every answer; the exercise is linked
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
# One search index for both languages: Latin words stemmed as in English, Chinese cut into characters and pairs
# of characters (charrnn_site.CourseSearch), so a query such as 平仄 finds every page that has it in a sentence.
html_search_language = "zh"
# The theme's colour mode when the reader has not picked one (left empty, the theme logs a console error).
html_context = {"default_mode": "auto"}
