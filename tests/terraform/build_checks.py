"""How the executor's image is built and kept (terraform/executor.tf), and what it costs idle.

`gcloud builds submit gs://bucket/object.zip` copies the object into a staging directory and
the build, running as the builder service account, fetches that copy. Unless told otherwise
gcloud stages into `<project>_cloudbuild`, a bucket the builder cannot read and Terraform does
not own: the build fails at its fetch step on every apply. These checks hold the build to a
staging directory the builder may read and that a lifecycle rule empties, a command that
quotes its values, and the deployer's impersonation reaching gcloud.
"""

from __future__ import annotations

import re
from typing import Any

from tests.terraform.hcl_model import Model, first, target
from tests.terraform.wiring import iam_bindings

__all__ = [
    "build_invocation",
    "check_executor_billing",
    "check_image_build_source",
    "check_image_cleanup",
]

BUILD = "terraform_data.executor_image"
# Roles that let the builder read objects of a bucket.
_READ_ROLES = {
    "roles/storage.objectViewer",
    "roles/storage.objectUser",
    "roles/storage.objectAdmin",
    "roles/storage.admin",
}
# The google provider reads this; gcloud reads CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT or
# --impersonate-service-account, so the command must pass it on.
IMPERSONATION = "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT"
_HEREDOC = re.compile(r"^<<-?(\w+)\n(.*)\n\s*\1\s*$", re.S)
# `${NAME:+"..."}`: an optional argument whose value is quoted inside.
_OPTIONAL_ARGUMENT = re.compile(r'\$\$?\{[A-Z_][A-Z0-9_]*:\+"[^"]*"\}')


def build_invocation(model: Model) -> tuple[str, dict[str, str]]:
    """The local-exec command that builds the image (heredoc markers removed), and its env."""
    build = model.of_type("terraform_data").get("executor_image") or {}
    for provisioner in build.get("provisioner", []):
        local_exec = provisioner.get("local-exec")
        if local_exec:
            command = str(local_exec.get("command", ""))
            heredoc = _HEREDOC.match(command)
            environment = local_exec.get("environment") or {}
            return (heredoc[2] if heredoc else command), dict(environment)
    return "", {}


def _flag(command: str, environment: dict[str, str], name: str) -> str | None:
    """The value a `--name=...` flag gets, with "$VAR" resolved from the environment."""
    match = re.search(rf"--{name}[= ](\"[^\"]*\"|'[^']*'|\S+)", command)
    if match is None:
        return None
    value = match[1].strip("\"'")
    return re.sub(r"\$\{?(\w+)\}?", lambda v: str(environment.get(v[1], v[0])), value)


def _unquoted_expansions(command: str) -> list[str]:
    """Shell expansions ($VAR, ${...}, $(...)) outside double quotes: split and globbed."""
    text = _OPTIONAL_ARGUMENT.sub("", command)
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    text = re.sub(r"'[^']*'", "''", text)
    return re.findall(r"\$\$?\{[^}]*\}|\$\(|\$\w+", text)


def check_image_build_source(model: Model) -> list[str]:
    """gcloud stages the source where the builder may read it, and the copies are deleted."""
    command, environment = build_invocation(model)
    if "gcloud builds submit" not in command:
        return [f"{BUILD} does not run gcloud builds submit"]
    problems = []
    if re.search(r"(?<!\$)\$\{", command):
        problems.append(
            f"{BUILD} writes Terraform values into the shell command unquoted: a value with a "
            "space or a shell character would be split or run (pass them in `environment`)"
        )
    for expansion in _unquoted_expansions(re.sub(r"(?<!\$)\$\{.*?\}", "", command)):
        problems.append(
            f"{BUILD}: {expansion} is not quoted: a value with a space or a shell character "
            'would be split or run (pass values in the environment, quote each "$VAR")'
        )
    staging = _flag(command, environment, "gcs-source-staging-dir")
    if staging is None:
        return [
            *problems,
            f"{BUILD} stages its source in gcloud's default <project>_cloudbuild bucket, "
            "which the builder cannot read: set --gcs-source-staging-dir",
        ]
    match = re.fullmatch(r"gs://\$\{(google_storage_bucket\.\w+)\.(?:name|id)\}/(.+)", staging)
    if match is None:
        return [*problems, f"{BUILD}: staging directory {staging!r} is not in a bucket of ours"]
    bucket, prefix_expression = match[1], match[2]
    prefix = _expand_locals(model, prefix_expression).strip("/")
    bindings, _ = iam_bindings(model)
    if not any(
        b.principal == "sa:builder" and b.target == bucket and b.role in _READ_ROLES
        for b in bindings
    ):
        problems.append(f"the builder may not read {bucket}, where the build's source is staged")
    body = model.of_type("google_storage_bucket").get(bucket.split(".")[1]) or {}
    if not any(_deletes_prefix(model, rule, prefix) for rule in body.get("lifecycle_rule", [])):
        problems.append(f"no lifecycle rule of {bucket} deletes the staged copies under {prefix}/")
    if IMPERSONATION not in command:
        problems.append(
            f"{BUILD} ignores {IMPERSONATION}: applied without Owner, the provider "
            "impersonates the deployer but gcloud would build as the signed-in account"
        )
    return problems


def _expand_locals(model: Model, text: str) -> str:
    return re.sub(r"\$\{local\.(\w+)\}", lambda m: str(model.locals.get(m[1], m[0])), text)


def _deletes_prefix(model: Model, rule: dict[str, Any], prefix: str) -> bool:
    condition = first(rule, "condition")
    prefixes = [_expand_locals(model, str(p)) for p in condition.get("matches_prefix", [])]
    return (
        first(rule, "action").get("type") == "Delete"
        and isinstance(condition.get("age"), int)
        and (not prefixes or any(prefix.startswith(p.strip("/")) for p in prefixes))
    )


def check_image_cleanup(model: Model) -> list[str]:
    """Old executor images are deleted by a cleanup policy that keeps the newest."""
    registry_address = target(str(model.locals.get("executor_image", ""))) or ""
    repository = model.of_type("google_artifact_registry_repository").get(
        registry_address.split(".")[-1]
    )
    if repository is None:
        return ["the executor's image is not in an Artifact Registry repository of ours"]
    problems = []
    if repository.get("cleanup_policy_dry_run") is not False:
        problems.append("the executor's repository: cleanup_policy_dry_run must be false")
    policies = repository.get("cleanup_policies", [])
    if not any(p.get("action") == "DELETE" and p.get("condition") for p in policies):
        problems.append("no cleanup policy deletes old executor images: the repository grows")
    keeps = [
        first(p, "most_recent_versions").get("keep_count")
        for p in policies
        if p.get("action") == "KEEP"
    ]
    if not any(isinstance(count, int) and count >= 1 for count in keeps):
        problems.append("no cleanup policy keeps the newest executor images (the deployed one)")
    return problems


def check_executor_billing(model: Model) -> list[str]:
    """An idle executor costs nothing: CPU is allocated only during requests (cpu_idle)."""
    service = model.of_type("google_cloud_run_v2_service").get("executor") or {}
    problems = []
    for container in first(service, "template").get("containers", []):
        resources = container.get("resources")
        if resources and first(container, "resources").get("cpu_idle") is not True:
            problems.append(
                "the executor sets resources without cpu_idle = true: instance-based billing, "
                "1 vCPU and its memory paid for as long as an idle instance lingers"
            )
    return problems
