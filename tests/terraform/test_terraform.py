"""Static checks of terraform/ (the google provider cannot be downloaded here, so no plan).

Every check is a pure function of the parsed configuration. Each one passes on the real
configuration and, in the mutation tests, reports a copy broken on purpose: a check that
could not fail would prove nothing.
"""

from __future__ import annotations

import ast
import copy
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.config import ENV_BY_FUNCTION, RUNTIME_ENV, SECRET_ENV, SECRET_PLACEHOLDER
from assistant.settings_registry import ENV_SETTINGS
from assistant.topics import TOPICS
from tests.terraform import (
    apply_checks,
    build_checks,
    config_checks,
    docs_checks,
    executor_checks,
    hygiene_checks,
    iam_checks,
    knowledge_checks,
    plan_checks,
    routines_checks,
    runtime_checks,
    settings_checks,
    topics_checks,
)
from tests.terraform.deploy_mutations import DEPLOY_DOC_EDITS, DEPLOY_MUTATIONS
from tests.terraform.executor_mutations import EXECUTOR_MUTATIONS
from tests.terraform.hcl_model import Model, load
from tests.terraform.mutations import DOC_MUTATIONS
from tests.terraform.mutations import MUTATIONS as FUNCTION_MUTATIONS
from tests.terraform.routines_mutations import ROUTINES_MUTATIONS
from tests.terraform.topics_mutations import TOPICS_MUTATIONS
from tests.terraform.wiring import FUNCTION

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
MANIFEST = ROOT / "slack" / "manifest.yaml.tftpl"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
SETTINGS_FILE = ROOT / "config" / "assistant.yaml"

