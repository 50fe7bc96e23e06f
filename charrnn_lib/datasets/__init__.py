"""Corpora by name: `load("tang")` gives the one text that name stands for, wherever it comes from.

`catalog` says what each name is, `lookup` finds or prepares it (cache → data folder → real source),
`fetch` gets and verifies raw material, `recipes` turn raw material into prepared text.
"""

from charrnn_lib.datasets.catalog import SOURCE_TYPES, Catalog, Corpus, Prepared, catalog_path
from charrnn_lib.datasets.lookup import (
    CorpusStats,
    Folders,
    availability,
    build_text,
    folders,
    load,
    prepare,
    prepare_text,
    statistics,
    unavailable_reason,
)

__all__ = ["SOURCE_TYPES", "Catalog", "Corpus", "CorpusStats", "Folders", "Prepared", "availability", "build_text",
           "catalog_path", "folders", "load", "prepare", "prepare_text", "statistics", "unavailable_reason"]
