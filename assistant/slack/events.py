"""What ingress decides about one Slack Events API request: a pure function of its inputs.

>>> verifier = SignatureVerifier("secret", clock=FixedClock(1_700_000_000))
>>> decide(body=b"{}", headers={}, verifier=verifier, received_at=0).status
401
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Protocol

from slack_sdk.signature import Clock, SignatureVerifier

from assistant.mention import Mention, SlackFile
from assistant.slack.opened import DmOpened, dm_opened_from

__all__ = [
    "Decision",
    "FixedClock",
    "RequestHeaders",
    "SignatureVerifier",
    "decide",
    "retry_number",
    "signed_by_slack",
]


class RequestHeaders(Protocol):
    """What is read of a request's headers: werkzeug's case-insensitive `Headers` in the
    functions, a plain dict in tests."""

    def get(self, key: str, default: str, /) -> str: ...


# Seconds since the epoch in ASCII digits: `str.isdigit()` also takes "²", and `int()` refuses
# more than 4,300 digits; both crashed the signature check with a 500.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_RETRY_NUM = re.compile(r"[0-9]{1,3}")

_THREAD_CHANNEL_TYPES = frozenset({"channel", "group"})

# Message subtypes that are never a person asking something new.
_IGNORED_SUBTYPES = frozenset(
    {
        "bot_message",
        "message_changed",
        "message_deleted",
        "message_replied",
        "channel_join",
    }
)


class FixedClock(Clock):
    """A clock for tests and benchmarks: verification is a pure function of `now`."""

    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


@dataclasses.dataclass(frozen=True)
class Decision:
    """The HTTP answer, and the mention to publish when there is one."""

    status: int
    body: str = ""
    content_type: str = "text/plain"
    mention: Mention | None = None
    reason: str = ""
    opened: DmOpened | None = None  # someone opened the bot's DM: suggested prompts to set


def decide(
    *,
    body: bytes,
    headers: RequestHeaders,
    verifier: SignatureVerifier,
    received_at: float,
) -> Decision:
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp or not signature:
        return Decision(401, "missing signature", reason="missing signature headers")
    if not signed_by_slack(verifier, body, timestamp, signature):
        return Decision(401, "invalid signature", reason="bad or stale signature")

    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Decision(400, "body is not JSON", reason="malformed body")
    if not isinstance(payload, dict):
        return Decision(400, "body is not a JSON object", reason="malformed body")

    kind = payload.get("type")
    if kind == "url_verification":
        challenge = payload.get("challenge")
        if not isinstance(challenge, str):
            return Decision(400, "challenge missing", reason="malformed url_verification")
        return Decision(200, json.dumps({"challenge": challenge}), "application/json")
    if kind != "event_callback":
        return Decision(200, reason=f"ignored payload type {repr(kind)[:40]}")

    try:
        opened = dm_opened_from(payload)
    except (KeyError, TypeError, ValueError) as error:
        return Decision(400, "malformed event", reason=f"malformed DM-opened event: {error}"[:120])
    if opened is not None:
        return Decision(200, opened=opened, reason="the DM was opened")

    try:
        mention = _mention_from(payload, received_at)
    except KeyError as error:
        return Decision(400, "malformed event", reason=f"malformed event: no {error}"[:120])
    except (TypeError, ValueError) as error:
        # Our own messages name the field, never its value: the log line stays small.
        return Decision(400, "malformed event", reason=f"malformed event: {error}"[:120])
    if mention is None:
        return Decision(200, reason="not a mention the bot answers")
    return Decision(200, mention=mention, reason="accepted")


def retry_number(headers: RequestHeaders) -> int | None:
    """Slack's X-Slack-Retry-Num, when it is one: only worth logging on a verified request."""
    value = headers.get("X-Slack-Retry-Num", "")
    return int(value) if _RETRY_NUM.fullmatch(value) else None


