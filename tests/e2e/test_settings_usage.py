"""Per-channel settings, budgets, the usage ledger and feedback, through the real push path.

Settings are the deployed file on the storage emulator (as Terraform deploys it); each test
that changes it restores it. Budget tests ask as a workspace of their own (a fresh team id, the
mention published to the `mentions` topic as ingress would), so what other tests spent does not
count, and seed what was "spent earlier today" through the real ledger.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
import requests
import yaml
from google.cloud.firestore_v1.base_query import FieldFilter

from assistant.mention import Mention
from assistant.pubsub.publish import publish_mention
from assistant.usage.ledger import Ledger
from assistant.usage.stores import ModelCall
from devstack.slack_sandbox.signing import signed_headers
from tests.e2e.harness import BOT, eventually, message_text, unique

_REPLY_OFFSETS = itertools.count(1)
REFRESH = 1.0  # comfortably above SETTINGS_REFRESH_SECONDS in tests/conftest.py


@pytest.fixture
def settings_file(stack):
    """Write the deployed settings file; the original comes back afterwards."""
    original = stack.settings_file.read()

    def write(data: dict | str) -> None:
        stack.settings_file.write(data if isinstance(data, str) else yaml.safe_dump(data))
        time.sleep(REFRESH)

    yield write
    stack.settings_file.write(original)
    time.sleep(REFRESH)


def new_team() -> str:
    return f"T{uuid.uuid4().hex[:10].upper()}"


def ask_as(
    stack, sandbox, claims, team: str, question: str, *, user="U0ALICE", parent=None, **fields
):
    """A mention from workspace `team`, in a thread of #general, published as ingress does."""
    parent = parent or sandbox.post(unique("thread for"))
    mention = Mention(
        event_id=f"Ev{uuid.uuid4().hex[:12]}",
        team_id=team,
        channel="C0GENERAL",
        user=user,
        text=f"{BOT} {question}",
        # A message of its own in the thread: one message, one answer (claims are per message).
        ts=f"{float(parent['ts']) + next(_REPLY_OFFSETS) / 1_000_000:.6f}",
        thread_ts=parent["ts"],
        bot_user_id="U0BOT",
        received_at=time.time(),
        **fields,
    )
    publish_mention(project=stack.options.project, topic="mentions", mention=mention)
    claim = claims.wait_final(mention.event_id)
    replies = sandbox.bot_replies(parent["ts"])
    return (replies[-1] if replies else None), claim


def seed_spend(db, team: str, cost: float, *, user: str = "U0ALICE") -> None:
    Ledger(db).record(
        ModelCall(
            event_id=f"seed-{uuid.uuid4().hex[:8]}",
            call="answer",
            kind="answer",
            model="fake-gpt",
            team=team,
            channel="C0GENERAL",
            user=user,
            tokens_in=0,
            tokens_out=0,
            cost_usd=cost,
            at=datetime.now(UTC),
        )
    )


def test_a_channels_persona_and_model_reach_the_model_request(
    settings_file, sandbox, claims, model
):
    persona = unique("You are Captain Settings.")
    settings_file(
        {
            "channels": {
                "C0RANDOM": {
                    "model": "fake-gpt-large",
                    "persona": {"system_prompt": persona, "display_name": "Captain"},
                }
            }
        }
    )
    question = unique("who are you?")
    posted = sandbox.mention(question, channel="C0RANDOM")
    claims.wait_final(posted["event_id"])

    [request] = model.requests(question)
    assert request["body"]["model"] == "fake-gpt-large"
    system = request["body"]["messages"][0]
    assert system["role"] == "system" and system["content"].startswith(persona)
    [reply] = sandbox.bot_replies(posted["ts"], channel="C0RANDOM")
    assert reply["username"] == "Captain"
    # Another channel keeps the deployment's defaults.
    other = unique("and here?")
    claims.wait_final(sandbox.mention(other)["event_id"])
    assert model.requests(other)[0]["body"]["model"] == "fake-gpt"


def test_a_change_is_picked_up_and_a_broken_file_keeps_the_last_good_settings(
    stack, settings_file, sandbox, claims, model
):
    def model_for(question: str) -> str:
        claims.wait_final(sandbox.mention(question, channel="C0RANDOM")["event_id"])
        return model.requests(question)[0]["body"]["model"]

    settings_file({"channels": {"C0RANDOM": {"model": "fake-gpt-kept"}}})
    assert model_for(unique("picked up?")) == "fake-gpt-kept"  # no restart, no redeploy

    settings_file("channels:\n  C0RANDOM:\n    model: [not, a, name]\n    colour: blue\n")
    assert model_for(unique("still configured?")) == "fake-gpt-kept"

    log = (stack.options.log_dir / "responder.log").read_text()
    assert "settings file refused" in log
    assert "channels.C0RANDOM.colour: unknown key" in log


def test_settings_shows_the_channels_effective_settings_without_secrets(
    settings_file, sandbox, claims, model
):
    settings_file({"channels": {"C0RANDOM": {"model": "fake-gpt-shown", "tools": {"code": True}}}})
    posted = sandbox.mention("settings", channel="C0RANDOM")
    claims.wait_final(posted["event_id"])

    text = message_text(sandbox.bot_replies(posted["ts"], channel="C0RANDOM")[0])
    assert "model: fake-gpt-shown" in text
    assert "code: true" in text
    assert "user_daily_usd: 5.0" in text  # USER_DAILY_BUDGET_USD's default, not overridden
    assert "xoxb-" not in text and "sk-" not in text
    assert model.requests("settings") == []


