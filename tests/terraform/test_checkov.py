"""checkov over terraform/ and the executor's Dockerfile, against the reviewed baseline.

checkov lives in its own environment: `nox -s tests` installs requirements-checkov.txt into
.nox/checkov and passes its path as CHECKOV. It runs offline (--skip-download: no policies or
mappings fetched). Every failed check must be accepted in checkov_baseline.toml with its
reason; a new one fails here, naming the check and the resource.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.terraform.checkov_baseline import Accepted, Finding, compare, findings, load_baseline

ROOT = Path(__file__).resolve().parents[2]
BASELINE = Path(__file__).with_name("checkov_baseline.toml")
DOCKERFILE = "functions/executor/Dockerfile"


def _checkov() -> str:
    configured = os.environ.get("CHECKOV")
    if configured:
        assert Path(configured).exists(), f"CHECKOV={configured} does not exist"
        return configured
    found = shutil.which("checkov")
    if found is None:
        pytest.skip("checkov is not installed: `nox -s tests` installs requirements-checkov.txt")
    return found


def _run(arguments: list[list[str]], cwd: Path) -> list[Finding]:
    """Run checkov once per argument list, at the same time, and gather the failed checks."""
    command = [_checkov(), "--output", "json", "--skip-download", "--quiet"]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    processes = [
        subprocess.Popen(
            [*command, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for args in arguments
    ]
    found: list[Finding] = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        # 0: all passed, 1: some failed; anything else is checkov itself failing.
        assert process.returncode in (0, 1), err.decode()[-2000:]
        found += findings(out.decode() or "[]")
    return found


@pytest.fixture(scope="module")
def reported() -> list[Finding]:
    return _run(
        [
            ["--directory", "terraform", "--framework", "terraform"],
            ["--file", DOCKERFILE, "--framework", "dockerfile"],
        ],
        ROOT,
    )


def test_checkov_finds_only_the_reviewed_failures(reported: list[Finding]) -> None:
    assert compare(reported, load_baseline(BASELINE)) == []


def test_checkov_reports_a_new_failure(tmp_path: Path) -> None:
    """A bucket open to public access is caught: the baseline does not hide new findings."""
    copy = tmp_path / "terraform"
    shutil.copytree(ROOT / "terraform", copy, ignore=shutil.ignore_patterns(".terraform", "build"))
    storage = copy / "storage.tf"
    text = storage.read_text()
    assert 'public_access_prevention    = "enforced"' in text
    storage.write_text(text.replace('public_access_prevention    = "enforced"', "", 1))
    only = ["--check", "CKV_GCP_114"]  # public access prevention; the others cost time only
    found = _run([["--directory", str(copy), "--framework", "terraform", *only]], tmp_path)
    problems = compare(found, load_baseline(BASELINE))
    assert any("new failed check CKV_GCP_114 google_storage_bucket.files" in p for p in problems)


# --- The comparison itself, on reports written here (no checkov needed) ----------------------

_ENTRY = Accepted("CKV_GCP_83", ("google_pubsub_topic.*",), "Google-managed keys are enough here.")


def _report(*failed: tuple[str, str]) -> str:
    checks = [
        {"check_id": c, "resource": r, "check_name": "n", "file_path": "/f"} for c, r in failed
    ]
    return json.dumps([{"check_type": "terraform", "results": {"failed_checks": checks}}])


def test_an_accepted_failure_passes() -> None:
    assert (
        compare(findings(_report(("CKV_GCP_83", "google_pubsub_topic.mentions"))), [_ENTRY]) == []
    )


def test_a_failure_nobody_accepted_is_reported() -> None:
    found = findings(
        _report(
            ("CKV_GCP_83", "google_pubsub_topic.mentions"),
            ("CKV_GCP_29", "google_storage_bucket.files"),
        )
    )
    assert compare(found, [_ENTRY]) == [
        "checkov: new failed check CKV_GCP_29 google_storage_bucket.files (n, /f): fix it, "
        "or add it to the baseline with its reason"
    ]


def test_the_same_check_on_another_resource_is_new() -> None:
    found = findings(_report(("CKV_GCP_83", "google_storage_bucket.files")))
    assert any("new failed check CKV_GCP_83" in p for p in compare(found, [_ENTRY]))


def test_an_entry_that_no_longer_fails_is_reported() -> None:
    problems = compare([], [_ENTRY])
    assert problems == [
        "baseline entry CKV_GCP_83 google_pubsub_topic.* no longer fails: remove it, so that the "
        "check holds from now on"
    ]


def test_an_entry_needs_a_reason() -> None:
    entry = Accepted("CKV_GCP_83", ("google_pubsub_topic.*",), "fine")
    found = findings(_report(("CKV_GCP_83", "google_pubsub_topic.mentions")))
    assert compare(found, [entry]) == ["baseline entry CKV_GCP_83 gives no reason for accepting it"]


def test_every_baseline_entry_has_a_reason() -> None:
    for entry in load_baseline(BASELINE):
        assert entry.check and entry.resources and len(entry.reason.split()) >= 5, entry
