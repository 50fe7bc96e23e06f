"""charrnn_lib: the small library behind the bilingual char-RNN course (English + 中文, "AI 作诗").

Notebooks use `import charrnn_lib as cr`; each name below lives in a module of one concept.
"""

import os

# Quiet TensorFlow's C++ start-up chatter before it is imported (an explicit user setting wins).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from charrnn_lib import checks, datasets, notebook
from charrnn_lib.batches import batch_generator, count_batches, make_batches, make_dataset, split_train_validation
from charrnn_lib.checkpoints import latest_checkpoint, list_checkpoints, load_run
from charrnn_lib.config import TrainConfig, by_mode, quick_mode
from charrnn_lib.errors import (
    CharRNNError,
    CheckpointError,
    ConfigError,
    CorpusError,
    DatasetError,
    VocabularyError,
)
from charrnn_lib.history import TrainingHistory, bits_per_character, perplexity
from charrnn_lib.model import build_char_rnn, reset_states
from charrnn_lib.sample import Sampler, apply_temperature, pick_top_n
from charrnn_lib.text import TextConverter, read_corpus
from charrnn_lib.train import TrainingRun, train

__all__ = [
    "CharRNNError", "CheckpointError", "ConfigError", "CorpusError", "DatasetError", "Sampler", "TextConverter",
    "TrainConfig", "TrainingHistory", "TrainingRun", "VocabularyError", "apply_temperature", "batch_generator",
    "bits_per_character", "build_char_rnn", "by_mode", "checks", "count_batches", "datasets", "latest_checkpoint",
    "list_checkpoints", "load_run", "make_batches", "make_dataset", "notebook", "perplexity", "pick_top_n",
    "quick_mode", "read_corpus", "reset_states", "split_train_validation", "train",
]
__version__ = "0.1.0"
