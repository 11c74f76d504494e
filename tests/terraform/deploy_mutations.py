"""Breakages of the first deploy, the second plan and the teardown (issue 24) the checks report.

MUTATIONS entries are (check name, mutation of a parsed copy, text it must report), as in
mutations.py. The checks that read docs/deploy.md are run against edited copies of it:
DOC_EDITS entries are (check name, edit of the text, text it must report).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.terraform.hcl_model import Model, first

__all__ = ["DEPLOY_DOC_EDITS", "DEPLOY_MUTATIONS"]

_BUILD = ("terraform_data", "executor_image")


def _local_exec(m: Model) -> dict:
    return m.resources[_BUILD[0]][_BUILD[1]]["provisioner"][0]["local-exec"]


def _edit_command(old: str, new: str) -> Callable[[Model], None]:
    def mutate(m: Model) -> None:
        local_exec = _local_exec(m)
        assert old in local_exec["command"], old
        local_exec["command"] = local_exec["command"].replace(old, new)

    return mutate


def _stage_elsewhere(m: Model) -> None:
    _local_exec(m)["environment"]["STAGING_DIR"] = "gs://${var.project_id}_cloudbuild/source"


def _builder_cannot_read(m: Model) -> None:
    del m.resources["google_storage_bucket_iam_member"]["builder_source_zips"]


def _staged_copies_kept(m: Model) -> None:
    m.resources["google_storage_bucket"]["source"].pop("lifecycle_rule")


def _repository(m: Model) -> dict:
    return m.resources["google_artifact_registry_repository"]["executor"]


def _without_policy(action: str) -> Callable[[Model], None]:
    def mutate(m: Model) -> None:
        policies = _repository(m)["cleanup_policies"]
        _repository(m)["cleanup_policies"] = [p for p in policies if p["action"] != action]

    return mutate


def _dry_run(m: Model) -> None:
    _repository(m)["cleanup_policy_dry_run"] = True


def _executor_template(m: Model) -> dict:
    return first(m.resources["google_cloud_run_v2_service"]["executor"], "template")


def _instance_billing(m: Model) -> None:
    first(first(_executor_template(m), "containers"), "resources").pop("cpu_idle")


def _network_by_id(m: Model) -> None:
    interface = first(first(_executor_template(m), "vpc_access"), "network_interfaces")
    interface["network"] = "${google_compute_network.executor.id}"


def _data_source_waits_by_depends_on(m: Model) -> None:
    m.data["google_project"]["this"]["depends_on"] = ["${time_sleep.apis_enabled}"]


def _knowledge_never_destroyed(m: Model) -> None:
    m.resources["google_storage_bucket"]["knowledge"]["force_destroy"] = False


def _protected_executor(m: Model) -> None:
    m.resources["google_cloud_run_v2_service"]["executor"]["deletion_protection"] = True


_STAGING = "image build source"
DEPLOY_MUTATIONS = [
    (
        _STAGING,
        _edit_command(' \\\n        --gcs-source-staging-dir="$STAGING_DIR"', ""),
        "set --gcs-source-staging-dir",
    ),
    (_STAGING, _stage_elsewhere, "is not in a bucket of ours"),
    (_STAGING, _builder_cannot_read, "the builder may not read google_storage_bucket.source"),
    (_STAGING, _staged_copies_kept, "no lifecycle rule of google_storage_bucket.source"),
    (_STAGING, _edit_command('"$SOURCE"', "$SOURCE"), "$SOURCE is not quoted"),
    (
        _STAGING,
        _edit_command('"$PROJECT"', "${var.project_id}"),
        "writes Terraform values into the shell command unquoted",
    ),
    (
        _STAGING,
        _edit_command("GOOGLE_IMPERSONATE_SERVICE_ACCOUNT", "IMPERSONATE"),
        "ignores GOOGLE_IMPERSONATE_SERVICE_ACCOUNT",
    ),
    ("image cleanup", _without_policy("DELETE"), "no cleanup policy deletes old executor images"),
    ("image cleanup", _without_policy("KEEP"), "keeps the newest executor images"),
    ("image cleanup", _dry_run, "cleanup_policy_dry_run must be false"),
    ("executor billing", _instance_billing, "without cpu_idle = true"),
    ("Direct VPC names", _network_by_id, "network = '${google_compute_network.executor.id}'"),
    (
        "data sources read at plan",
        _data_source_waits_by_depends_on,
        "data.google_project.this has depends_on",
    ),
    ("teardown", _knowledge_never_destroyed, "google_storage_bucket.knowledge: force_destroy"),
    ("teardown", _protected_executor, "deletion_protection must be false"),
]


def _drop(text: str) -> Callable[[str], str]:
    def edit(doc: str) -> str:
        assert text in doc, text
        return doc.replace(text, "")

    return edit


def _replace(old: str, new: str) -> Callable[[str], str]:
    def edit(doc: str) -> str:
        assert old in doc, old
        return doc.replace(old, new)

    return edit


_NAMES = "deploy doc names"
DEPLOY_DOC_EDITS: list[tuple[str, Callable[[str], str], str]] = [
    (
        _NAMES,
        _replace("the four Cloud Run", "the three Cloud Run"),
        "says three functions",
    ),
    (_NAMES, _replace(", indexer)", ")"), "names the functions ['files', 'ingress', 'responder']"),
    (_NAMES, _replace("settings and source buckets", "settings buckets"), "lists the buckets"),
    (_NAMES, _replace("five Secret Manager", "four Secret Manager"), "says four secrets"),
    (_NAMES, _replace("topic feedback ──", "feedback ──"), "path of topic feedback"),
    (_NAMES, _replace("`knowledge`, ", ""), "do not name knowledge-dead-letter"),
    (
        _NAMES,
        _replace("slack-assistant-responder --region", "slack-assistant-answers --region"),
        "names slack-assistant-answers, which terraform/ does not create",
    ),
    (
        "owner-free grants",
        _replace(" compute.securityAdmin \\\n", " \\\n"),
        "lists roles/compute.securityAdmin but its commands do not grant it",
    ),
    (
        "owner-free grants",
        _replace("builds.editor logging.viewer", "builds.editor editor logging.viewer"),
        "grants roles/editor, which its list does not name",
    ),
    ("teardown", _drop("knowledge_bucket_force_destroy"), "does not mention knowledge_bucket"),
    ("teardown", _replace("hours", "a while"), "holds the subnet's addresses for hours"),
]
