"""What a person does in Slack: post a message (maybe with files), and the
Events API delivery that Slack then makes to the app."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass

from .api_error import ApiError
from .call import resolve_channel
from .config import SandboxConfig
from .delivery import Deliverer
from .directory import BOT_USER_ID, CHANNELS, USERS, is_dm
from .envelope import event_callback, message_event, new_event_id, rich_text_blocks
from .file_methods import share_files
from .files import FileStore, file_object, new_file_record
from .retry_policy import MODES
from .workspace import Workspace

__all__ = ["Inbound"]


class BadRequest(ValueError):
    """The admin request itself is wrong (answered with HTTP 400)."""


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
        if user not in USERS or user == BOT_USER_ID:
            raise BadRequest(f"unknown human user {user!r}")
        if is_dm(channel) and CHANNELS[channel]["user"] != user:
            raise BadRequest(f"{user} is not in the DM {channel}")
        text = spec.get("text", "")
        mode = spec.get("delivery", "normal")
        if not isinstance(text, str) or mode not in MODES:
            raise BadRequest(f"text must be a string, delivery one of {MODES}")
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
        event_id, delivered = None, False
        if is_dm(channel) or f"<@{BOT_USER_ID}>" in text:
            event_id = new_event_id()
            delivered = self.deliver(message, channel, base_url, event_id, mode)
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            "event_id": event_id,
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

    def deliver(
        self, message: dict, channel: str, base_url: str, event_id: str, mode: str = "normal"
    ) -> bool:
        files = [file_object(self.workspace.files[f], base_url) for f in message.get("files", [])]
        event = message_event(message, channel, files)
        envelope = event_callback(
            event,
            event_id=event_id,
            event_time=int(self.workspace.now()),
            verification_token=self.config.verification_token,
        )
        return self.deliverer.deliver(envelope, mode=mode)

    def echo_bot_message(self, base_url: str, kind: str, payload: dict) -> None:
        """With --bot-echo: Slack's message.im event for the bot's own DM posts."""
        message = payload.get("message", {})
        if kind == "message_posted" and message.get("bot_id") and is_dm(payload["channel"]):
            self.deliver(message, payload["channel"], base_url, new_event_id())
