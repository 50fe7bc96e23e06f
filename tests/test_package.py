"""charrnn_lib's lazy namespace: `cr.<name>` is the exported object, whatever was imported before."""

import importlib
import subprocess
import sys
from pathlib import Path

import charrnn_lib


def test_no_exported_name_is_also_a_module_name():
    modules = {path.stem for path in Path(charrnn_lib.__file__).parent.glob("*.py")}
    assert not set(charrnn_lib._MODULE_OF) & modules


def test_every_exported_name_resolves_to_the_object_its_module_defines():
    for name, module in charrnn_lib._MODULE_OF.items():
        assert getattr(charrnn_lib, name) is getattr(importlib.import_module(f"charrnn_lib.{module}"), name)


def test_importing_every_module_first_leaves_the_exports_intact():
    """The order a notebook touches things in (e.g. cr.checks before cr.train) must not matter."""
    script = (
        "import importlib, pathlib, charrnn_lib as cr\n"
        "for path in sorted(pathlib.Path(cr.__file__).parent.glob('*.py')):\n"
        "    importlib.import_module(f'charrnn_lib.{path.stem}') if not path.stem.startswith('__') else None\n"
        "import charrnn_lib.checks\n"
        "assert callable(cr.train) and callable(cr.build_char_rnn) and callable(cr.make_batches), cr.train\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
