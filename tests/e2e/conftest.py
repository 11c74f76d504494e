"""Fixtures of the end-to-end tests beyond the session's stack (tests/conftest.py)."""

from __future__ import annotations

import pytest
from google.cloud import storage


@pytest.fixture(scope="module")
def bucket(stack) -> storage.Bucket:
    """The files bucket on the Cloud Storage emulator."""
    return storage.Client(project=stack.options.project).bucket(stack.options.bucket)