FUNCTION_DIRS = sorted(
    p.name for p in (ROOT / "functions").iterdir() if p.is_dir() and p.name != "__pycache__"
)
# Deployed from a container image (executor.tf, executor_checks.py), not by Cloud Functions.
IMAGE_DIRS = sorted(
    name for name in FUNCTION_DIRS if (ROOT / "functions" / name / "Dockerfile").exists()
)
# Which function consumes which topic (assistant/topics.py), by the topic's resource name.
HANDLERS = {topic.resource: topic.function for topic in TOPICS}
UNORDERED = frozenset(topic.resource for topic in TOPICS if not topic.ordered_subscription)
MUTATIONS = [
    *FUNCTION_MUTATIONS, *EXECUTOR_MUTATIONS, *TOPICS_MUTATIONS, *DEPLOY_MUTATIONS,
    *ROUTINES_MUTATIONS,
]  # fmt: skip
# The defaults a Terraform variable feeding a setting must have (assistant/settings_registry.py).
CODE_DEFAULTS = {name: setting.default for name, setting in ENV_SETTINGS.items()}
REQUIRED_APIS = {
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "compute.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
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
        ("google_pubsub_topic.feedback", "roles/pubsub.publisher"),
        ("google_pubsub_topic.assistant_events", "roles/pubsub.publisher"),
        ("google_pubsub_topic.routine_actions", "roles/pubsub.publisher"),
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
        ("google_storage_bucket.settings", "roles/storage.objectViewer"),
        (f"{_SECRET}[slack-bot-token]", _ACCESSOR),
        (f"{_SECRET}[openai-api-key]", _ACCESSOR),
        (f"{_SECRET}[mcp-headers]", _ACCESSOR),
        (f"{_SECRET}[web-search-api-key]", _ACCESSOR),
        ("google_pubsub_topic.mentions_dead_letter", "roles/pubsub.publisher"),
        # A follow-up with files goes to the files function (answer/responder.py).
        ("google_pubsub_topic.uploads", "roles/pubsub.publisher"),
        # An answer's continuation after an Approve or Deny (assistant/approvals/clicks.py).
        ("google_pubsub_topic.mentions", "roles/pubsub.publisher"),
        ("google_cloud_run_v2_service.executor", "roles/run.invoker"),
        # Each due routine slot of a tick is published as its own run (routines.tf).
        ("google_pubsub_topic.routine_runs", "roles/pubsub.publisher"),
    },
    # Cloud Scheduler's tick: publishing to the routines topic is all it may do.
    "sa:scheduler": {("google_pubsub_topic.routines", "roles/pubsub.publisher")},
    "sa:indexer": {
        ("project", "roles/datastore.user"),
        ("google_storage_bucket.knowledge", "roles/storage.objectViewer"),
        (f"{_SECRET}[openai-api-key]", _ACCESSOR),
    },
    "sa:executor": set(),  # the code it runs must reach nothing
    "sa:push_invoker": {
        (f"{FUNCTION}.responder", "roles/run.invoker"),
        (f"{FUNCTION}.files", "roles/run.invoker"),
        (f"{FUNCTION}.indexer", "roles/run.invoker"),
    },
    "storage-agent": {("google_pubsub_topic.knowledge", "roles/pubsub.publisher")},
    "sa:builder": {
        ("project", "roles/logging.logWriter"),
        ("project", "roles/artifactregistry.writer"),
        # The condition (Cloud Functions' source bucket only) is checked by "builder storage".
        ("project if condition", "roles/storage.objectAdmin"),
        ("google_storage_bucket.source", "roles/storage.objectViewer"),
    },
    "pubsub-agent": {
        ("google_pubsub_topic.mentions_dead_letter", "roles/pubsub.publisher"),
        ("google_pubsub_topic.uploads_dead_letter", "roles/pubsub.publisher"),
        ("google_pubsub_topic.feedback_dead_letter", "roles/pubsub.publisher"),
        ("google_pubsub_subscription.mentions_push", "roles/pubsub.subscriber"),
        ("google_pubsub_subscription.uploads_push", "roles/pubsub.subscriber"),
        ("google_pubsub_subscription.feedback_push", "roles/pubsub.subscriber"),
        ("google_pubsub_topic.knowledge_dead_letter", "roles/pubsub.publisher"),
        ("google_pubsub_subscription.knowledge_push", "roles/pubsub.subscriber"),
        ("google_pubsub_topic.assistant_events_dead_letter", "roles/pubsub.publisher"),
        ("google_pubsub_subscription.assistant_events_push", "roles/pubsub.subscriber"),
        ("google_pubsub_topic.routines_dead_letter", "roles/pubsub.publisher"),
        ("google_pubsub_subscription.routines_push", "roles/pubsub.subscriber"),
        ("google_pubsub_topic.routine_runs_dead_letter", "roles/pubsub.publisher"),
        ("google_pubsub_subscription.routine_runs_push", "roles/pubsub.subscriber"),
        ("google_pubsub_topic.routine_actions_dead_letter", "roles/pubsub.publisher"),
        ("google_pubsub_subscription.routine_actions_push", "roles/pubsub.subscriber"),
        ("google_service_account.push_invoker", "roles/iam.serviceAccountTokenCreator"),
    },
}
BOT_SCOPES = {
    "app_mentions:read",
    "assistant:write",
    "chat:write",
    "chat:write.customize",
    "channels:history",
    "groups:history",
    "im:history",
    "mpim:history",
    "files:read",
    "files:write",
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
    "users:read",
    "search:read.public",
    "search:read.private",
    "search:read.im",
    "search:read.mpim",
}
BOT_EVENTS = {
    "app_mention",
    "message.im",
    "message.channels",
    "message.groups",
    "app_home_opened",
    "assistant_thread_started",
}
# Inputs that end up in names, URLs or a manifest: values each validation must accept / refuse.
NAME_INPUTS = {
    "project_id": (
        ["my-project-123", "abcdef", "a" + "b" * 29],
        [
            "example.com:my-project",  # domain-scoped: no valid bucket name or URL host
            "My-Project",  # a project's display name
            "123456789012",  # its number
            "my_project",
            "abcde",
            "a" * 31,
            "project-",
            "googly-eyes-1",  # bucket names may not start with "goog"
            "my-google-project",  # ... nor contain "google"
        ],
    ),
    "region": (
        ["us-central1", "europe-west1", "northamerica-northeast1"],
        ["us-central1-a", "US-CENTRAL1", "us", "nam5", ""],
    ),
    "name_prefix": (["slack-assistant", "abc"], ["Slack", "ab", "x" * 18, "-abc", "abc-"]),
    "firestore_database": (
        ["(default)", "slack-assistant", "abcd"],
        ["Slack", "abc", "db_1", "-abcd", "(other)"],
    ),
    "slack_app_name": (["Thread Assistant", "A"], ["", "   ", "x" * 36]),
}


