"""Chromium (Debian's, installed on demand) driven by the PyPI playwright package.

The page under test is the session's local stack (tests/conftest.py): the same stack the
end-to-end tests use, so the browser tests add no second set of emulators.
"""

from __future__ import annotations

import pytest

from devstack.stack import REPO_ROOT
from tests.browser.chromium import LAUNCH_ARGS, ensure_chromium

ARTIFACTS = REPO_ROOT / "build" / "artifacts"
VIEWPORT = {"width": 1500, "height": 900}


@pytest.fixture(scope="session")
def chromium_path():
    path, reason = ensure_chromium()
    if path is None:
        pytest.skip(f"no Chromium for the browser tests: {reason}")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_path), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, stack):
    """A fresh browser tab; fails the test on any JavaScript error the page raises."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, f"the page raised: {errors}"


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
