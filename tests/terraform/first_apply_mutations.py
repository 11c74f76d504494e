"""Breakages the first-apply, naming and hygiene checks must report (issue 16), one or more each.

Same shape as mutations.py, which includes these: (check name, mutation, text to report). The
docs check reads docs/deploy.md, so its cases edit that text instead: (edit, text to report).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.terraform.hcl_model import Model, first
from tests.terraform.wiring import FUNCTION

__all__ = ["DOC_MUTATIONS", "FIRST_APPLY_MUTATIONS"]

VERSION = "google_secret_manager_secret_version"
IAM_WAIT = ("time_sleep", "iam_propagated")


def _body(m: Model, kind: str, name: str) -> dict:
    return m.resources[kind][name]


def _set(kind: str, label: str, /, **values: object) -> Callable[[Model], None]:
    return lambda m: _body(m, kind, label).update(values)


def _pop(kind: str, name: str, attribute: str) -> Callable[[Model], None]:
    return lambda m: _body(m, kind, name).pop(attribute)


def _without_dependency(kind: str, name: str, dependency: str) -> Callable[[Model], None]:
    def mutate(m: Model) -> None:
        body = _body(m, kind, name)
        body["depends_on"] = [d for d in body["depends_on"] if dependency not in d]

    return mutate


def _move_secret_data_into_state(m: Model) -> None:
    body = _body(m, VERSION, "placeholder")
    body["secret_data"] = body.pop("secret_data_wo")


def _drop_validation(variable: str) -> Callable[[Model], None]:
    return lambda m: m.variables[variable].pop("validation")


def _literal_env(m: Model) -> None:
    service = first(_body(m, FUNCTION, "responder"), "service_config")
    service["environment_variables"] = dict(m.locals["responder_env"])


def _widen_builder_condition(m: Model) -> None:
    condition = first(_body(m, "google_project_iam_member", "builder_sources"), "condition")
    condition["expression"] = 'resource.name.startsWith("projects/_/buckets/")'


def _settings(**values: object) -> Callable[[Model], None]:
    return lambda m: m.settings.update(values)


def _provider_version(provider: str, version: str) -> Callable[[Model], None]:
    return lambda m: m.settings["required_providers"][provider].update(version=version)


FIRST_APPLY_MUTATIONS = [
    # 1. Secret volumes need a version at deploy time: a write-only placeholder, depended on.
    (
        "placeholders",
        lambda m: m.resources.pop(VERSION),
        "google_secret_manager_secret.secret[slack-signing-secret] has no version",
    ),
    ("placeholders", _move_secret_data_into_state, "secret_data is kept in the state"),
    (
        "placeholders",
        lambda m: m.locals.update(secret_placeholder="changeme"),
        "secret_data_wo differs from assistant.config.SECRET_PLACEHOLDER",
    ),
    (
        "placeholders",
        _set(VERSION, "placeholder", secret_data_wo_version="${var.secret_version}"),
        "secret_data_wo_version must be a fixed number",
    ),
    (
        "placeholders",
        _without_dependency(FUNCTION, "ingress", VERSION),
        "ingress can deploy before google_secret_manager_secret.secret[slack-signing-secret]",
    ),
    ("versions", _settings(required_version=">= 1.5"), "need Terraform >= 1.11"),
    (
        "versions",
        _provider_version("google", "~> 6.0"),
        "provider google must be pinned to >= 6.23",
    ),
    # 2. First-apply races: APIs, grants and the Pub/Sub agent propagate before they are used.
    (
        "API wait",
        _set("google_pubsub_topic", "mentions", depends_on=["${google_project_service.apis}"]),
        "google_pubsub_topic.mentions can start before the enabled APIs have propagated",
    ),
    (
        "API wait",
        lambda m: m.resources.pop("time_sleep"),
        "no time_sleep follows google_project_service.apis",
    ),
    (
        "IAM wait",
        _without_dependency(*IAM_WAIT, "builder_sources"),
        "files deploys without waiting for google_project_iam_member.builder_sources",
    ),
    (
        "IAM wait",
        _without_dependency(FUNCTION, "responder", "time_sleep.iam_propagated"),
        "responder deploys without waiting for google_secret_manager_secret_iam_member.responder",
    ),
    (
        "Pub/Sub agent",
        lambda m: m.resources.pop("google_project_service_identity"),
        "no google_project_service_identity makes it exist",
    ),
    (
        "Pub/Sub agent",
        _pop("google_project_service_identity", "pubsub", "provider"),
        "only google-beta has google_project_service_identity",
    ),
    (
        "Pub/Sub agent",
        _pop("google_pubsub_topic_iam_member", "pubsub_agent_dead_letter_publisher", "depends_on"),
        "pubsub_agent_dead_letter_publisher grants to the Pub/Sub agent before it is made to exist",
    ),
    (
        "Pub/Sub agent",
        _set(
            "google_pubsub_topic_iam_member",
            "pubsub_agent_dead_letter_publisher",
            depends_on=["${google_project_service_identity.pubsub}"],
        ),
        "pubsub_agent_dead_letter_publisher grants to a Pub/Sub agent that may be seconds old",
    ),
    (
        "APIs",
        _set(
            "google_project_service",
            "apis",
            for_each='${toset(["pubsub.googleapis.com", "run.googleapis.com"])}',
        ),
        "API logging.googleapis.com is not enabled",
    ),
    # 3. Grants follow a replaced resource.
    (
        "bindings follow replacement",
        _set(
            "google_cloud_run_v2_service_iam_member",
            "ingress_public",
            name=f"${{{FUNCTION}.ingress.name}}",
        ),
        "ingress_public names google_cloudfunctions2_function.ingress by",
    ),
    (
        "bindings follow replacement",
        _set(
            "google_pubsub_subscription_iam_member",
            "pubsub_agent_dead_letter_subscriber",
            for_each={"mentions": "${google_pubsub_subscription.mentions_push.name}"},
        ),
        "names google_pubsub_subscription.mentions_push by",
    ),
    # 5. Names, soft delete, empty environment values, the builder's storage scope, inputs.
    (
        "name prefix",
        _set("google_pubsub_topic", "mentions", name="mentions"),
        "google_pubsub_topic.mentions: name 'mentions' lacks var.name_prefix",
    ),
    (
        "name prefix",
        _set("google_secret_manager_secret", "secret", secret_id="${each.value}"),
        "google_secret_manager_secret.secret: secret_id '${each.value}' lacks var.name_prefix",
    ),
    (
        "buckets",
        _pop("google_storage_bucket", "files", "soft_delete_policy"),
        "bucket files: soft delete keeps deleted objects",
    ),
    ("env never empty", _literal_env, "responder: OPENAI_BASE_URL may be empty"),
    (
        "builder storage",
        _pop("google_project_iam_member", "builder_sources", "condition"),
        "has roles/storage.objectAdmin on every bucket of the project",
    ),
    ("builder storage", _widen_builder_condition, "its condition reaches buckets other than"),
    (
        "name inputs validated",
        lambda m: m.variables["project_id"]["validation"][0].update(
            condition='${can(regex("^.+$", var.project_id))}'
        ),
        "variable project_id: validation accepts 'example.com:my-project'",
    ),
    (
        "name inputs validated",
        _drop_validation("slack_app_name"),
        "variable slack_app_name ends up in names but has no validation",
    ),
    (
        "name inputs validated",
        lambda m: m.variables["region"]["validation"][0].update(
            condition='${can(regex("^[a-z0-9-]+$", var.region))}'
        ),
        "variable region: validation accepts 'us-central1-a'",
    ),
    (
        "name inputs validated",
        lambda m: m.variables["region"]["validation"][0].update(
            condition='${contains(["us-central1"], var.region)}'
        ),
        "variable region: cannot evaluate its validation",
    ),
]

# 4. The route without Owner in docs/deploy.md.
DOC_MUTATIONS = [
    (lambda t: t.replace("`roles/run.admin`", "run admin"), "lacks roles/run.admin"),
    (lambda t: t.replace("`roles/pubsub.admin`", "Pub/Sub admin"), "lacks roles/pubsub.admin"),
    (
        lambda t: t.replace("`roles/storage.admin`", "`roles/editor`"),
        "lacks roles/storage.admin",
    ),
    (lambda t: t.replace("### Without Owner", "### Roles"), "has no '### Without Owner' section"),
]
