"""docs/deploy.md against the configuration: the route without Owner must be able to apply it.

Setting IAM on a topic, a subscription, a bucket, a secret or a Cloud Run service takes that
service's admin role (Editor has none of the setIamPolicy permissions), so the check maps each
resource type to the predefined roles that can create it and set its IAM.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from tests.terraform.hcl_model import Model, Unresolvable, expand

__all__ = [
    "DEPLOYER_ROLES",
    "check_deploy_doc_names",
    "check_deployer_roles",
    "check_owner_free_grants",
    "deployed_names",
]

SERVICE_USAGE = "roles/serviceusage.serviceUsageAdmin"
PUBSUB = "roles/pubsub.admin"
STORAGE = "roles/storage.admin"
SECRETS = "roles/secretmanager.admin"
ACCOUNTS = "roles/iam.serviceAccountAdmin"
PROJECT_IAM = "roles/resourcemanager.projectIamAdmin"

# Resource (or data source) type -> roles whose permissions cover creating it, setting its IAM,
# and (functions) acting as the service accounts it runs and builds as.
DEPLOYER_ROLES: Mapping[str, frozenset[str]] = {
    "archive_file": frozenset(),
    "time_sleep": frozenset(),
    "google_project": frozenset({PROJECT_IAM}),  # resourcemanager.projects.get
    "google_project_service": frozenset({SERVICE_USAGE}),
    "google_project_service_identity": frozenset({SERVICE_USAGE}),
    "google_project_iam_member": frozenset({PROJECT_IAM}),
    "google_service_account": frozenset({ACCOUNTS}),
    "google_service_account_iam_member": frozenset({ACCOUNTS}),
    "google_pubsub_topic": frozenset({PUBSUB}),
    "google_pubsub_topic_iam_member": frozenset({PUBSUB}),
    "google_pubsub_subscription": frozenset({PUBSUB}),
    "google_pubsub_subscription_iam_member": frozenset({PUBSUB}),
    "google_storage_bucket": frozenset({STORAGE}),
    "google_storage_bucket_object": frozenset({STORAGE}),
    "google_storage_bucket_iam_member": frozenset({STORAGE}),
    "google_secret_manager_secret": frozenset({SECRETS}),
    "google_secret_manager_secret_version": frozenset({SECRETS}),
    "google_secret_manager_secret_iam_member": frozenset({SECRETS}),
    "google_firestore_database": frozenset({"roles/datastore.owner"}),
    "google_firestore_field": frozenset({"roles/datastore.owner"}),
    "google_firestore_index": frozenset({"roles/datastore.owner"}),
    "google_storage_notification": frozenset({STORAGE, PUBSUB}),
    "google_storage_project_service_account": frozenset({STORAGE}),
    "google_cloudfunctions2_function": frozenset(
        {"roles/cloudfunctions.admin", "roles/iam.serviceAccountUser"}
    ),
    "google_cloud_run_v2_service_iam_member": frozenset({"roles/run.admin"}),
    # The code executor (executor.tf): an image built with Cloud Build, a network without egress.
    "google_cloud_run_v2_service": frozenset({"roles/run.admin", "roles/iam.serviceAccountUser"}),
    "google_artifact_registry_repository": frozenset({"roles/artifactregistry.admin"}),
    # gcloud builds submit: submit as the builder, and follow its log (Cloud Logging only).
    "terraform_data": frozenset(
        {"roles/cloudbuild.builds.editor", "roles/iam.serviceAccountUser", "roles/logging.viewer"}
    ),
    "google_compute_network": frozenset({"roles/compute.networkAdmin"}),
    "google_compute_subnetwork": frozenset({"roles/compute.networkAdmin"}),
    "google_compute_firewall": frozenset({"roles/compute.securityAdmin"}),
    # The routines tick (routines.tf): it runs as the scheduler's own account.
    "google_cloud_scheduler_job": frozenset(
        {"roles/cloudscheduler.admin", "roles/iam.serviceAccountUser"}
    ),
}

HEADING = "### Without Owner"


def check_deployer_roles(model: Model, deploy_doc: str) -> list[str]:
    """The docs' non-Owner role list covers every resource type the configuration uses."""
    match = re.search(rf"^{re.escape(HEADING)}\n(.*?)(?=^#)", deploy_doc, re.M | re.S)
    if match is None:
        return [f"docs/deploy.md has no {HEADING!r} section listing the roles that can apply it"]
    listed = set(re.findall(r"`(roles/[\w.]+)`", match[1]))
    problems = []
    kinds = set(model.resources) | set(model.data)
    for kind in sorted(kinds):
        if kind not in DEPLOYER_ROLES:
            problems.append(f"no deployer role is known for {kind}: add it to DEPLOYER_ROLES")
            continue
        for role in sorted(DEPLOYER_ROLES[kind] - listed):
            problems.append(f"docs/deploy.md's route without Owner lacks {role} (for {kind})")
    needed = set().union(*(DEPLOYER_ROLES.get(k, frozenset()) for k in kinds))
    for role in sorted(listed - needed):
        problems.append(f"docs/deploy.md's route without Owner lists {role}, which nothing needs")
    if re.search(r"`roles/(editor|owner)`", match[1]):
        problems.append("docs/deploy.md's route without Owner names a basic role")
    return problems


