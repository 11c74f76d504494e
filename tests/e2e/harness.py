"""Test-side views of the local stack: the Slack sandbox, the model server and Firestore."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

BOT = "<@U0BOT>"
FINAL_STATES = ("done", "failed")


def unique(text: str = "") -> str:
    """A marker that keeps each test's requests apart in shared servers."""
    return f"{text} #{uuid.uuid4().hex[:10]}".strip()


def eventually(check: Callable[[], Any], *, timeout: float = 30, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s; last value: {last!r}")


class Sandbox:
    """The local Slack workspace, through its admin endpoints."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()

    def post(
        self,
        text: str,
        *,
        channel: str = "C0GENERAL",
        thread_ts: str | None = None,
        user: str = "U0ALICE",
        delivery: str = "normal",
        files: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "channel": channel,
            "user": user,
            "text": text,
            "delivery": delivery,
        }
        if thread_ts:
            payload["thread_ts"] = thread_ts
        if files:
            payload["files"] = [
                {
                    "name": f["name"],
                    "mimetype": f["mimetype"],
                    "content_base64": base64.b64encode(f["content"]).decode(),
                    # "none": a file the bot may not download (it gets Slack's sign-in page)
                    **({"access": f["access"]} if "access" in f else {}),
                }
                for f in files
            ]
        response = self.http.post(f"{self.base_url}/_sandbox/messages", json=payload, timeout=10)
        response.raise_for_status()
        return response.json()

    def post_as_app(self, text: str, *, thread_ts: str, channel: str = "C0GENERAL") -> dict:
        """A message from another app (deploybot) in a thread."""
        response = self.http.post(
            f"{self.base_url}/_sandbox/bot_messages",
            json={"channel": channel, "text": text, "thread_ts": thread_ts},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def mention(self, question: str, **kwargs: Any) -> dict[str, Any]:
        return self.post(f"{BOT} {question}", **kwargs)

    def thread(self, thread_ts: str, channel: str = "C0GENERAL") -> list[dict[str, Any]]:
        response = self.http.get(
            f"{self.base_url}/_sandbox/messages",
            params={"channel": channel, "thread_ts": thread_ts},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["messages"]

    def bot_replies(self, thread_ts: str, channel: str = "C0GENERAL") -> list[dict[str, Any]]:
        return [m for m in self.thread(thread_ts, channel) if m.get("user") == "U0BOT"]

    def deliveries(self, event_id: str) -> list[dict[str, Any]]:
        response = self.http.get(
            f"{self.base_url}/_sandbox/deliveries", params={"event_id": event_id}, timeout=10
        )
        response.raise_for_status()
        return response.json()["deliveries"]

    def calls(self, method: str) -> list[dict[str, Any]]:
        """The Web API calls the bot made to `method`, with their arguments."""
        response = self.http.get(
            f"{self.base_url}/_sandbox/calls", params={"method": method}, timeout=10
        )
        response.raise_for_status()
        return response.json()["calls"]

    def inject_fault(self, **fault: Any) -> None:
        self.http.post(
            f"{self.base_url}/_sandbox/faults", json=fault, timeout=10
        ).raise_for_status()

    def clear_faults(self) -> None:
        self.http.delete(f"{self.base_url}/_sandbox/faults", timeout=10).raise_for_status()


def message_text(message: dict[str, Any]) -> str:
    return message.get("markdown_text") or message.get("text") or ""


class Model:
    """The deterministic model server's record of what it was sent."""

    def __init__(self, base_url: str) -> None:
        self.root = base_url.removesuffix("/v1")

    def requests(self, question: str) -> list[dict[str, Any]]:
        """Requests whose newest user message is `question` (not those merely quoting it)."""
        response = requests.get(
            f"{self.root}/_fake/requests", params={"contains": question}, timeout=10
        )
        response.raise_for_status()
        return [r for r in response.json() if question in last_user_text(r)]


def last_user_text(request: dict[str, Any]) -> str:
    """The newest `user` message's text (tool rounds may follow it)."""
    users = [m for m in request["body"]["messages"] if m.get("role") == "user"]
    content = users[-1]["content"] if users else ""
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") for part in content if part.get("type") == "text")


class Claims:
    def __init__(self, db: firestore.Client) -> None:
        self.db = db

    def get(self, event_id: str) -> dict[str, Any] | None:
        """The claim of the message this event carried (claims are keyed by message)."""
        match = FieldFilter("event_id", "==", event_id)
        query = self.db.collection("event_claims").where(filter=match).limit(1)
        found = list(query.stream())
        return found[0].to_dict() if found else None

    def wait_final(self, event_id: str, timeout: float = 30) -> dict[str, Any]:
        def finished():
            claim = self.get(event_id)
            return claim if claim and claim.get("state") in FINAL_STATES else None

        return eventually(finished, timeout=timeout)


def push_envelope(
    data: bytes, *, message_id: str, ordering_key: str, attempt: int | None = None
) -> bytes:
    envelope: dict[str, Any] = {
        "message": {
            "data": base64.b64encode(data).decode(),
            "messageId": message_id,
            "orderingKey": ordering_key,
            "attributes": {},
        },
        "subscription": "projects/local-project/subscriptions/mentions-push",
    }
    if attempt is not None:
        envelope["deliveryAttempt"] = attempt
    return json.dumps(envelope).encode()