def signed_by_slack(
    verifier: SignatureVerifier, body: bytes, timestamp: str, signature: str
) -> bool:
    """The request's signature is Slack's and recent: the events and the interactivity paths
    both ask this. The timestamp must be a few ASCII digits first: `str.isdigit()` accepts
    "²" and 5,000 digits, on which the verifier's `int()` raises (a 500, not a 401)."""
    if not _TIMESTAMP.fullmatch(timestamp):
        return False
    try:
        return verifier.is_valid(body, timestamp, signature)
    except UnicodeDecodeError:
        return False  # Slack signs UTF-8 JSON; anything else was not sent by Slack


def _mention_from(payload: dict[str, Any], received_at: float) -> Mention | None:
    event = payload["event"]
    if not isinstance(event, dict):
        raise TypeError("event is not an object")
    event_type = event.get("type")
    channel_type = event.get("channel_type")
    is_dm = event_type == "message" and channel_type == "im"
    # message.channels / message.groups: a reply in a thread may be a follow-up.
    is_reply = event_type == "message" and channel_type in _THREAD_CHANNEL_TYPES
    if event_type != "app_mention" and not is_dm and not is_reply:
        return None
    subtype = event.get("subtype")
    if event.get("bot_id") or event.get("bot_profile") or subtype in _IGNORED_SUBTYPES:
        return None
    if subtype not in (None, "file_share", "thread_broadcast"):
        return None
    user = event.get("user")
    bots = _bot_user_ids(payload)
    if not isinstance(user, str) or not user or user in bots:
        return None

    ts = _required_str(event, "ts")
    if is_reply and not _is_follow_up_candidate(event, ts, bots):
        return None
    files = tuple(_slack_file(item) for item in event.get("files") or ())
    return Mention(
        event_id=_required_str(payload, "event_id"),
        team_id=_required_str(payload, "team_id"),
        channel=_required_str(event, "channel"),
        user=user,
        text=str(event.get("text") or ""),
        ts=ts,
        thread_ts=str(event.get("thread_ts") or ts),
        event_time=_int(payload, "event_time"),
        is_direct_message=is_dm,
        files=files,
        received_at=received_at,
        bot_user_id=next(iter(sorted(bots)), ""),
        user_team=str(event.get("user_team") or event.get("team") or ""),
        follow_up=is_reply,
        action_token=_action_token(event),
    )


def _action_token(event: dict[str, Any]) -> str:
    """The Real-time Search API's token for this person's interaction, when Slack sent one:
    on the event, or in its `assistant_thread` (the docs say "as received in a message
    event" without one fixed place, so both are read)."""
    thread = event.get("assistant_thread")
    for holder in (event, thread if isinstance(thread, dict) else {}):
        token = holder.get("action_token")
        if isinstance(token, str) and 0 < len(token) <= 512:
            return token
    return ""


def _is_follow_up_candidate(event: dict[str, Any], ts: str, bots: set[str]) -> bool:
    """A reply in a thread that does not mention the bot (a mention comes as app_mention
    too, and is answered from that event). Top-level channel messages are people's own."""
    thread_ts = event.get("thread_ts")
    if not isinstance(thread_ts, str) or thread_ts == ts or not bots:
        return False
    text = str(event.get("text") or "")
    return not any(f"<@{bot}" in text for bot in bots)


def _bot_user_ids(payload: dict[str, Any]) -> set[str]:
    authorizations = payload.get("authorizations") or ()
    return {
        str(a["user_id"])
        for a in authorizations
        if isinstance(a, dict) and a.get("is_bot") and isinstance(a.get("user_id"), str)
    }


def _slack_file(item: Any) -> SlackFile:
    if not isinstance(item, dict):
        raise TypeError("file is not an object")
    return SlackFile(
        id=_required_str(item, "id"),
        name=str(item.get("name") or ""),
        mimetype=str(item.get("mimetype") or ""),
        filetype=str(item.get("filetype") or ""),
        size=_int(item, "size"),
        url_private_download=str(item.get("url_private_download") or ""),
    )


def _int(container: dict[str, Any], key: str) -> int:
    value = container.get(key) or 0
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key} must be an integer")
    return value


def _required_str(container: dict[str, Any], key: str) -> str:
    value = container[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a non-empty string")
    return value