def test_usage_shows_the_persons_channel_and_workspace_spend_against_the_budget(
    stack, sandbox, claims, db, settings_file
):
    team = new_team()
    settings_file({"workspaces": {team: {"budgets": {"workspace_monthly_usd": 10}}}})
    seed_spend(db, team, 2.5)
    seed_spend(db, team, 1.5, user="U0BOB")

    reply, _ = ask_as(stack, sandbox, claims, team, "usage")

    text = message_text(reply)
    assert "You: $2.50 · 1 model calls" in text
    assert "This workspace: $4.00 · 2 model calls" in text
    assert "40% of $10.00" in text


def test_an_answer_near_the_daily_budget_carries_a_note(stack, sandbox, claims, db, settings_file):
    team = new_team()
    settings_file({"workspaces": {team: {"budgets": {"user_daily_usd": 1.0}}}})
    seed_spend(db, team, 0.85)

    reply, _ = ask_as(stack, sandbox, claims, team, unique("near the limit"))

    assert "Note: Your daily budget is 85% used ($0.85 of $1.00" in message_text(reply)


def test_over_the_budget_the_bot_says_which_limit_and_does_not_call_the_model(
    stack, sandbox, claims, db, model, settings_file
):
    team = new_team()
    settings_file(
        {
            "workspaces": {team: {"budgets": {"user_daily_usd": 1.0}}},
            # Every token costs a cent, so one answer crosses the limit.
            "prices": {"fake-gpt": {"input_per_million": 10_000, "output_per_million": 10_000}},
        }
    )
    seed_spend(db, team, 0.9)
    crossing = unique("the one that crosses")
    first, _ = ask_as(stack, sandbox, claims, team, crossing)
    assert message_text(first).startswith(f"Answer to: {crossing}")

    refused = unique("one too many")
    reply, claim = ask_as(stack, sandbox, claims, team, refused)

    text = message_text(reply)
    assert text.startswith("I can't answer this one: your daily budget ($1.00) is used up")
    tomorrow = datetime.fromtimestamp(time.time() + 86_400, UTC).strftime("%Y-%m-%d")
    assert f"It resets on {tomorrow} at 00:00 UTC." in text
    assert claim["refused"] == "user_daily"
    assert model.requests(refused) == []
    assert Ledger(db).spent(team=team, channel="C0GENERAL", user="U0ALICE").user_day > 1.0


def test_refusals_are_polite_once_per_thread_and_cost_no_model_call(
    stack, sandbox, claims, model, settings_file
):
    team = new_team()
    settings_file({"workspaces": {team: {"allow": {"users": ["U0BOB"]}}}})
    parent = sandbox.post(unique("a thread"))
    first, second = unique("may I?"), unique("may I now?")

    reply, claim = ask_as(stack, sandbox, claims, team, first, parent=parent)
    ask_as(stack, sandbox, claims, team, second, parent=parent)

    assert "list of allowed users" in message_text(reply)
    assert claim["refused"] == "user"
    assert len(sandbox.bot_replies(parent["ts"])) == 1  # said once in this thread
    assert model.requests(first) == model.requests(second) == []
    # Someone from another organisation, in a shared channel:
    guest, _ = ask_as(stack, sandbox, claims, team, unique("hi"), user="U0EVE", user_team="TOTHER")
    assert guest is not None and "not from other organisations" in message_text(guest)


def click(stack, body: bytes, *, secret: str | None = None) -> requests.Response:
    headers = signed_headers(secret or stack.options.signing_secret, int(time.time()), body)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return requests.post(
        stack.ingress_url + "/interactivity", data=body, headers=headers, timeout=10
    )


def test_a_feedback_click_is_recorded_once_and_a_forged_one_is_refused(stack, sandbox, claims, db):
    posted = sandbox.mention(unique("rate me"))
    claims.wait_final(posted["event_id"])
    [reply] = sandbox.bot_replies(posted["ts"])
    # Streamed natively, the feedback block is the one block stopStream put under the text.
    [feedback] = [b for b in reply["blocks"] if b["type"] == "context_actions"]
    thumbs_down = feedback["elements"][0]["negative_button"]["value"]

    # The page's 👎, sent by the sandbox as Slack sends it, and once more as a retry.
    response = sandbox.http.post(
        f"{sandbox.base_url}/_sandbox/actions",
        json={"channel": "C0GENERAL", "ts": reply["ts"], "action_id": "answer_feedback",
              "value": thumbs_down, "user": "U0BOB", "repeat": 2},
        timeout=10,
    )  # fmt: skip
    assert response.json()["statuses"] == [200, 200]

    # Recorded by the responder from the feedback topic: one document, however often sent.
    def recorded():
        query = db.collection("feedback").where(
            filter=FieldFilter("event_id", "==", posted["event_id"])
        )
        return [(d.get("value"), d.get("user"), d.get("model")) for d in query.stream()]

    assert eventually(recorded) == [("negative", "U0BOB", "fake-gpt")]
    time.sleep(1)
    assert recorded() == [("negative", "U0BOB", "fake-gpt")]
    value = json.dumps({"v": "positive", "e": "Ev1", "m": "x"})
    payload = {
        "type": "block_actions",
        "user": {"id": "U0EVE"},
        "actions": [{"action_id": "answer_feedback", "value": value}],
    }
    forged = click(stack, urlencode({"payload": json.dumps(payload)}).encode(), secret="guess")
    assert forged.status_code == 401
    assert eventually(lambda: not db.collection("feedback").document("Ev1.U0EVE").get().exists)
