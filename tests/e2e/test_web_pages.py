"""Web links pasted in a mention, through the whole local stack (issue 23): the settings file on
the storage emulator lets the responder reach this test's page server on loopback
(`web.allowed_hosts`); the mention goes through signed ingress, Pub/Sub and the responder
process, which reads the page before the model is asked.

Slack sandbox -> signed event -> ingress -> Pub/Sub emulator -> responder -> page server
                                                                        -> model -> Slack sandbox
"""

from __future__ import annotations

import time

import pytest
import yaml
from google.cloud.firestore_v1.base_query import FieldFilter

from assistant.usage.ledger import CALLS
from assistant.web.pasted import PASTED_INTRO
from tests.e2e.harness import message_text, unique
from tests.unit.web.pages_server import PagesServer
from tests.unit.web.test_fetch import ARTICLE

REFRESH = 1.0  # comfortably above SETTINGS_REFRESH_SECONDS in tests/conftest.py


@pytest.fixture(scope="module")
def loopback_allowed(stack):
    original = stack.settings_file.read()
    settings = yaml.safe_load(original) or {}
    settings.setdefault("defaults", {})["web"] = {"allowed_hosts": ["127.0.0.1"]}
    stack.settings_file.write(yaml.safe_dump(settings))
    time.sleep(REFRESH)
    yield
    stack.settings_file.write(original)
    time.sleep(REFRESH)


@pytest.fixture
def pages():
    server = PagesServer()
    yield server
    server.close()


def test_a_pasted_link_is_read_before_the_model_and_cited_a_refused_one_is_a_note(
    loopback_allowed, sandbox, claims, model, db, pages
):
    pages.html("/leave", ARTICLE)
    url = pages.url("/leave")
    question = unique("How much paid leave do we get?")

    posted = sandbox.mention(f"{question} <{url}|the leave policy> and <http://10.0.0.5/wiki>")
    claims.wait_final(posted["event_id"], timeout=60)

    [reply] = sandbox.bot_replies(posted["ts"])
    text = message_text(reply)
    assert f"*Web sources*\n{url}" in text
    assert text.endswith(
        "_I may not read http://10.0.0.5/wiki: it points to a private address (10.0.0.5)._"
    )
    [request] = model.requests(question)
    [page] = [m["content"] for m in request["body"]["messages"] if PASTED_INTRO in m["content"]]
    assert f'<web_page url="{url}" title="Leave policy">' in page and "25 days of paid" in page
    assert [path for path, _ in pages.requests] == ["/leave"]
    # Each link read is on the usage ledger, as read_url's calls are.
    match = FieldFilter("event_id", "==", posted["event_id"])
    calls = [doc.to_dict() for doc in db.collection(CALLS).where(filter=match).stream()]
    reads = sorted(call["call"].rsplit(".", 1)[-1] for call in calls if call["kind"] == "web_read")
    assert reads == ["pasted-url-1", "pasted-url-2"]