def _claims_collection() -> str:
    """COLLECTION from assistant/answer/claim_store.py, read without importing Firestore."""
    return _constant("answer/claim_store.py", "COLLECTION")


def _constant(module: str, name: str) -> str:
    """A string constant of assistant/<module>, read without importing it."""
    tree = ast.parse((ROOT / "assistant" / module).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"assistant/{module} defines no {name}")


CHECKS: dict[str, Callable[[Model], list[str]]] = {
    "function per directory": lambda m: config_checks.check_function_per_directory(
        m, sorted(set(FUNCTION_DIRS) - set(IMAGE_DIRS))
    ),
    "function env": lambda m: config_checks.check_function_env(
        m, {name: env | RUNTIME_ENV for name, env in ENV_BY_FUNCTION.items()}, SECRET_ENV
    ),
    "defaults match code": lambda m: config_checks.check_defaults_match_code(m, CODE_DEFAULTS),
    "grants": lambda m: iam_checks.check_grants(m, EXPECTED_GRANTS),
    "secret access": iam_checks.check_secret_access,
    "public access": iam_checks.check_public_access,
    "push subscriptions": lambda m: iam_checks.check_push_subscriptions(m, HANDLERS, UNORDERED),
    "topics": lambda m: topics_checks.check_topics(m, TOPICS),
    "dead-letter IAM": iam_checks.check_dead_letter_iam,
    "buckets": config_checks.check_buckets,
    "source objects": config_checks.check_source_objects,
    "references": config_checks.check_references,
    "variables documented": config_checks.check_variables_documented,
    "claims TTL": lambda m: config_checks.check_ttl_field(m, _claims_collection(), "expires_at"),
    "rate limit TTL": lambda m: config_checks.check_ttl_field(m, "rate_limits", "expire_at"),
    "stops TTL": lambda m: config_checks.check_ttl_field(
        m, _constant("answer/stop_store.py", "STOPS_COLLECTION"), "expires_at"
    ),
    "settings file": lambda m: settings_checks.check_settings_file(m, SETTINGS_FILE),
    "APIs": lambda m: config_checks.check_apis(m, REQUIRED_APIS),
    "Slack manifest": lambda m: config_checks.check_manifest(
        m, MANIFEST.read_text(), BOT_SCOPES, BOT_EVENTS
    ),
    # A first apply on a fresh project (issue 16).
    "placeholders": lambda m: apply_checks.check_placeholders(m, SECRET_PLACEHOLDER),
    "versions": apply_checks.check_versions,
    "API wait": apply_checks.check_api_wait,
    "IAM wait": apply_checks.check_iam_wait,
    "Pub/Sub agent": apply_checks.check_pubsub_agent,
    "bindings follow replacement": apply_checks.check_bindings_follow_replacement,
    "deployer roles": lambda m: docs_checks.check_deployer_roles(m, DEPLOY_DOC.read_text()),
    "name prefix": hygiene_checks.check_name_prefix,
    "env never empty": hygiene_checks.check_env_never_empty,
    "builder storage": hygiene_checks.check_builder_storage,
    "name inputs validated": lambda m: hygiene_checks.check_name_inputs(m, NAME_INPUTS),
    # Answers from the organisation's documents (issue 12).
    "knowledge notification": knowledge_checks.check_knowledge_notification,
    "vector index": lambda m: knowledge_checks.check_vector_index(
        m, _constant("retrieval/index.py", "CHUNKS"), "EMBEDDING_DIMENSIONS"
    ),
    "knowledge TTL": lambda m: config_checks.check_ttl_field(
        m, _constant("retrieval/index.py", "DOCUMENTS"), "expires_at"
    ),
    # The code executor (issue 13).
    "executor identity": executor_checks.check_executor_identity,
    "executor invokers": executor_checks.check_executor_invokers,
    "executor isolation": executor_checks.check_executor_isolation,
    "executor no egress": executor_checks.check_executor_no_egress,
    "executor build": executor_checks.check_executor_build,
    "executor wiring": executor_checks.check_executor_wiring,
    "threads": runtime_checks.check_threads,
    # Routines (issue 25).
    "routines tick": routines_checks.check_routines_tick,
    "routines due index": lambda m: routines_checks.check_due_index(
        m, _constant("routines/store.py", "ROUTINES")
    ),
    "routine slots TTL": lambda m: config_checks.check_ttl_field(
        m, _constant("routines/store.py", "SLOTS"), "expires_at"
    ),
    "preconditions hold by default": runtime_checks.check_preconditions,
    # A first deploy, a second plan and a teardown that get through (issue 24).
    "image build source": build_checks.check_image_build_source,
    "image cleanup": build_checks.check_image_cleanup,
    "executor billing": build_checks.check_executor_billing,
    "Direct VPC names": plan_checks.check_direct_vpc_names,
    "data sources read at plan": plan_checks.check_data_sources_read_at_plan,
}
# Checks of the configuration against docs/deploy.md: run on the real text here, and on edited
# copies in test_doc_check_reports_the_breakage.
DOC_CHECKS: dict[str, Callable[[Model, str], list[str]]] = {
    "teardown": plan_checks.check_teardown,
    "deploy doc names": docs_checks.check_deploy_doc_names,
    "owner-free grants": lambda _, doc: docs_checks.check_owner_free_grants(doc),
}
CHECKS.update(
    {name: lambda m, c=check: c(m, DEPLOY_DOC.read_text()) for name, check in DOC_CHECKS.items()}
)


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


