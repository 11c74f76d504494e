from __future__ import annotations

import pytest

from tests.unit.web.pages_server import PagesServer


@pytest.fixture
def pages():
    server = PagesServer()
    yield server
    server.close()


@pytest.fixture
def other():
    """A second listener, for redirects that must not reach it."""
    server = PagesServer()
    yield server
    server.close()
