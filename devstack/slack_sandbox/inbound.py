"""What people and other bots do in Slack: post a message (maybe with files), and
the Events API deliveries that Slack then makes to the app (see subscriptions.py)."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass

from .api_error import ApiError
from .call import resolve_channel
from .config import SandboxConfig
from .delivery import Deliverer
from .directory import (
    BOT_ID,
    BOTS,
    CHANNELS,
    OTHER_BOT_ID,
    USERS,
    bot_profile,
    is_dm,
    members_of,
)
from .envelope import event_callback, message_event, new_event_id, rich_text_blocks
from .file_methods import share_files
from .files import FileStore, file_object, new_file_record
from .retry_policy import MODES
from .subscriptions import events_for
from .validation import check_blocks, check_metadata
from .workspace import Workspace

__all__ = ["Inbound"]


class BadRequest(ValueError):
    """The admin request itself is wrong (answered with HTTP 400)."""


def _text_and_mode(spec: dict) -> tuple[str, str]:
    text = spec.get("text", "")
    mode = spec.get("delivery", "normal")
    if not isinstance(text, str) or mode not in MODES:
        raise BadRequest(f"text must be a string, delivery one of {MODES}")
    return text, mode


def _decode_file(spec: object) -> tuple[dict, bytes]:
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise BadRequest("each file needs a name")
    if spec.get("access", "visible") not in ("visible", "none"):
        raise BadRequest("a file's access must be visible or none")
    if "content_base64" in spec:
        try:
            data = base64.b64decode(spec["content_base64"], validate=True)
        except (binascii.Error, TypeError):
            raise BadRequest(f"bad content_base64 for {spec['name']}") from None
    else:
        data = str(spec.get("content", "")).encode()
    return spec, data


@dataclass
class Inbound:
    config: SandboxConfig
    workspace: Workspace
    file_store: FileStore
    deliverer: Deliverer

    def post(self, spec: dict, base_url: str) -> dict:
        """POST /_sandbox/messages: a person's message, then the event Slack would send."""
        try:
            channel = resolve_channel(spec.get("channel"))
        except ApiError:
            raise BadRequest(f"unknown channel {spec.get('channel')!r}") from None
        user = spec.get("user", "U0ALICE")
        if user not in USERS or USERS[user]["is_bot"]:
            raise BadRequest(f"unknown human user {user!r}")
        if is_dm(channel) and CHANNELS[channel]["user"] != user:
            raise BadRequest(f"{user} is not in the DM {channel}")
        if user not in members_of(channel):
            raise BadRequest(f"{user} is not a member of {channel}")
        text, mode = _text_and_mode(spec)
        files = [_decode_file(f) for f in spec.get("files") or []]
        if not text and not files:
            raise BadRequest("text or files required")
        fields = {
            "user": user,
            "text": text,
            "client_msg_id": str(uuid.uuid4()),
            "blocks": rich_text_blocks(text),
        }
        try:
            message = self._post(channel, fields, files, spec.get("thread_ts") or None)
        except ApiError as error:
            raise BadRequest(error.error) from None
        return self._announce(message, channel, base_url, mode)

    def post_as_bot(self, spec: dict, base_url: str) -> dict:
        """POST /_sandbox/bot_messages: another app's bot posts (subtype bot_message)."""
        try:
            channel = resolve_channel(spec.get("channel"))
        except ApiError:
            raise BadRequest(f"unknown channel {spec.get('channel')!r}") from None
        bot_id = spec.get("bot_id", OTHER_BOT_ID)
        if not isinstance(bot_id, str) or bot_id not in BOTS or bot_id == BOT_ID:
            raise BadRequest(f"unknown other bot {bot_id!r} (the app itself posts via the Web API)")
        if is_dm(channel) or BOTS[bot_id]["user_id"] not in members_of(channel):
            raise BadRequest(f"{bot_id} is not in {channel}")
        text, mode = _text_and_mode(spec)
        username = spec.get("username") or BOTS[bot_id]["name"]
        if not text or not isinstance(username, str):
            raise BadRequest("text required; username must be a string")
        # Slack's bot_message: no `user`, the bot's identity in bot_id and bot_profile.
        fields = {
            "subtype": "bot_message",
            "text": text,
            "username": username,
            "bot_id": bot_id,
            "app_id": BOTS[bot_id]["app_id"],
            "bot_profile": bot_profile(bot_id),
        }
        try:
            if spec.get("blocks") is not None:
                fields["blocks"] = check_blocks(spec["blocks"])
            if spec.get("metadata") is not None:
                fields["metadata"] = check_metadata(spec["metadata"])
            message = self.workspace.post(channel, fields, thread_ts=spec.get("thread_ts") or None)
        except ApiError as error:
            raise BadRequest(error.error) from None
        return self._announce(message, channel, base_url, mode)

    def _announce(self, message: dict, channel: str, base_url: str, mode: str) -> dict:
        """Deliver the events Slack sends for a new message; the admin API's answer."""
        files = self._files_of(message, base_url)
        events = events_for(message, channel, files, message_events=self.config.message_events)
        event_ids = [new_event_id() for _ in events]
        delivered = bool(events) and self.deliverer.deliver_in_order(
            [self._envelope(e, i) for e, i in zip(events, event_ids, strict=True)], mode=mode
        )
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            # The first event's: the app_mention's, the DM's message event's, or else
            # the channel message event's (None when nothing is delivered).
            "event_id": event_ids[0] if event_ids else None,
            "event_ids": event_ids,
            "delivered": delivered,
        }

    def _post(self, channel: str, fields: dict, files: list, thread_ts: str | None) -> dict:
        if not files:
            return self.workspace.post(channel, fields, thread_ts=thread_ts)
        if thread_ts:
            self.workspace.find(channel, thread_ts)  # fail before storing any bytes
        file_ids = []
        for spec, data in files:
            record = new_file_record(
                name=spec["name"],
                user=fields["user"],
                created=self.workspace.now(),
                title=spec.get("title"),
                mimetype=spec.get("mimetype"),
            )
            record.update(size=len(data), uploaded=True)
            if spec.get("access") == "none":
                record["access"] = "none"
            self.file_store.write(record["id"], data)
            self.workspace.files[record["id"]] = record
            file_ids.append(record["id"])
        return share_files(self.workspace, channel, file_ids, fields, thread_ts=thread_ts)

    def _files_of(self, message: dict, base_url: str) -> list[dict]:
        return [file_object(self.workspace.files[f], base_url) for f in message.get("files", [])]

    def _envelope(self, event: dict, event_id: str) -> dict:
        return event_callback(
            event,
            event_id=event_id,
            event_time=int(self.workspace.now()),
            verification_token=self.config.verification_token,
        )

    def echo_bot_message(self, base_url: str, kind: str, payload: dict) -> None:
        """With --bot-echo: the `message` event Slack sends for the app's own posts, in
        the DM (message.im) and, with message events on, in channels too."""
        message, channel = payload.get("message", {}), payload.get("channel", "")
        if kind != "message_posted" or message.get("bot_id") != BOT_ID:
            return  # other bots' posts were announced when they were made
        if is_dm(channel) or self.config.message_events:
            event = message_event(message, channel, self._files_of(message, base_url))
            self.deliverer.deliver(self._envelope(event, new_event_id()))
