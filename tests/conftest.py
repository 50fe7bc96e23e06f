"""Shared test fixtures (the nbval set-up lives in the repository-root conftest.py)."""

import pytest

# tools/lesson_claims.py is run by tests/test_notebook_lint.py: a claim that breaks shows the values it compared.
pytest.register_assert_rewrite("lesson_claims")
