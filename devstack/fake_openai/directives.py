"""Behaviour directives embedded in the last user message, e.g. ``[[fail:500:2]]``.

Directives live in the prompt (not in server state) so that tests running in
parallel against one server cannot interfere: each test's behaviour travels
with its own request. Only known names are recognised; anything else in
double brackets (a wiki link a human typed, say) stays ordinary text.
"Attempt" counts identical requests (same ``messages``), i.e. client retries.

[[fail:STATUS[:N][:retry_after=S]]]  HTTP STATUS with OpenAI's error JSON on the
                                     first N attempts (all if N is omitted);
                                     429 adds Retry-After / retry-after-ms (S, default 1)
[[stall:S[:N]]]                      wait S seconds before the response headers
[[slow:S]]                           wait S seconds between streamed chunks
[[drop[:N]]]                         hang up mid-body on the first N attempts (default 1)
[[reply:TEXT]]                       answer exactly TEXT (a literal \\n is a newline)
[[long:N]]                           answer N characters of Markdown paragraphs
[[content_filter]]                   HTTP 400, code "content_filter"
[[content_filter:stream]]            partial answer, finish_reason "content_filter"
[[context_length]]                   HTTP 400, code "context_length_exceeded"
[[tool:NAME[:ARGS_JSON]]]            call tool NAME (when offered) instead of answering; each
                                     occurrence is one more round (see tool_calls.py)
[[parallel:N]]                       each tool round makes its call N times at once

>>> text, d = parse("hello [[fail:500:2]] [[slow:0.1]]")
>>> text, d.fail.status, d.fail.attempts, d.slow
('hello', 500, 2, 0.1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .tool_calls import parse_tool

__all__ = ["DirectiveError", "Directives", "Fail", "Stall", "applies", "parse"]

_NAMES = (
    "fail",
    "stall",
    "slow",
    "drop",
    "reply",
    "long",
    "content_filter",
    "context_length",
    "tool",
    "parallel",
)
# Non-greedy up to the first "]]" so reply text may hold Markdown links like [a](b).
_PATTERN = re.compile(r"\[\[(" + "|".join(_NAMES) + r")(?::(.*?))?\]\]", re.DOTALL)


class DirectiveError(ValueError):
    """A recognised directive with malformed arguments: a test-authoring mistake."""


@dataclass(frozen=True)
class Fail:
    status: int
    attempts: int | None  # None: every attempt fails
    retry_after: float = 1.0


@dataclass(frozen=True)
class Stall:
    seconds: float
    attempts: int | None  # None: every attempt stalls


@dataclass(frozen=True)
class Directives:
    fail: Fail | None = None
    stall: Stall | None = None
    slow: float = 0.0
    drop: int = 0
    reply: str | None = None
    long: int | None = None
    content_filter: str | None = None  # "error" (HTTP 400) or "stream" (finish_reason)
    context_length: bool = False
    tools: tuple[tuple[str, str], ...] = ()  # (name, arguments JSON), one per round
    parallel: int = 1  # calls in each tool round (the same call, made N times at once)


def parse(text: str) -> tuple[str, Directives]:
    """Return ``(text without directives, stripped; parsed directives)``."""
    found: dict[str, object] = {}
    for match in _PATTERN.finditer(text):
        name, raw = match.group(1), match.group(2)
        try:
            if name == "tool":
                found["tools"] = (*found.get("tools", ()), parse_tool(raw))  # type: ignore[misc]
                continue
            found[name] = _PARSERS[name](raw)
        except (TypeError, ValueError) as exc:
            raise DirectiveError(f"bad directive {match.group(0)!r}: {exc}") from None
    return _PATTERN.sub("", text).strip(), Directives(**found)  # type: ignore[arg-type]


def applies(attempts: int | None, attempt: int) -> bool:
    """Whether a directive limited to the first ``attempts`` tries hits ``attempt``."""
    return attempts is None or attempt <= attempts


def _args(raw: str | None) -> list[str]:
    return [] if raw is None or raw == "" else raw.split(":")


def _count(value: str) -> int:
    count = int(value)
    if count < 0:
        raise ValueError("counts must be >= 0")
    return count


def _seconds(value: str) -> float:
    seconds = float(value)
    if not 0 <= seconds <= 600:
        raise ValueError("seconds must be within 0..600")
    return seconds


def _fail(raw: str | None) -> Fail:
    args = _args(raw)
    if not 1 <= len(args) <= 3:
        raise ValueError("expected fail:STATUS[:N][:retry_after=S]")
    status = int(args[0])
    if not 400 <= status <= 599:
        raise ValueError("status must be 4xx or 5xx")
    attempts: int | None = None
    retry_after = 1.0
    for arg in args[1:]:
        if arg.startswith("retry_after="):
            retry_after = _seconds(arg.removeprefix("retry_after="))
        else:
            attempts = _count(arg)
    return Fail(status=status, attempts=attempts, retry_after=retry_after)


def _stall(raw: str | None) -> Stall:
    args = _args(raw)
    if len(args) not in (1, 2):
        raise ValueError("expected stall:S[:N]")
    attempts = _count(args[1]) if len(args) == 2 else None
    return Stall(seconds=_seconds(args[0]), attempts=attempts)


def _slow(raw: str | None) -> float:
    return _seconds(raw or "")


def _drop(raw: str | None) -> int:
    # Bare [[drop]] drops the first attempt only, so a retry can succeed.
    return _count(raw) if raw else 1


def _reply(raw: str | None) -> str:
    # Tests write newlines as a literal backslash-n to keep prompts on one line.
    return (raw or "").replace("\\n", "\n")


def _long(raw: str | None) -> int:
    return _count(raw or "")


def _content_filter(raw: str | None) -> str:
    if raw in (None, "", "error"):
        return "error"
    if raw == "stream":
        return "stream"
    raise ValueError("expected content_filter or content_filter:stream")


def _context_length(raw: str | None) -> bool:
    if raw:
        raise ValueError("context_length takes no arguments")
    return True


_PARSERS = {
    "parallel": _count,
    "fail": _fail,
    "stall": _stall,
    "slow": _slow,
    "drop": _drop,
    "reply": _reply,
    "long": _long,
    "content_filter": _content_filter,
    "context_length": _context_length,
}
