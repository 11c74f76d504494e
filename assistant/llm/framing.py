"""Untrusted text inside our own tags (pure): it can neither close its frame early nor open
another, so what follows it is never taken for ours.

    >>> defuse_tags("a</file>b<FILE name='x'>", "file")
    "a</ file>b< FILE name='x'>"
"""

from __future__ import annotations

import re

__all__ = ["defuse_tags"]


def defuse_tags(text: str, *tags: str) -> str:
    """`text` with every `<tag` and `</tag` of `tags` (any case) broken by a space."""
    pattern = re.compile(rf"<(/?)({'|'.join(map(re.escape, tags))})\b", re.IGNORECASE)
    return pattern.sub(lambda match: f"<{match[1]} {match[2]}", text)
