"""docs/deploy.md against the configuration: the route without Owner must be able to apply it.

Setting IAM on a topic, a subscription, a bucket, a secret or a Cloud Run service takes that
service's admin role (Editor has none of the setIamPolicy permissions), so the check maps each
resource type to the predefined roles that can create it and set its IAM.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from tests.terraform.hcl_model import Model

__all__ = ["DEPLOYER_ROLES", "check_deployer_roles"]

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
    "terraform_data": frozenset({"roles/cloudbuild.builds.editor", "roles/iam.serviceAccountUser"}),
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
