"""Checks of the documents path: bucket -> notification -> knowledge topic -> indexer, and the
Firestore vector index the responder's searches need. Each returns a list of problems."""

from __future__ import annotations

from tests.terraform.hcl_model import Model, first, references, target
from tests.terraform.wiring import environment, functions, iam_bindings

__all__ = ["check_knowledge_notification", "check_vector_index"]

BUCKET = "google_storage_bucket.knowledge"
TOPIC = "google_pubsub_topic.knowledge"
EVENTS = {"OBJECT_FINALIZE", "OBJECT_DELETE"}


def check_knowledge_notification(model: Model) -> list[str]:
    """Finalize and delete under knowledge/, as JSON_API_V1, to a topic the agent may publish to."""
    notifications = [
        (name, body)
        for name, body in model.of_type("google_storage_notification").items()
        if target(body.get("bucket")) == BUCKET
    ]
    if len(notifications) != 1:
        return [f"{BUCKET}: {len(notifications)} notifications, expected 1"]
    name, body = notifications[0]
    label = f"google_storage_notification.{name}"
    problems = []
    if body.get("payload_format") != "JSON_API_V1":
        problems.append(
            f"{label}: payload_format must be JSON_API_V1 (the indexer reads the object)"
        )
    if set(body.get("event_types") or []) != EVENTS:
        problems.append(f"{label}: event_types must be exactly {sorted(EVENTS)}")
    if body.get("object_name_prefix") != "knowledge/":
        problems.append(f'{label}: object_name_prefix must be "knowledge/"')
    if target(body.get("topic")) != TOPIC:
        problems.append(f"{label}: does not publish to {TOPIC}")
    bindings, errors = iam_bindings(model)
    publishers = [
        g for g in bindings
        if (g.target, g.role, g.principal) == (TOPIC, "roles/pubsub.publisher", "storage-agent")
    ]  # fmt: skip
    if not publishers:
        problems.append(f"the Cloud Storage service agent may not publish to {TOPIC}")
    waits = {target(d) for d in body.get("depends_on", [])}
    for grant in publishers:
        if grant.source.split("[")[0] not in waits:
            problems.append(f"{label} can be created before {grant.source} (creation would fail)")
    return problems + errors


def check_vector_index(model: Model, collection: str, dimensions_env: str) -> list[str]:
    """The chunks' vector index: the set as pre-filter, __name__, then the vector, sized like
    the vectors the functions write and ask with."""
    indexes = [
        (name, body)
        for name, body in model.of_type("google_firestore_index").items()
        if body.get("collection") == collection
        and any(first(f, "vector_config") for f in body.get("fields", []))
    ]
    if len(indexes) != 1:
        return [f"{collection}: {len(indexes)} vector indexes, expected 1"]
    name, body = indexes[0]
    label = f"google_firestore_index.{name}"
    problems = []
    fields = body.get("fields", [])
    paths = [f.get("field_path") for f in fields]
    if paths != ["set", "__name__", "embedding"]:
        problems.append(f"{label}: fields {paths}, expected ['set', '__name__', 'embedding']")
    vector = first(fields[-1], "vector_config") if fields else {}
    if "flat" not in vector:
        problems.append(f"{label}: the vector field needs a flat index")
    size = references(str(vector.get("dimension")))["var"]
    for entry_point, (_, function) in sorted(functions(model).items()):
        env = environment(model, first(function, "service_config"))
        if dimensions_env in env and references(str(env[dimensions_env]))["var"] != size:
            problems.append(f"{label}: dimension differs from {entry_point}'s {dimensions_env}")
    if not size:
        problems.append(f"{label}: dimension is not the variable the functions' vectors follow")
    return problems
