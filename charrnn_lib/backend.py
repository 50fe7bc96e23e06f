"""Keras and its backend framework, imported quietly and with a clear error when the backend is missing.

TensorFlow is the default backend; `KERAS_BACKEND=jax` (or `torch`) set before the first `import keras` picks
another, as Keras documents. `charrnn_lib.native` holds what differs between them.

TensorFlow writes start-up notices (oneDNN, absl, CPU features) to the C-level stderr while it is imported,
whatever `TF_CPP_MIN_LOG_LEVEL` says. `load()` imports it with those lines held back and every other line
passed on, so real warnings still show. The CLI and the lessons' setup cell call it before anything imports
`keras`; after that, `import keras` anywhere is the same quiet module.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from types import ModuleType

from charrnn_lib.errors import MissingBackendError

# Start-up notices, not warnings: what they say is true of every CPU run and needs no action.
NOTICES = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "oneDNN custom operations are on",
    "cpu_feature_guard.cc",
    "To enable the following instructions:",
    "Unable to register cuDNN factory",
    "Unable to register cuFFT factory",
    "Unable to register cuBLAS factory",
    "computation placer already registered",
    "TF-TRT Warning: Could not find TensorRT",
)
# TensorFlow warns when many compiled functions come from the same Python code. The sampler builds one on purpose
# for each padded shape and sampling setting it meets, so that warning about it says nothing a user can act on.
DELIBERATE_RETRACING = ("compile_generation.<locals>.generate",)
MISSING_BACKEND = (
    'charrnn needs TensorFlow as its Keras backend: pip install "charrnn-lib[cpu]" (or "charrnn-lib[gpu]" for '
    'NVIDIA GPUs) · charrnn 需要 TensorFlow 作为 Keras 后端：pip install "charrnn-lib[cpu]"（NVIDIA GPU 用 [gpu]）'
)
# The backends Keras can be told to use (KERAS_BACKEND) other than TensorFlow: the module and the extra to install.
OTHER_BACKENDS = {"jax": "jax", "torch": "torch"}


def missing_backend(name: str) -> str:
    """The one-line message for a backend framework that is not installed."""
    if name not in OTHER_BACKENDS:
        return MISSING_BACKEND
    return (f'KERAS_BACKEND={name} needs {name}: pip install "charrnn-lib[{OTHER_BACKENDS[name]}]" (or unset '
            f'KERAS_BACKEND for TensorFlow) · KERAS_BACKEND={name} 需要安装 {name}：pip install '
            f'"charrnn-lib[{OTHER_BACKENDS[name]}]"（或取消 KERAS_BACKEND，改用 TensorFlow）')


def load() -> tuple[ModuleType, ModuleType]:
    """`(framework, keras)`: the backend's framework (`tensorflow` by default) and Keras, imported once quietly."""
    _hold_back_deliberate_retracing()
    chosen = os.environ.get("KERAS_BACKEND", "tensorflow")
    try:
        with without_notices():
            import keras

            framework = importlib.import_module(keras.backend.backend())
    except ModuleNotFoundError as error:
        if error.name in ("tensorflow", "keras", *OTHER_BACKENDS):
            raise MissingBackendError(missing_backend(chosen)) from None
        raise
    return framework, keras


class _DeliberateRetracing(logging.Filter):
    """Drops TensorFlow's retracing warning about the library's own per-shape functions; keeps every other one."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "triggered tf.function retracing" not in message or not any(
            name in message for name in DELIBERATE_RETRACING)


def _hold_back_deliberate_retracing() -> None:
    tensorflow_logger = logging.getLogger("tensorflow")
    if not any(isinstance(each, _DeliberateRetracing) for each in tensorflow_logger.filters):
        tensorflow_logger.addFilter(_DeliberateRetracing())


@contextlib.contextmanager
def without_notices() -> Iterator[None]:
    """Capture the C-level stderr for the block, then pass on every line that is not a start-up notice."""
    sys.stderr.flush()
    try:
        original = os.dup(2)
    except OSError:  # no file descriptor 2 (some embedded interpreters): nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(original, 2)
            os.close(original)
            captured.seek(0)
            for line in captured.read().decode("utf-8", errors="replace").splitlines(keepends=True):
                if not any(notice in line for notice in NOTICES):
                    sys.stderr.write(line)
            sys.stderr.flush()

