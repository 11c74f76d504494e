"""checkov's findings against the reviewed baseline (checkov_baseline.toml).

checkov runs in its own environment (requirements-checkov.txt, installed by `nox -s tests`)
and reports JSON; this module only reads that report and the baseline, so the comparison is
tested without checkov.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["Accepted", "Finding", "compare", "findings", "load_baseline"]


@dataclasses.dataclass(frozen=True)
class Finding:
    check: str
    resource: str
    name: str = ""
    file: str = ""

    def __str__(self) -> str:
        return f"{self.check} {self.resource} ({self.name}, {self.file})"


@dataclasses.dataclass(frozen=True)
class Accepted:
    check: str
    resources: tuple[str, ...]
    reason: str

    def covers(self, finding: Finding) -> bool:
        return finding.check == self.check and any(
            fnmatch.fnmatchcase(finding.resource, pattern) for pattern in self.resources
        )


def load_baseline(path: Path) -> list[Accepted]:
    entries = tomllib.loads(path.read_text()).get("accepted", [])
    return [
        Accepted(str(e.get("check", "")), tuple(e.get("resources", ())), str(e.get("reason", "")))
        for e in entries
    ]


def findings(report: str) -> list[Finding]:
    """Failed checks in checkov's JSON output (one report, or a list of them per framework)."""
    parsed: Any = json.loads(report)
    reports = parsed if isinstance(parsed, list) else [parsed]
    found = []
    for each in reports:
        for failed in each.get("results", {}).get("failed_checks", []):
            found.append(
                Finding(
                    failed["check_id"],
                    failed["resource"],
                    failed.get("check_name", ""),
                    failed.get("file_path", ""),
                )
            )
    return found


def compare(found: Iterable[Finding], baseline: list[Accepted]) -> list[str]:
    """Each finding nobody accepted; each entry without a reason, or that matches nothing."""
    found = list(found)
    problems = [
        f"checkov: new failed check {finding}: fix it, or add it to the baseline with its reason"
        for finding in found
        if not any(entry.covers(finding) for entry in baseline)
    ]
    for entry in baseline:
        if len(entry.reason.split()) < 5:
            problems.append(f"baseline entry {entry.check} gives no reason for accepting it")
        for pattern in entry.resources:
            probe = Accepted(entry.check, (pattern,), entry.reason)
            if not any(probe.covers(finding) for finding in found):
                problems.append(
                    f"baseline entry {entry.check} {pattern} no longer fails: remove it, so "
                    "that the check holds from now on"
                )
    return problems
