"""Numbers an answer states that no successful code run printed (pure).

A small model that cannot get its code to run may still write "Europe, 78.3 years". The run's
output is the only evidence the person has, so an answer's numbers are checked against it: a
number counts as shown when some printed number (or the code itself) rounds to it at the
precision the answer used, or is it as a percentage (0.783 → 78.3 %).

    >>> answer = "Europe: 78.3 years, up 1,204 from 2002."
    >>> unsupported_numbers(answer, ["Europe 78.2999\\n"], ["df[df.year == 2002]"])
    ['1,204']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["unsupported_numbers"]

_NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")
# What the answer quotes rather than states: code, links and Slack's <...> markup.
_QUOTED = re.compile(r"```.*?```|`[^`\n]*`|<[^>\n]*>|https?://\S+", re.DOTALL)
_LIST_MARKER = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)
_SMALLEST_CHECKED = 10  # "3 bullet points", "2 charts": too common to mean a result


def unsupported_numbers(
    answer: str, outputs: Sequence[str], codes: Sequence[str] = ()
) -> list[str]:
    """The answer's numbers, as written, that no output or code supports (first seen order)."""
    evidence = [value for text in (*outputs, *codes) for value, _ in _numbers(text)]
    prose = _LIST_MARKER.sub(" ", _QUOTED.sub(" ", answer))
    missing: dict[str, None] = {}
    for written, (value, decimals) in zip(_NUMBER.findall(prose), _numbers(prose), strict=True):
        if abs(value) < _SMALLEST_CHECKED and not decimals:
            continue
        if not _supported(value, decimals, evidence):
            missing[written] = None
    return list(missing)


def _numbers(text: str) -> Iterable[tuple[float, int]]:
    for match in _NUMBER.finditer(text):
        digits = match.group().replace(",", "")
        decimals = len(digits.partition(".")[2])
        yield float(digits), decimals


def _supported(value: float, decimals: int, evidence: Sequence[float]) -> bool:
    tolerance = 0.5 * 10**-decimals + 1e-9
    return any(
        abs(shown - value) <= tolerance or abs(shown * 100 - value) <= tolerance
        for shown in evidence
    )
