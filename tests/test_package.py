"""charrnn_lib's lazy namespace: `cr.<name>` is the exported object, whatever was imported before."""

import importlib
import subprocess
import sys
import types
from pathlib import Path

import charrnn_lib


def exported_objects() -> dict[str, object]:
    """`cr.<name>` for every public name that is not itself a module (`cr.checks`, `cr.datasets`, ...)."""
    values = {name: getattr(charrnn_lib, name) for name in charrnn_lib.__all__}
    return {name: value for name, value in values.items() if not isinstance(value, types.ModuleType)}


def test_no_exported_name_is_also_a_module_name():
    """Importing a module of the same name would rebind `cr.<name>` to the module."""
    package = Path(charrnn_lib.__file__).parent
    modules = {path.stem for path in package.glob("*.py")}
    packages = {path.parent.name for path in package.glob("*/__init__.py")}
    assert exported_objects() and not set(exported_objects()) & (modules | packages)


def test_every_exported_name_is_the_object_its_module_defines():
    for name, value in exported_objects().items():
        assert value.__module__.startswith("charrnn_lib.") and value.__name__ == name
        assert getattr(importlib.import_module(value.__module__), name) is value


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
