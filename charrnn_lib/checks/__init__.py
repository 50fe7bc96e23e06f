"""Exercise checks: each `check_<exercise>(...)` prints one bilingual line and returns a `CheckResult`.

A lesson's checks live in one module named after the library module the lesson re-implements
(`text` for lesson 1) and are re-exported here, so notebooks call `cr.checks.check_one_hot(one_hot)`.
A new check is a function that builds `Case(learner_function, args, expected)` from the library's
reference and returns `run_check("exercise_name", cases, hint=...)`; see `checks/text.py`. A lesson cell
that uses a learner's function after its check wraps that use in `with cr.checks.when_attempted():`.
"""

from charrnn_lib.checks.batches import check_batch_generator, check_count_batches, check_split_train_validation
from charrnn_lib.checks.core import (
    Attempt,
    Case,
    CheckFailure,
    CheckResult,
    Hint,
    Status,
    run_check,
    values_equal,
    when_attempted,
)
from charrnn_lib.checks.experiments import check_best_validation_bpc, check_unigram_bits_per_character
from charrnn_lib.checks.gradients import check_clip_by_global_norm, check_global_norm
from charrnn_lib.checks.inside import check_quote_unit
from charrnn_lib.checks.model import check_char_rnn_model
from charrnn_lib.checks.poetry import check_acrostic, check_shape_ratio
from charrnn_lib.checks.prosody import check_line_faults, check_mark_tones, check_position_mask
from charrnn_lib.checks.rnn import (
    check_bptt,
    check_gru_step,
    check_lstm_step,
    check_parameter_count,
    check_rnn_forward,
    check_rnn_step,
)
from charrnn_lib.checks.sampling import check_apply_temperature, check_pick_top_n
from charrnn_lib.checks.text import check_build_vocabulary, check_encode_decode, check_one_hot
from charrnn_lib.checks.training import (
    check_loss_units,
    check_train_one_pass,
    check_train_step,
    check_validation_loss,
)

__all__ = [
    "Attempt",
    "Case",
    "CheckFailure",
    "CheckResult",
    "Hint",
    "Status",
    "check_acrostic",
    "check_apply_temperature",
    "check_batch_generator",
    "check_best_validation_bpc",
    "check_bptt",
    "check_build_vocabulary",
    "check_char_rnn_model",
    "check_clip_by_global_norm",
    "check_count_batches",
    "check_encode_decode",
    "check_global_norm",
    "check_gru_step",
    "check_line_faults",
    "check_loss_units",
    "check_lstm_step",
    "check_mark_tones",
    "check_one_hot",
    "check_parameter_count",
    "check_pick_top_n",
    "check_position_mask",
    "check_quote_unit",
    "check_rnn_forward",
    "check_rnn_step",
    "check_shape_ratio",
    "check_split_train_validation",
    "check_train_one_pass",
    "check_train_step",
    "check_unigram_bits_per_character",
    "check_validation_loss",
    "run_check",
    "values_equal",
    "when_attempted",
]
