"""Model output made harmless for Slack: it cannot ping people or whole channels (pure).

Text the model read (a file, a quoted message) can tell it to write Slack's control sequences;
posted as they are, `<!channel>` notifies everyone and `<@U…>` pings a person. Each is
rewritten as the plain words it would show, so the answer reads the same and notifies nobody.

    >>> neutralise("Ping <!channel>, <!here|here>, <@U0ALICE|alice>, <@W9> and <!subteam^S1|@ops>")
    'Ping @channel, @here, @alice, @W9 and @ops'
"""

from __future__ import annotations

import re

__all__ = ["neutralise"]

_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>", re.IGNORECASE)
_GROUP = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|@?([^>]*))?>", re.IGNORECASE)
_PERSON = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")


def neutralise(text: str) -> str:
    text = _SPECIAL.sub(lambda m: f"@{m.group(1).lower()}", text)
    text = _GROUP.sub(lambda m: f"@{m.group(1) or 'group'}", text)
    return _PERSON.sub(lambda m: f"@{m.group(2) or m.group(1)}", text)
