"""Han characters: the one definition of what counts as one, the five-character couplet, and simplification.

Data preparation (`datasets.recipes`) and verse (`prosody`, `poetry`, `poet`) both read these; keeping them here
lets generation work without importing the code that prepares corpora.
"""

from __future__ import annotations

import functools
import re

import opencc

HAN_CHARACTERS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # CJK blocks, for a [...] class
HAN = re.compile(f"[{HAN_CHARACTERS}]")
COUPLET = re.compile(f"[{HAN_CHARACTERS}]{{5}}，[{HAN_CHARACTERS}]{{5}}。")  # the five-character couplet


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s", include_tofu_risk_dictionaries=False)


def to_simplified(text: str) -> str:
    """Traditional to simplified characters with OpenCC's `t2s`, leaving characters without a mapping alone."""
    return _t2s().convert(text)