# --- Mutations (tests/terraform/mutations.py): the check that guards each must say so ------


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
        (lambda t: t.replace("      - users:read", ""), "manifest lacks bot scope users:read"),
        (
            lambda t: t.replace(
                "      - files:write", "      - files:write\n      - users:read.email"
            ),
            "asks for bot scope users:read.email",
        ),
        (lambda t: t.replace("      - message.im", ""), "bot_events differ"),
        (lambda t: t.replace("  agent_view:", "  assistant_view:"), "agent_view with an"),
        (lambda t: t.replace("      - assistant:write", ""), "lacks bot scope assistant:write"),
        (lambda t: t.replace("      - users:read", ""), "lacks bot scope users:read"),
        (lambda t: t.replace("      - app_home_opened", ""), "bot_events differ"),
        (
            lambda t: t.replace("socket_mode_enabled: false", "socket_mode_enabled: true"),
            "socket_mode_enabled must be false",
        ),
        (
            lambda t: t.replace("${jsonencode(interactivity_url)}", "https://example.com/i"),
            "interactivity request_url is not filled",
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


@pytest.mark.parametrize(("edit", "expected"), DOC_MUTATIONS, ids=[e for _, e in DOC_MUTATIONS])
def test_deployer_roles_check_reports_the_breakage(
    model: Model, edit: Callable[[str], str], expected: str
) -> None:
    problems = docs_checks.check_deployer_roles(model, edit(DEPLOY_DOC.read_text()))
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "text",
    ["channels: {C1: {colour: blue}}\n", "defaults: [1, 2]\n", "budgets: {}\n", "a: [\n"],
)
def test_settings_check_refuses_a_file_that_does_not_validate(model: Model, text: str) -> None:
    problems = settings_checks.check_settings_file(model, SETTINGS_FILE, text)
    assert any("assistant.yaml does not validate" in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("check", "edit", "expected"), DEPLOY_DOC_EDITS, ids=[e for _, _, e in DEPLOY_DOC_EDITS]
)
def test_doc_check_reports_the_breakage(
    model: Model, check: str, edit: Callable[[str], str], expected: str
) -> None:
    problems = DOC_CHECKS[check](model, edit(DEPLOY_DOC.read_text()))
    assert any(expected in problem for problem in problems), problems
