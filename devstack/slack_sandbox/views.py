"""Messages as the Web API returns them, and as the admin endpoints show them."""

from __future__ import annotations

import copy

from .files import file_object
from .workspace import INTERNAL_FIELDS, Workspace

__all__ = ["admin_message", "api_message"]


def _with_files(message: dict, workspace: Workspace, base_url: str) -> dict:
    view = copy.deepcopy(message)
    if "files" in view:
        view["files"] = [
            file_object(workspace.files[file_id], base_url)
            for file_id in view["files"]
            if file_id in workspace.files
        ]
    return view


def api_message(message: dict, workspace: Workspace, base_url: str) -> dict:
    """Slack's message object: internal bookkeeping removed, files expanded. A streamed
    message shows the blocks its `blocks` chunks carried (the Stop button) above its own."""
    view = _with_files(message, workspace, base_url)
    streamed = [b for c in message.get("chunks") or () if c.get("type") == "blocks"
                for b in c.get("blocks") or ()]  # fmt: skip
    if streamed:
        view["blocks"] = streamed + list(view.get("blocks") or [])
    for key in INTERNAL_FIELDS:
        view.pop(key, None)
    return view


def admin_message(message: dict, workspace: Workspace, base_url: str) -> dict:
    """Everything the sandbox knows, including update counts and stream state."""
    view = _with_files(message, workspace, base_url)
    # Every key present, so UIs and tests need no .get() defaults.
    for key in ("bot_id", "markdown_text", "blocks", "thread_ts", "stream_state", "edited"):
        view.setdefault(key, None)
    view.setdefault("files", [])
    return view
