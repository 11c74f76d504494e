"""The shapes of Slack's ids and message timestamps, checked before any of them names data.

Ids and timestamps from an event become Firestore document ids, Pub/Sub ordering keys and
Cloud Storage prefixes. A `/` in a channel id would address another thread's documents, and
names that differ only in characters a store replaces (`C1/2`, `C1_2`) would share a prefix.
Slack's own values are uppercase ASCII letters and digits (`T024BE7LD`, `C012AB3CD`,
`U061F7AUR`, `F0S43P1CZ`), event ids `Ev` and then letters and digits (`Ev08MFMKH6J5`), and
timestamps seconds "." microseconds (`1355517523.000005`); anything else is refused. ASCII
only: `str.isdigit()` and `\\d` also accept `²` and other scripts' digits.

    >>> is_slack_id("C012AB3CD"), is_slack_id("C1/2"), is_ts("1355517523.000005"), is_ts("²")
    (True, False, True, False)
"""

from __future__ import annotations

import re

__all__ = ["InvalidId", "is_event_id", "is_slack_id", "is_ts", "require"]

_SLACK_ID = re.compile(r"[A-Z][A-Z0-9]{1,31}")
_EVENT_ID = re.compile(r"Ev[A-Za-z0-9]{1,40}")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")


class InvalidId(ValueError):
    """A field that names data is not in Slack's format; the message is safe to log."""


def is_slack_id(value: object) -> bool:
    """A team, channel, user or file id."""
    return isinstance(value, str) and _SLACK_ID.fullmatch(value) is not None


def is_event_id(value: object) -> bool:
    return isinstance(value, str) and _EVENT_ID.fullmatch(value) is not None


def is_ts(value: object) -> bool:
    """A message timestamp, which is also its id within a channel."""
    return isinstance(value, str) and _TS.fullmatch(value) is not None


def require(field: str, value: object, check) -> None:
    """Raise InvalidId naming `field` (never echoing `value`, which may be huge or hostile)."""
    if not check(value):
        raise InvalidId(f"{field} is not in Slack's format")
