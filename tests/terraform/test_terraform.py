"""Static checks of terraform/ (the google provider cannot be downloaded here, so no plan).

Every check is a pure function of the parsed configuration. Each one passes on the real
configuration and, in the mutation tests, reports a copy broken on purpose: a check that
could not fail would prove nothing.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.config import ENV_BY_FUNCTION, SECRET_ENV, Settings
from tests.terraform import config_checks, iam_checks
from tests.terraform.hcl_model import Model, first, load
from tests.terraform.wiring import FUNCTION, functions

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
MANIFEST = ROOT / "slack" / "manifest.yaml.tftpl"

FUNCTION_DIRS = sorted(
    p.name for p in (ROOT / "functions").iterdir() if p.is_dir() and p.name != "__pycache__"
)
# Which function consumes which topic (ARCHITECTURE.md: the one-way data flow).
HANDLERS = {"mentions": "responder", "uploads": "files"}
CODE_DEFAULTS = {f.name.upper(): f.default for f in dataclasses.fields(Settings)}
REQUIRED_APIS = {
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
}
_SECRET = "google_secret_manager_secret.secret"
_ACCESSOR = "roles/secretmanager.secretAccessor"
# The least-privilege design, written out: who may do what, on which resource.
EXPECTED_GRANTS = {
    "allUsers": {(f"{FUNCTION}.ingress", "roles/run.invoker")},
    "sa:ingress": {
        ("google_pubsub_topic.mentions", "roles/pubsub.publisher"),
        ("google_pubsub_topic.uploads", "roles/pubsub.publisher"),
        (f"{_SECRET}[slack-signing-secret]", _ACCESSOR),
    },
    "sa:files": {
        ("google_pubsub_topic.mentions", "roles/pubsub.publisher"),
        ("google_storage_bucket.files", "roles/storage.objectUser"),
        (f"{_SECRET}[slack-bot-token]", _ACCESSOR),
    },
    "sa:responder": {
        ("project", "roles/datastore.user"),
        ("google_storage_bucket.files", "roles/storage.objectUser"),
        (f"{_SECRET}[slack-bot-token]", _ACCESSOR),
        (f"{_SECRET}[openai-api-key]", _ACCESSOR),
        ("google_pubsub_topic.mentions_dead_letter", "roles/pubsub.publisher"),
    },
    "sa:push_invoker": {
        (f"{FUNCTION}.responder", "roles/run.invoker"),
        (f"{FUNCTION}.files", "roles/run.invoker"),
    },
    "sa:builder": {
        ("project", "roles/logging.logWriter"),
        ("project", "roles/artifactregistry.writer"),
        ("project", "roles/storage.objectAdmin"),
    },
    "pubsub-agent": {
        ("google_pubsub_topic.mentions_dead_letter", "roles/pubsub.publisher"),
        ("google_pubsub_topic.uploads_dead_letter", "roles/pubsub.publisher"),
        ("google_pubsub_subscription.mentions_push", "roles/pubsub.subscriber"),
        ("google_pubsub_subscription.uploads_push", "roles/pubsub.subscriber"),
        ("google_service_account.push_invoker", "roles/iam.serviceAccountTokenCreator"),
    },
}
BOT_SCOPES = {
    "app_mentions:read",
    "chat:write",
    "channels:history",
    "groups:history",
    "im:history",
    "mpim:history",
    "files:read",
    "files:write",
}
BOT_EVENTS = {"app_mention", "message.im"}


def _claims_collection() -> str:
    """COLLECTION from assistant/claims.py, read without importing Firestore."""
    tree = ast.parse((ROOT / "assistant" / "claims.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "COLLECTION":
            return ast.literal_eval(node.value)
    raise AssertionError("assistant/claims.py defines no COLLECTION")


CHECKS: dict[str, Callable[[Model], list[str]]] = {
    "function per directory": lambda m: config_checks.check_function_per_directory(
        m, FUNCTION_DIRS
    ),
    "function env": lambda m: config_checks.check_function_env(m, ENV_BY_FUNCTION, SECRET_ENV),
    "defaults match code": lambda m: config_checks.check_defaults_match_code(m, CODE_DEFAULTS),
    "grants": lambda m: iam_checks.check_grants(m, EXPECTED_GRANTS),
    "secret access": iam_checks.check_secret_access,
    "public access": iam_checks.check_public_access,
    "push subscriptions": lambda m: iam_checks.check_push_subscriptions(m, HANDLERS),
    "dead-letter IAM": iam_checks.check_dead_letter_iam,
    "buckets": config_checks.check_buckets,
    "source objects": config_checks.check_source_objects,
    "references": config_checks.check_references,
    "variables documented": config_checks.check_variables_documented,
    "claims TTL": lambda m: config_checks.check_ttl_field(m, _claims_collection(), "expires_at"),
    "APIs": lambda m: config_checks.check_apis(m, REQUIRED_APIS),
    "Slack manifest": lambda m: config_checks.check_manifest(
        m, MANIFEST.read_text(), BOT_SCOPES, BOT_EVENTS
    ),
}


@pytest.fixture(scope="module")
def model() -> Model:
    return load(TERRAFORM)


def test_terraform_files_are_formatted() -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("the terraform binary is not installed, so `terraform fmt -check` cannot run")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", CHECKS)
def test_real_configuration_passes(model: Model, name: str) -> None:
    assert CHECKS[name](model) == []


@pytest.mark.parametrize("directory", FUNCTION_DIRS)
def test_each_function_directory_defines_its_entry_point(directory: str) -> None:
    main = ROOT / "functions" / directory / "main.py"
    if not main.exists():
        pytest.skip(f"functions/{directory}/main.py is not written yet")
    names = {
        node.name for node in ast.parse(main.read_text()).body if isinstance(node, ast.FunctionDef)
    }
    assert directory in names, f"functions/{directory}/main.py defines no {directory}()"
    assert (main.parent / "requirements.txt").exists()


# --- Mutations: break one thing in a copy, the check that guards it must say so ---------------


def _function(m: Model, entry_point: str) -> dict:
    return m.resources[FUNCTION][functions(m)[entry_point][0]]


def _service(m: Model, entry_point: str) -> dict:
    return first(_function(m, entry_point), "service_config")


def _drop_secret_env(m: Model, entry_point: str, key: str) -> None:
    service = _service(m, entry_point)
    service["secret_environment_variables"] = [
        b for b in service["secret_environment_variables"] if b["key"] != key
    ]


def _make_openai_key_plain(m: Model) -> None:
    _drop_secret_env(m, "responder", "OPENAI_API_KEY")
    _service(m, "responder")["environment_variables"]["OPENAI_API_KEY"] = "${var.openai_api_key}"


def _read_wrong_secret(m: Model) -> None:
    for block in _service(m, "responder")["secret_environment_variables"]:
        if block["key"] == "OPENAI_API_KEY":
            block["secret"] = '${google_secret_manager_secret.secret["slack-bot-token"].secret_id}'


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


MUTATIONS = [
    # (check, mutation, what the check must report)
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
            topic="${google_pubsub_topic.uploads.name}",
            role="roles/pubsub.publisher",
            member="serviceAccount:${google_service_account.responder.email}",
        ),
        "sa:responder has roles/pubsub.publisher on google_pubsub_topic.uploads",
    ),
    (
        "grants",
        _delete("google_storage_bucket_iam_member", "responder_reader"),
        "sa:responder lacks roles/storage.objectUser on google_storage_bucket.files",
    ),
    (
        "function env",
        lambda m: _drop_secret_env(m, "responder", "OPENAI_API_KEY"),
        "responder: OPENAI_API_KEY is read by the code but not set",
    ),
    ("function env", _make_openai_key_plain, "secret OPENAI_API_KEY is a plain"),
    ("function env", _read_wrong_secret, "OPENAI_API_KEY is not read from secret 'openai-api-key'"),
    (
        "function env",
        lambda m: _service(m, "ingress")["environment_variables"].update(OPENAI_MODEL="x"),
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
        lambda m: _service(m, "responder")["environment_variables"].update(
            FILES_BUCKET="${google_storage_bucket.uploads.name}"
        ),
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
        "claims TTL",
        _set(("google_firestore_field", "event_claims_ttl", "field"), "created_at"),
        "no TTL policy on event_claims.expires_at",
    ),
    (
        "APIs",
        _set(
            ("google_project_service", "apis", "for_each"),
            '${toset(["cloudfunctions.googleapis.com", "run.googleapis.com"])}',
        ),
        "API pubsub.googleapis.com is not enabled",
    ),
]


@pytest.mark.parametrize(
    ("check", "mutate", "expected"),
    MUTATIONS,
    ids=[re.sub(r"\W+", "-", expected)[:60] for _, _, expected in MUTATIONS],
)
def test_check_reports_the_breakage(
    model: Model, check: str, mutate: Callable[[Model], None], expected: str
) -> None:
    broken = copy.deepcopy(model)
    mutate(broken)
    problems = CHECKS[check](broken)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace("      - chat:write", ""), "manifest lacks bot scope chat:write"),
        (
            lambda t: t.replace("      - files:write", "      - files:write\n      - users:read"),
            "asks for bot scope users:read",
        ),
        (lambda t: t.replace("      - message.im", ""), "bot_events differ"),
        (
            lambda t: t.replace("socket_mode_enabled: false", "socket_mode_enabled: true"),
            "socket_mode_enabled must be false",
        ),
        (
            lambda t: t.replace("${jsonencode(request_url)}", "https://example.com"),
            "request_url is not filled",
        ),
        (lambda t: t + "\n# ${team_id}\n", "uses ${team_id} but output slack_app_manifest"),
    ],
)
def test_manifest_check_reports_the_breakage(
    model: Model, edit: Callable[[str], str], expected: str
) -> None:
    problems = config_checks.check_manifest(
        model, edit(MANIFEST.read_text()), BOT_SCOPES, BOT_EVENTS
    )
    assert any(expected in problem for problem in problems), problems
