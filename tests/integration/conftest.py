"""Integration tests run against the real Firestore emulator, started once per session."""

from __future__ import annotations

import os

import pytest
from google.cloud import firestore

from devstack.emulators import start_firestore
from devstack.stack import REPO_ROOT


@pytest.fixture(scope="session")
def firestore_db():
    process, host = start_firestore(REPO_ROOT / "build" / "integration-logs")
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    try:
        yield firestore.Client(project="integration-project")
    finally:
        if previous is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous
        process.stop()
