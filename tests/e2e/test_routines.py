"""A routine end to end, on the local stack: created from a mention (the deterministic model's
`create_routine` call), confirmed with its button through ingress, then run at its slot by the
scheduler's tick: a recap of a seeded channel, with names and permalinks, posted once."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from google.cloud.firestore_v1.base_query import FieldFilter

from assistant.routines.actions import CONFIRM
from assistant.routines.store import ROUTINES, SLOTS
from tests.e2e.harness import eventually, message_text, unique

SOURCE, TARGET = "C0RANDOM", "C0GENERAL"


def test_a_routine_created_from_a_mention_and_confirmed_posts_its_recap_once(
    stack, sandbox, claims, db
):
    marker = unique("INCIDENTS")
    seeded = sandbox.post(unique("the payments deploy failed at 08:55"), channel=SOURCE)
    sandbox.post("rolled back, all green", channel=SOURCE, user="U0BOB", thread_ts=seeded["ts"])
    arguments = {
        "days": ["daily"], "time": "09:00", "sources": ["<#C0RANDOM|random>"], "target": "here",
        "window_hours": 24, "instruction": f"{marker}: what failed and who fixed it",
    }  # fmt: skip
    posted = sandbox.mention(
        unique(f"every day at 9 recap #random here [[tool:create_routine:{json.dumps(arguments)}]]")
    )
    claims.wait_final(posted["event_id"])
    [proposal] = [m for m in sandbox.bot_replies(posted["ts"]) if "New routine" in message_text(m)]

    response = sandbox.http.post(
        f"{sandbox.base_url}/_sandbox/actions",
        json={"channel": TARGET, "ts": proposal["ts"], "action_id": CONFIRM, "user": "U0ALICE",
              "repeat": 2},
        timeout=10,
    )  # fmt: skip
    assert response.json()["statuses"] == [200, 200]

    def saved():
        query = db.collection(ROUTINES).where(filter=FieldFilter("created_in", "==", TARGET))
        return [d for d in query.stream() if marker in d.get("instruction")]

    [routine] = eventually(saved)
    ticked_at = time.time()
    # Its slot has come: as if it were 09:00, then it is ticked three times.
    db.collection(ROUTINES).document(routine.id).update({"next_run": datetime.now(UTC)})
    stack.routine_ticker.tick()
    stack.routine_ticker.tick()
    # The page's "Run due routines now" (pushed straight to the responder's /routines).
    tick = sandbox.http.post(f"{sandbox.base_url}/_sandbox/routines/tick", json={}, timeout=30)
    assert tick.json()["ok"]

    def recaps():
        response = sandbox.http.get(
            f"{sandbox.base_url}/_sandbox/messages", params={"channel": TARGET}, timeout=10
        )
        # Only this test makes routines. (Its marker may be cut from the recap: in a whole run,
        # the 24-hour window holds every test's messages in #random.)
        return [
            m
            for m in response.json()["messages"]
            if float(m["ts"]) > ticked_at and message_text(m).startswith("*Recap* of #random")
        ]

    [recap] = eventually(recaps, timeout=60)
    text = json.dumps(recap)
    assert f"/archives/{SOURCE}/p" in text  # key messages link to where they were said
    assert " in #random: [" in text  # attributed by name (the unit tests check whose)
    slots = [d for d in db.collection(SLOTS).stream() if d.get("routine_id") == routine.id]
    assert [d.get("state") for d in slots] == ["done"]
    stack.routine_ticker.tick()
    assert len(recaps()) == 1
