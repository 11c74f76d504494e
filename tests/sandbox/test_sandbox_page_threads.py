"""The page's thread summary logic (static/threads.js), run in Node without a browser.

The messages and users come from the sandbox itself, so the page's functions are
checked against the shapes the page really receives from /_sandbox/state.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest

from devstack.slack_sandbox.page import STATIC_DIR

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="no Node.js to run the page's modules")


def run_threads_js(expression: str, **values) -> object:
    """Evaluate `expression` with threads.js's exports and `values` in scope."""
    bindings = "".join(f"const {k} = {json.dumps(v)};\n" for k, v in values.items())
    script = (
        "import * as threads from " + json.dumps((STATIC_DIR / "threads.js").as_uri()) + ";\n"
        "const { authorId, authorName, repliers, threadSummary, lastReplyLabel } = threads;\n"
        + bindings
        + f"console.log(JSON.stringify({expression}));\n"
    )
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def thread(sandbox) -> tuple[dict, list[dict], dict]:
    """(parent, replies, users by id) as the page gets them."""
    parent = sandbox.post("/_sandbox/messages", {"channel": "C0GENERAL", "text": "slow deploys"})
    for user in ("U0BOB", "U0CAROL", "U0BOB"):
        body = {"channel": "C0GENERAL", "user": user, "text": "+1", "thread_ts": parent["ts"]}
        sandbox.post("/_sandbox/messages", body)
    bot = {"channel": "C0GENERAL", "thread_ts": parent["ts"], "text": "rolled back"}
    sandbox.post("/_sandbox/bot_messages", bot)
    state = sandbox.get("/_sandbox/state")
    messages = state["messages"]["C0GENERAL"]
    users = {u["id"]: u for u in state["users"]}
    return messages[0], messages[1:], users


def test_the_summary_counts_replies_and_shows_each_replier_once(thread):
    parent, replies, users = thread
    summary = run_threads_js(
        "threadSummary(parent, replies, users)", parent=parent, replies=replies, users=users
    )
    assert summary["count"] == 4
    assert summary["label"] == "4 replies"
    # reply_users names deploybot by its bot ID; the page shows its user's face.
    assert summary["faces"] == ["U0BOB", "U0CAROL", "U0DEPLOY"]
    assert summary["lastReply"].startswith("Last reply today at ")


def test_a_message_without_replies_has_no_summary(thread):
    parent, _, users = thread
    assert run_threads_js("threadSummary(p, [], users)", p=parent, users=users) is None


def test_one_reply_is_singular():
    one = run_threads_js(
        "threadSummary({ts: '1.0'}, [{ts: '2.0', user: 'U0BOB'}], {U0BOB: {id: 'U0BOB'}}).label"
    )
    assert one == "1 reply"


def test_authors_of_other_bots_messages_are_their_bot_users(thread):
    _, replies, users = thread
    deploy = replies[-1]
    assert run_threads_js("authorId(m, users)", m=deploy, users=users) == "U0DEPLOY"
    assert run_threads_js("authorName(m, users)", m=deploy, users=users) == "deploybot"
    assert run_threads_js("authorName(m, users)", m=replies[1], users=users) == "Carol Example"


def test_last_reply_says_yesterday_and_then_the_date():
    now = time.time()
    labels = run_threads_js(
        "[lastReplyLabel(String(now - 86400), new Date(now * 1000)),"
        " lastReplyLabel(String(now - 10 * 86400), new Date(now * 1000))]",
        now=now,
    )
    assert labels[0].startswith("Last reply yesterday at ")
    assert labels[1].startswith("Last reply ") and " at " not in labels[1]
