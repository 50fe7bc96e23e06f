"""Errors a user can fix: each says what was wrong, echoes it, and says the fix (English, then 中文)."""

from __future__ import annotations


class CharRNNError(ValueError):
    """Base class for every mistake a user can correct; the CLI prints it as one line."""

    def __init__(self, english: str, chinese: str) -> None:
        self.english = english
        self.chinese = chinese
        super().__init__(f"{english}\n{chinese}")


class ConfigError(CharRNNError):
    """A hyperparameter has a value that cannot work (e.g. a negative size)."""


class CorpusError(CharRNNError):
    """The training text is missing, empty, not UTF-8, or too short."""


class VocabularyError(CharRNNError):
    """Text or ids do not fit the vocabulary (e.g. unknown characters in a prime string)."""


class CheckpointError(CharRNNError):
    """A run folder or checkpoint is missing, corrupt, or does not match its config/vocabulary."""


class DatasetError(CharRNNError):
    """A catalog corpus cannot be found, prepared, or verified."""


class RunFolderBusyError(CharRNNError):
    """Another process is training in the same run folder."""


class MissingBackendError(ImportError):
    """TensorFlow, the Keras backend, is not installed: the message names the extra to install."""
