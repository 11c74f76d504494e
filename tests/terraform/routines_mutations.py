"""Ways to break the routines' scheduling on purpose (routines_checks.py must notice)."""

from __future__ import annotations

from tests.terraform.hcl_model import Model, first

__all__ = ["ROUTINES_MUTATIONS"]

_JOB = "google_cloud_scheduler_job"


def _job(m: Model) -> dict:
    return m.resources[_JOB]["routines_tick"]


def _hourly(m: Model) -> None:
    _job(m)["schedule"] = "0 * * * *"


def _publish_elsewhere(m: Model) -> None:
    http = first(_job(m), "http_target")
    http["uri"] = http["uri"].replace("routines.id", "mentions.id")


def _as_the_responder(m: Model) -> None:
    token = first(first(_job(m), "http_target"), "oauth_token")
    token["service_account_email"] = "${google_service_account.responder.email}"


def _drop_index(m: Model) -> None:
    del m.resources["google_firestore_index"]["routines_due"]


def _grant_the_scheduler_mentions(m: Model) -> None:
    grant = m.resources["google_pubsub_topic_iam_member"]["scheduler_publisher"]
    grant["topic"] = "${google_pubsub_topic.mentions.id}"


ROUTINES_MUTATIONS = [
    ("routines tick", _hourly, "not every minute"),
    ("routines tick", _publish_elsewhere, "does not call Pub/Sub's publish"),
    ("routines tick", _as_the_responder, "does not publish as google_service_account.scheduler"),
    ("routines due index", _drop_index, "no Firestore index on routines"),
    ("grants", _grant_the_scheduler_mentions, "sa:scheduler has roles/pubsub.publisher on"),
]
