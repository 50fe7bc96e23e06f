"""TensorFlow and Keras, imported quietly and with a clear error when the backend is missing.

TensorFlow writes start-up notices (oneDNN, absl, CPU features) to the C-level stderr while it is imported,
whatever `TF_CPP_MIN_LOG_LEVEL` says. `load()` imports it with those lines held back and every other line
passed on, so real warnings still show. The CLI and the lessons' setup cell call it before anything imports
`keras`; after that, `import keras` anywhere is the same quiet module.
"""

from __future__ import annotations

import contextlib
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
DELIBERATE_RETRACING = ("_compile_generation.<locals>.generate",)
MISSING_BACKEND = (
    'charrnn needs TensorFlow as its Keras backend: pip install "charrnn-lib[cpu]" (or "charrnn-lib[gpu]" for '
    'NVIDIA GPUs) · charrnn 需要 TensorFlow 作为 Keras 后端：pip install "charrnn-lib[cpu]"（NVIDIA GPU 用 [gpu]）'
)


def load() -> tuple[ModuleType, ModuleType]:
    """`(tensorflow, keras)`, imported once with TensorFlow's start-up notices held back."""
    _hold_back_deliberate_retracing()
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        return sys.modules["tensorflow"], sys.modules["keras"]
    try:
        with without_notices():
            import keras
            import tensorflow
    except ModuleNotFoundError as error:
        if error.name in ("tensorflow", "keras"):
            raise MissingBackendError(MISSING_BACKEND) from None
        raise
    return tensorflow, keras


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