# --- What docs/deploy.md says the stack is, against what terraform/ deploys ----------------

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
# Attributes holding the name a resource takes in the project.
_NAME_ATTRIBUTES = ("name", "account_id", "secret_id", "repository_id")
INTRO_END = "## 1."
PICTURE = re.compile(r"What it creates, in one picture:\n+```\n(.*?)```", re.S)
DEAD_LETTERS = re.compile(r"^Dead letters:(.*?)\n\n", re.M | re.S)


def deployed_names(model: Model) -> dict[str, set[str]]:
    """Resource type -> the names (after `name_prefix-`) its instances take in the project."""
    prefix = str(model.variables.get("name_prefix", {}).get("default", ""))
    names: dict[str, set[str]] = {}
    for kind, named in model.resources.items():
        for _, body in named.items():
            try:
                instances = [instance for _, instance in expand(body)]
            except Unresolvable:  # for_each over another resource: named like it, or by hash
                instances = [body]
            for instance in instances:
                for attribute in _NAME_ATTRIBUTES:
                    value = instance.get(attribute)
                    if not isinstance(value, str):
                        continue
                    value = value.replace("${var.name_prefix}", prefix)
                    value = value.replace("${local.ingress_function_name}", f"{prefix}-ingress")
                    match = re.search(rf"{re.escape(prefix)}-([a-z0-9-]+)$", value)
                    if match:
                        names.setdefault(kind, set()).add(match[1])
                    break
    return names


def check_deploy_doc_names(model: Model, deploy_doc: str) -> list[str]:
    """docs/deploy.md names what terraform/ deploys, all of it and nothing else.

    The introduction counts and names the functions, buckets and secrets; the picture shows
    every topic's path; the dead-letter paragraph names every dead-letter topic; and every
    `<name_prefix>-...` name anywhere in the text is one the configuration gives something.
    """
    prefix = str(model.variables.get("name_prefix", {}).get("default", ""))
    names = deployed_names(model)
    problems = []
    everything = set().union(*names.values())
    for name in sorted(
        set(re.findall(rf"\b{re.escape(prefix)}-([a-z0-9-]*[a-z0-9])(?![a-z0-9$-])", deploy_doc))
    ):
        if name not in everything:
            problems.append(
                f"docs/deploy.md names {prefix}-{name}, which terraform/ does not create"
            )
    intro = deploy_doc.split(INTRO_END)[0]
    functions = names.get("google_cloudfunctions2_function", set())
    problems += _counted(intro, r"the\s+(\w+)\s+Cloud\s+Run\s+functions", "functions", functions)
    secrets = names.get("google_secret_manager_secret", set())
    problems += _counted(intro, r"(\w+)\s+Secret\s+Manager\s+secrets", "secrets", secrets)
    listed_functions = re.search(r"Cloud\s+Run\s+functions\s*\((?:2nd gen:\s*)?([^)]*)\)", intro)
    named = set(re.split(r",\s*|\s+and\s+", listed_functions[1])) if listed_functions else set()
    if named != functions:
        problems.append(
            f"docs/deploy.md's introduction names the functions {sorted(named)}, "
            f"terraform/ deploys {sorted(functions)}"
        )
    buckets = names.get("google_storage_bucket", set())
    listed = re.search(r"the ([\w ,\n]+?)\s+buckets", intro)
    shown = set(re.split(r",\s*|\s+and\s+", listed[1].strip())) if listed else set()
    if shown != buckets:
        problems.append(
            f"docs/deploy.md's introduction lists the buckets {sorted(shown)}, "
            f"terraform/ creates {sorted(buckets)}"
        )
    topics = names.get("google_pubsub_topic", set())
    dead = {t.removesuffix("-dead-letter") for t in topics if t.endswith("-dead-letter")}
    picture = PICTURE.search(deploy_doc)
    for topic in sorted(topics - {f"{t}-dead-letter" for t in dead}):
        if picture is None or f"topic {topic}" not in picture[1]:
            problems.append(f"docs/deploy.md's picture does not show the path of topic {topic}")
    paragraph = DEAD_LETTERS.search(deploy_doc)
    for topic in sorted(dead):
        if paragraph is None or not re.search(rf"`?\b{topic}\b`?", paragraph[1]):
            problems.append(f"docs/deploy.md's dead letters do not name {topic}-dead-letter")
    return problems


def _counted(text: str, pattern: str, what: str, deployed: set[str]) -> list[str]:
    match = re.search(pattern, text)
    if match is None:
        return [f"docs/deploy.md's introduction does not say how many {what} there are"]
    if _NUMBERS.get(match[1].lower()) != len(deployed):
        return [f"docs/deploy.md says {match[1]} {what}; terraform/ deploys {len(deployed)}"]
    return []


def check_owner_free_grants(deploy_doc: str) -> list[str]:
    """The route without Owner grants, in its commands, every role its list names."""
    match = re.search(rf"^{re.escape(HEADING)}\n(.*?)(?=^#)", deploy_doc, re.M | re.S)
    listed = set(re.findall(r"`roles/([\w.]+)`", match[1])) if match else set()
    loop = re.search(r"for role in (.*?); do", deploy_doc, re.S)
    granted = set(loop[1].replace("\\", " ").split()) if loop else set()
    problems = [
        f"the route without Owner lists roles/{r} but its commands do not grant it"
        for r in sorted(listed - granted)
    ]
    problems += [
        f"the route without Owner grants roles/{r}, which its list does not name"
        for r in sorted(granted - listed)
    ]
    if not loop:
        problems.append("docs/deploy.md has no `for role in ...; do` loop granting the roles")
    return problems
