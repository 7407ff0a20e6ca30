"""End-to-end tests: the real server driven in Chromium (see conftest.py)."""
