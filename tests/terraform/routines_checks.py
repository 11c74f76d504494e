"""Checks of the routines' scheduling: one job ticking the routines topic every minute as its
own account, and the Firestore index the due-query needs. Each returns a list of problems;
routines_mutations.py breaks each on purpose."""

from __future__ import annotations

from tests.terraform.hcl_model import Model, first, references, target

__all__ = ["check_due_index", "check_routines_tick"]

JOB = "google_cloud_scheduler_job"
TOPIC = "google_pubsub_topic.routines"
ACCOUNT = "google_service_account.scheduler"


def check_routines_tick(model: Model) -> list[str]:
    """Every minute, publishing to the routines topic with the scheduler account's token."""
    jobs = model.of_type(JOB)
    if len(jobs) != 1:
        return [f"{len(jobs)} {JOB} resources, expected 1 (the routines tick)"]
    ((name, body),) = jobs.items()
    label = f"{JOB}.{name}"
    problems = []
    if body.get("schedule") != "* * * * *":
        problems.append(f"{label}: schedule is {body.get('schedule')!r}, not every minute")
    http = first(body, "http_target")
    uri = str(http.get("uri", ""))
    if target(uri) != TOPIC or not uri.endswith(":publish"):
        problems.append(f"{label}: does not call Pub/Sub's publish on {TOPIC}")
    token = first(http, "oauth_token")
    if target(token.get("service_account_email")) != ACCOUNT:
        problems.append(f"{label}: does not publish as {ACCOUNT}")
    if first(body, "pubsub_target"):
        problems.append(f"{label}: a pubsub_target publishes as Cloud Scheduler's own agent")
    return problems


def check_due_index(model: Model, collection: str) -> list[str]:
    """A composite index on `collection`: state (equality) then next_run (range, order)."""
    for name, body in model.of_type("google_firestore_index").items():
        if body.get("collection") != collection:
            continue
        fields = [field.get("field_path") for field in body.get("fields") or []]
        if fields[:2] == ["state", "next_run"]:
            if "google_firestore_database.main" not in references(str(body))["resource"]:
                return [f"google_firestore_index.{name} is not in the main database"]
            return []
    return [f"no Firestore index on {collection} (state, next_run) for the due-query"]
