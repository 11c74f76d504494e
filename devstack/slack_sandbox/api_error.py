"""The one exception Web API methods raise to answer `{"ok": false, ...}`."""

from __future__ import annotations

__all__ = ["ApiError"]


class ApiError(Exception):
    """A Slack error answer. Slack answers these with HTTP 200 unless told otherwise.

    `messages` become `response_metadata.messages`, as Slack does for invalid_blocks.
    """

    def __init__(self, error: str, *, messages: list[str] | None = None, status: int = 200):
        super().__init__(error)
        self.error = error
        self.messages = messages or []
        self.status = status

    def body(self) -> dict:
        body: dict = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body
