"""`web_search` through the whole local stack: the stack runs the stand-in of Brave's API
(devstack/web_search_stand_in.py) and gives the responder process its URL and key as the
deployment gives Brave's; the mention goes through signed ingress and Pub/Sub, the deterministic
model calls the tool, and the real client searches over HTTP."""

from __future__ import annotations

import json

from google.cloud.firestore_v1.base_query import FieldFilter

from assistant.usage.ledger import CALLS
from assistant.web.search import RESULTS_INTRO
from devstack.web_search_stand_in import page_path
from tests.e2e.harness import message_text, unique


def test_a_web_search_answers_with_its_results_through_the_whole_stack(
    stack, sandbox, claims, model, db
):
    call = json.dumps({"query": "pubsub ordering keys"})
    question = unique(f"[[tool:web_search:{call}]] what do people say about ordering keys?")

    posted = sandbox.mention(question, channel="C0GENERAL")
    claims.wait_final(posted["event_id"])

    [reply] = sandbox.bot_replies(posted["ts"], channel="C0GENERAL")
    text = message_text(reply)
    first = stack.urls["web_search"] + page_path("pubsub ordering keys", 1)
    assert RESULTS_INTRO in text and f'<web_result url="{first}"' in text
    assert f"*Web sources*\n{first}" in text
    offered = [t["function"]["name"] for t in model.requests(question)[0]["body"]["tools"]]
    assert "web_search" in offered and "read_url" in offered  # to open a result
    recorded = db.collection(CALLS).where(filter=FieldFilter("event_id", "==", posted["event_id"]))
    assert [c.get("model") for c in recorded.stream() if c.get("kind") == "web_search"] == [
        "brave/web/search"
    ]
