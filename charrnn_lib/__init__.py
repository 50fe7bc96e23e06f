"""charrnn_lib: the small library behind the bilingual char-RNN course (English + 中文, "AI 作诗").

Notebooks use `import charrnn_lib as cr`; each name below lives in a module of one concept. Names are
imported on first use, so `charrnn data list` does not wait for TensorFlow to load.
"""

import importlib
import importlib.util

__version__ = "0.1.0"

_EXPORTS = {
    "batches": ["batch_generator", "count_batches", "make_batches", "make_dataset", "split_train_validation"],
    "checkpoints": ["latest_checkpoint", "list_checkpoints", "load_run"],
    "config": ["SamplingSettings", "TrainConfig", "by_mode", "quick_mode"],
    "errors": ["CharRNNError", "CheckpointError", "ConfigError", "CorpusError", "DatasetError", "RunFolderBusyError",
               "VocabularyError"],
    "history": ["TrainingHistory", "bits_per_character", "perplexity"],
    "model": ["build_char_rnn", "reset_states"],
    "poetry": ["acrostic", "couplet_shape_ratio", "is_couplet"],
    "position_masks": ["PositionMasks"],
    "sample": ["Sampler", "apply_temperature", "next_char_probabilities", "pick_top_n"],
    "text": ["TextConverter", "read_corpus"],
    "training": ["TrainingRun", "train"],
}
# No exported name may equal a module's name: importing that module would rebind the package attribute
# (tests/test_package.py checks it).
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted([*_MODULE_OF, "checks", "datasets", "lessons", "prosody"])


def __getattr__(name: str):
    # Every module is also a namespace: cr.checks.check_one_hot, cr.datasets.load, cr.lessons.gradients, …
    if name in _MODULE_OF:
        value = getattr(importlib.import_module(f"charrnn_lib.{_MODULE_OF[name]}"), name)
    elif not name.startswith("_") and importlib.util.find_spec(f"charrnn_lib.{name}") is not None:
        value = importlib.import_module(f"charrnn_lib.{name}")
    else:
        raise AttributeError(f"module 'charrnn_lib' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
