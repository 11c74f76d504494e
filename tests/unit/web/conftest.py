from __future__ import annotations

import pytest

from devstack.web_search_stand_in import WebSearchStandIn
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


@pytest.fixture
def brave():
    """The stand-in of Brave's search API on loopback (devstack/web_search_stand_in.py)."""
    server = WebSearchStandIn(key="test-search-key")
    yield server
    server.close()
