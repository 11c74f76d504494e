"""What the attachment tests share: posting files, and reading what the stack made of them."""

from __future__ import annotations

import json
import uuid

from google.cloud import storage

from assistant.mention import Mention, SlackFile
from tests.e2e.harness import BOT, message_text

TEAM, CHANNEL = "T0SANDBOX", "C0GENERAL"


def ask(sandbox, claims, question, files, **kwargs):
    posted = sandbox.mention(question, files=files, **kwargs)
    claim = claims.wait_final(posted["event_id"], timeout=60)
    return posted, claim


def csv_file(marker: str, name: str = "sales.csv") -> dict:
    rows = f"region,q1,q2\nnorth,10,14\nsouth,8,9\n{marker},1,2\n"
    return {"name": name, "mimetype": "text/csv", "content": rows.encode()}


def text_file(name: str, mimetype: str, text: str) -> dict:
    return {"name": name, "mimetype": mimetype, "content": text.encode()}


def reply_text(sandbox, thread_ts: str) -> str:
    return "\n".join(message_text(m) for m in sandbox.bot_replies(thread_ts) if not m.get("files"))


def user_turns(request: dict) -> list[str]:
    return [json.dumps(m["content"]) for m in request["body"]["messages"] if m["role"] == "user"]


def objects(bucket, thread_ts: str) -> dict[str, storage.Blob]:
    prefix = f"{TEAM}/{CHANNEL}/{thread_ts}/"
    return {
        blob.name.removeprefix(prefix): blob
        for blob in bucket.client.list_blobs(bucket, prefix=prefix)
    }


def file_ids(sandbox, thread_ts: str) -> list[str]:
    [parent] = [m for m in sandbox.thread(thread_ts) if m["ts"] == thread_ts]
    return [f["id"] for f in parent["files"]]


def uploads_mention(parent: dict, question: str, files: tuple[SlackFile, ...]) -> Mention:
    return Mention(
        event_id=f"Ev{uuid.uuid4().hex[:12].upper()}",
        team_id=TEAM,
        channel=CHANNEL,
        user="U0ALICE",
        text=f"{BOT} {question}",
        ts=parent["ts"],
        thread_ts=parent["ts"],
        files=files,
    )
