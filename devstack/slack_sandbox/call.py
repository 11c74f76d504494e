"""What a Web API method implementation receives besides its arguments."""

from __future__ import annotations

from dataclasses import dataclass

from .api_error import ApiError
from .directory import APP_ID, BOT_ID, BOT_USER_ID, CHANNELS, USERS, bot_profile
from .views import api_message
from .workspace import Workspace

__all__ = ["Call", "bot_fields", "require", "resolve_channel"]


@dataclass(frozen=True)
class Call:
    workspace: Workspace
    # Origin of the current request, used for file URLs and permalinks.
    base_url: str

    def view(self, message: dict) -> dict:
        return api_message(message, self.workspace, self.base_url)


def require(args: dict, *names: str) -> None:
    """Slack answers a missing required argument with invalid_arguments."""
    missing = [name for name in names if args.get(name) in (None, "")]
    if missing:
        raise ApiError(
            "invalid_arguments",
            messages=[f"[ERROR] missing required field: {name}" for name in missing],
        )


def resolve_channel(value: object) -> str:
    """An ID, a `#name`/`name`, or a user ID (meaning the DM with that user)."""
    text = str(value or "")
    if text in CHANNELS:
        return text
    name = text.removeprefix("#")
    for channel_id, channel in CHANNELS.items():
        if channel["name"] == name or (text in USERS and channel.get("user") == text):
            return channel_id
    raise ApiError("channel_not_found")


def bot_fields() -> dict:
    """Authorship fields Slack stamps on every message an app posts."""
    return {"user": BOT_USER_ID, "bot_id": BOT_ID, "app_id": APP_ID, "bot_profile": bot_profile()}
