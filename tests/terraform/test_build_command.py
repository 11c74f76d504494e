"""The executor's image build command (terraform/executor.tf), run by a real shell.

Terraform runs a local-exec `command` with `/bin/sh -c` and its `environment` added. Here the
command, rendered as Terraform renders the heredoc, runs against a stand-in `gcloud` that
records its arguments: each value must arrive as one argument, whatever it contains, and the
impersonation the google provider reads must reach gcloud too.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

from tests.terraform.build_checks import build_invocation
from tests.terraform.hcl_model import load

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "a b;$(touch {marker})`touch {marker}`*"


def _rendered() -> str:
    """The heredoc as Terraform passes it: common indentation removed, `$${` unescaped."""
    command, _ = build_invocation(load(ROOT / "terraform"))
    return textwrap.dedent(command).replace("$${", "${")


def _run(tmp_path: Path, **environment: str) -> list[str]:
    record = tmp_path / "argv.json"
    stub = tmp_path / "bin" / "gcloud"
    stub.parent.mkdir(exist_ok=True)
    stub.write_text(
        "#!/usr/bin/env python3\nimport json, sys\n"
        f"json.dump(sys.argv[1:], open({str(record)!r}, 'w'))\n"
    )
    stub.chmod(0o755)
    env = {"PATH": f"{stub.parent}:{os.environ['PATH']}", **environment}
    subprocess.run(["/bin/sh", "-c", _rendered()], env=env, cwd=tmp_path, check=True)
    return json.loads(record.read_text())


def _values(marker: Path) -> dict[str, str]:
    hostile = HOSTILE.format(marker=marker)
    names = ("SOURCE", "PROJECT", "REGION", "CONFIG", "IMAGE", "BUILDER", "STAGING_DIR")
    return {name: f"{name.lower()} {hostile}" for name in names}


def test_every_value_is_one_argument_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    values = _values(marker)
    argv = _run(tmp_path, **values)
    assert argv == [
        "builds",
        "submit",
        values["SOURCE"],
        f"--project={values['PROJECT']}",
        f"--region={values['REGION']}",
        f"--config={values['CONFIG']}",
        f"--substitutions=_IMAGE={values['IMAGE']}",
        f"--service-account={values['BUILDER']}",
        f"--gcs-source-staging-dir={values['STAGING_DIR']}",
        "--quiet",
    ]
    assert not marker.exists()


def test_the_providers_impersonation_reaches_gcloud(tmp_path: Path) -> None:
    account = "deployer@my-project.iam.gserviceaccount.com"
    argv = _run(tmp_path, **_values(tmp_path / "ran"), GOOGLE_IMPERSONATE_SERVICE_ACCOUNT=account)
    assert argv[-2:] == [f"--impersonate-service-account={account}", "--quiet"]
