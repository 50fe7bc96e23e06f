"""Shared test fixtures (the nbval set-up lives in the repository-root conftest.py)."""
