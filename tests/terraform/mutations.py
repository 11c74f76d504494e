"""Ways to break the Terraform configuration on purpose, one per check that must notice.

Each entry is (check name, mutation of a parsed copy, text the check must report).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.terraform.assistant_mutations import ASSISTANT_MUTATIONS
from tests.terraform.first_apply_mutations import DOC_MUTATIONS, FIRST_APPLY_MUTATIONS
from tests.terraform.hcl_model import Model, first
from tests.terraform.knowledge_mutations import KNOWLEDGE_MUTATIONS
from tests.terraform.runtime_mutations import RUNTIME_MUTATIONS
from tests.terraform.wiring import FUNCTION, environment, functions

__all__ = ["DOC_MUTATIONS", "MUTATIONS"]


def _function(m: Model, entry_point: str) -> dict:
    return m.resources[FUNCTION][functions(m)[entry_point][0]]


def _service(m: Model, entry_point: str) -> dict:
    return first(_function(m, entry_point), "service_config")


def _env(m: Model, entry_point: str) -> dict:
    return environment(m, _service(m, entry_point))


def _drop_secret_volume(m: Model, entry_point: str, key: str) -> None:
    service = _service(m, entry_point)
    secret_id = key.lower().replace("_", "-")
    service["secret_volumes"] = [
        v for v in service["secret_volumes"] if f'["{secret_id}"]' not in v["secret"]
    ]


def _make_openai_key_plain(m: Model) -> None:
    _drop_secret_volume(m, "responder", "OPENAI_API_KEY")
    env = _env(m, "responder")
    del env["OPENAI_API_KEY_FILE"]
    env["OPENAI_API_KEY"] = "${var.openai_api_key}"


def _read_wrong_secret(m: Model) -> None:
    for volume in _service(m, "responder")["secret_volumes"]:
        if '["openai-api-key"]' in volume["secret"]:
            volume["secret"] = '${google_secret_manager_secret.secret["slack-bot-token"].secret_id}'


def _point_file_elsewhere(m: Model) -> None:
    env = _env(m, "ingress")
    env["SLACK_SIGNING_SECRET_FILE"] = "/etc/secrets/elsewhere/value"


def _grant(m: Model, kind: str, label: str, **body: object) -> None:
    m.resources.setdefault(kind, {})[label] = dict(body)


def _retarget_push(m: Model, subscription: str, entry_point: str) -> None:
    push = first(m.resources["google_pubsub_subscription"][subscription], "push_config")
    uri = f"${{{FUNCTION}.{functions(m)[entry_point][0]}.service_config[0].uri}}"
    push["push_endpoint"] = uri
    first(push, "oidc_token")["audience"] = uri


def _set(path: tuple, value: object) -> Callable[[Model], None]:
    """A mutation that sets one attribute of a resource: (type, name, attribute)."""

    def mutate(m: Model) -> None:
        kind, name, attribute = path
        m.resources[kind][name][attribute] = value

    return mutate


def _delete(kind: str, name: str) -> Callable[[Model], None]:
    return lambda m: m.resources[kind].pop(name)


def _grant_ingress_firestore(m: Model) -> None:
    # Feedback clicks go through Pub/Sub precisely so that ingress needs no Firestore role.
    _grant(
        m,
        "google_project_iam_member",
        "ingress_firestore",
        project="${var.project_id}",
        role="roles/datastore.user",
        member="serviceAccount:${google_service_account.ingress.email}",
    )


def _settings_uri_literal(m: Model) -> None:
    _env(m, "responder")["SETTINGS_URI"] = "gs://somewhere/else.yaml"


MUTATIONS = [
    # (check, mutation, what the check must report)
    (
        "settings file",
        _set(("google_storage_bucket_object", "settings", "content"), "defaults: {}"),
        "does not upload config/assistant.yaml",
    ),
    ("settings file", _settings_uri_literal, "SETTINGS_URI is not local.settings_uri"),
    (
        "settings file",
        _delete("google_storage_bucket_object", "settings"),
        "no google_storage_bucket_object.settings",
    ),
    (
        "grants",
        _delete("google_storage_bucket_iam_member", "responder_settings_reader"),
        "sa:responder lacks roles/storage.objectViewer on google_storage_bucket.settings",
    ),
    (
        "grants",
        _grant_ingress_firestore,
        "sa:ingress has roles/datastore.user on project",
    ),
    (
        "rate limit TTL",
        _delete("google_firestore_field", "rate_limits_ttl"),
        "no TTL policy on rate_limits.expire_at",
    ),
    (
        "grants",
        _set(
            ("google_project_iam_member", "responder", "for_each"),
            '${toset(["roles/datastore.user", "roles/editor"])}',
        ),
        "sa:responder has roles/editor on project, which is not in its list",
    ),
    (
        "grants",
        lambda m: _grant(
            m,
            "google_pubsub_topic_iam_member",
            "responder_publishes",
            topic="${google_pubsub_topic.feedback.name}",
            role="roles/pubsub.publisher",
            member="serviceAccount:${google_service_account.responder.email}",
        ),
        "sa:responder has roles/pubsub.publisher on google_pubsub_topic.feedback",
    ),
    (
        "grants",
        _delete("google_storage_bucket_iam_member", "responder_reader"),
        "sa:responder lacks roles/storage.objectUser on google_storage_bucket.files",
    ),
    (
        "function env",
        lambda m: _drop_secret_volume(m, "responder", "OPENAI_API_KEY"),
        "responder: OPENAI_API_KEY is read by the code but not set",
    ),
    (
        "function env",
        lambda m: _drop_secret_volume(m, "responder", "MCP_HEADERS"),
        "responder: MCP_HEADERS is read by the code but not set",
    ),
    (
        "secret access",
        _set(
            ("google_secret_manager_secret_iam_member", "responder", "for_each"),
            '${toset(["slack-bot-token", "openai-api-key"])}',
        ),
        "sa:responder reads google_secret_manager_secret.secret[mcp-headers] but is not granted",
    ),
    ("function env", _make_openai_key_plain, "secret OPENAI_API_KEY is a plain"),
    ("function env", _read_wrong_secret, "OPENAI_API_KEY is not read from secret 'openai-api-key'"),
    (
        "function env",
        _point_file_elsewhere,
        "secret volume file /etc/secrets/slack-signing-secret/value is read by no variable",
    ),
    (
        "function env",
        lambda m: _env(m, "ingress").update(OPENAI_MODEL="x"),
        "ingress: OPENAI_MODEL is set but the code does not read it",
    ),
    (
        "secret access",
        _set(
            ("google_secret_manager_secret_iam_member", "ingress", "for_each"),
            '${toset(["slack-signing-secret", "slack-bot-token"])}',
        ),
        "sa:ingress can read google_secret_manager_secret.secret[slack-bot-token]",
    ),
    (
        "secret access",
        _set(("google_secret_manager_secret_iam_member", "files", "for_each"), "${toset([])}"),
        "sa:files reads google_secret_manager_secret.secret[slack-bot-token] but is not granted",
    ),
    (
        "secret access",
        _set(
            ("google_project_iam_member", "responder", "for_each"),
            '${toset(["roles/datastore.user", "roles/secretmanager.secretAccessor"])}',
        ),
        "roles/secretmanager.secretAccessor on the whole project",
    ),
    (
        "secret access",
        lambda m: _service(m, "files").update(
            service_account_email="${google_service_account.responder.email}"
        ),
        "files shares its service account sa:responder",
    ),
    (
        "public access",
        lambda m: _grant(
            m,
            "google_cloud_run_v2_service_iam_member",
            "responder_public",
            name=f"${{{FUNCTION}.responder.name}}",
            role="roles/run.invoker",
            member="allUsers",
        ),
        "allUsers gets roles/run.invoker on google_cloudfunctions2_function.responder",
    ),
    (
        "public access",
        lambda m: _grant(
            m,
            "google_storage_bucket_iam_member",
            "world_readable",
            bucket="${google_storage_bucket.files.name}",
            role="roles/storage.objectViewer",
            member="allAuthenticatedUsers",
        ),
        "allAuthenticatedUsers gets roles/storage.objectViewer on google_storage_bucket.files",
    ),
    (
        "public access",
        _delete("google_cloud_run_v2_service_iam_member", "ingress_public"),
        "Slack could not call it",
    ),
    (
        "push subscriptions",
        lambda m: _retarget_push(m, "mentions_push", "files"),
        "pushes mentions to ${google_cloudfunctions2_function.files.service_config[0].uri}",
    ),
    (
        "push subscriptions",
        lambda m: first(
            m.resources["google_pubsub_subscription"]["uploads_push"], "push_config"
        ).pop("oidc_token"),
        "uploads_push sends no OIDC token",
    ),
    (
        "push subscriptions",
        _set(("google_pubsub_subscription", "mentions_push", "enable_message_ordering"), False),
        "mentions_push: message ordering is off",
    ),
    (
        "push subscriptions",
        _delete("google_pubsub_subscription", "mentions_push"),
        "mentions: 0 push subscriptions",
    ),
    (
        "push subscriptions",
        lambda m: m.resources["google_pubsub_subscription"]["uploads_push"].pop(
            "dead_letter_policy"
        ),
        "uploads_push: no dead_letter_policy",
    ),
    (
        "push subscriptions",
        lambda m: m.resources["google_pubsub_subscription"]["mentions_push"].pop(
            "expiration_policy"
        ),
        "mentions_push: can expire when idle",
    ),
    (
        "push subscriptions",
        lambda m: m.locals.update(responder_timeout_seconds=700),
        "responder timeout 700s must be <= ack deadline 600s",
    ),
    (
        "push subscriptions",
        lambda m: _grant(
            m,
            "google_cloud_run_v2_service_iam_member",
            "ingress_calls_responder",
            name=f"${{{FUNCTION}.responder.name}}",
            role="roles/run.invoker",
            member="serviceAccount:${google_service_account.ingress.email}",
        ),
        "sa:ingress may invoke responder",
    ),
    (
        "dead-letter IAM",
        _delete("google_pubsub_topic_iam_member", "pubsub_agent_dead_letter_publisher"),
        "cannot publish to google_pubsub_topic.mentions_dead_letter",
    ),
    (
        "dead-letter IAM",
        _delete("google_pubsub_subscription_iam_member", "pubsub_agent_dead_letter_subscriber"),
        "google_pubsub_subscription.uploads_push: the Pub/Sub service agent cannot ack",
    ),
    (
        "dead-letter IAM",
        _delete("google_pubsub_subscription", "mentions_dead_letter"),
        "google_pubsub_topic.mentions_dead_letter has no pull subscription",
    ),
    (
        "buckets",
        _set(("google_storage_bucket", "files", "public_access_prevention"), "inherited"),
        'bucket files: public_access_prevention is not "enforced"',
    ),
    (
        "buckets",
        _set(("google_storage_bucket", "source", "uniform_bucket_level_access"), False),
        "bucket source: uniform_bucket_level_access is not true",
    ),
    (
        "buckets",
        lambda m: m.resources["google_storage_bucket"]["files"].pop("lifecycle_rule"),
        "no lifecycle rule deletes old files",
    ),
    (
        "source objects",
        _set(("google_storage_bucket_object", "source", "name"), "${each.key}-${timestamp()}.zip"),
        "timestamp() is used",
    ),
    (
        "source objects",
        _set(("google_storage_bucket_object", "source", "name"), "${each.key}.zip"),
        "object source is not named by its content hash",
    ),
    (
        "function per directory",
        lambda m: m.locals.update(
            function_files=m.locals["function_files"].replace(", local.shared_files", "")
        ),
        "its zip does not bundle assistant/",
    ),
    (
        "function per directory",
        lambda m: first(_function(m, "responder"), "build_config").update(entry_point="main"),
        "functions/responder/ has no function with entry_point 'responder'",
    ),
    (
        "function per directory",
        lambda m: first(
            first(first(_function(m, "files"), "build_config"), "source"), "storage_source"
        ).update(object='${google_storage_bucket_object.source["responder"].name}'),
        "files: deploys google_storage_bucket_object.source[responder]",
    ),
    (
        "references",
        lambda m: _env(m, "responder").update(FILES_BUCKET="${google_storage_bucket.uploads.name}"),
        "resource google_storage_bucket.uploads is referenced but not declared",
    ),
    (
        "references",
        lambda m: _service(m, "ingress").update(max_instance_count="${var.ingres_max_instances}"),
        "var ingres_max_instances is referenced but not declared",
    ),
    (
        "variables documented",
        lambda m: m.variables["region"].pop("description"),
        "variable region needs a description",
    ),
    (
        "variables documented",
        lambda m: m.variables["openai_model"].pop("type"),
        "variable openai_model needs a type",
    ),
    (
        "defaults match code",
        lambda m: m.variables["openai_model"].update(default="gpt-4.1"),
        "OPENAI_MODEL defaults to 'gpt-4.1' in Terraform, 'gpt-4o-mini' in the code",
    ),
    (
        "defaults match code",
        lambda m: m.variables["claim_lease_seconds"].update(default=30),
        "CLAIM_LEASE_SECONDS defaults to 30",
    ),
    (
        "preconditions hold by default",
        lambda m: m.variables["response_time_budget_seconds"].update(default=600),
        "google_cloudfunctions2_function.responder's precondition fails with the defaults",
    ),
    (
        "claims TTL",
        _set(("google_firestore_field", "event_claims_ttl", "field"), "created_at"),
        "no TTL policy on event_claims.expires_at",
    ),
    (
        "stops TTL",
        _set(("google_firestore_field", "answer_stops_ttl", "field"), "at"),
        "no TTL policy on answer_stops.expires_at",
    ),
    (
        "APIs",
        _set(
            ("google_project_service", "apis", "for_each"),
            '${toset(["cloudfunctions.googleapis.com", "run.googleapis.com"])}',
        ),
        "API pubsub.googleapis.com is not enabled",
    ),
    *FIRST_APPLY_MUTATIONS,  # issue 16: a first apply, names, hygiene
    *KNOWLEDGE_MUTATIONS,  # issue 12: answers from the organisation's documents
    *RUNTIME_MUTATIONS,  # THREADS against the request concurrency
    *ASSISTANT_MUTATIONS,  # issue 11: the DM's loading status and suggested prompts
]
