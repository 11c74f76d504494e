"""Ways to break the documents path on purpose (issue 12), one per check that must notice.

Each entry is (check name, mutation of a parsed copy, text the check must report).
"""

from __future__ import annotations

from tests.terraform.hcl_model import Model, first

__all__ = ["KNOWLEDGE_MUTATIONS"]

NOTIFICATION = ("google_storage_notification", "knowledge")
INDEX = ("google_firestore_index", "knowledge_chunks_vector")


def _body(m: Model, address: tuple[str, str]) -> dict:
    return m.resources[address[0]][address[1]]


def _vector(m: Model) -> dict:
    return first(_body(m, INDEX)["fields"][-1], "vector_config")


KNOWLEDGE_MUTATIONS = [
    (
        "knowledge notification",
        lambda m: _body(m, NOTIFICATION).update(event_types=["OBJECT_FINALIZE"]),
        "event_types must be exactly ['OBJECT_DELETE', 'OBJECT_FINALIZE']",
    ),
    (
        "knowledge notification",
        lambda m: _body(m, NOTIFICATION).update(payload_format="NONE"),
        "payload_format must be JSON_API_V1",
    ),
    (
        "knowledge notification",
        lambda m: _body(m, NOTIFICATION).pop("object_name_prefix"),
        'object_name_prefix must be "knowledge/"',
    ),
    (
        "knowledge notification",
        lambda m: _body(m, NOTIFICATION).update(topic="${google_pubsub_topic.uploads.id}"),
        "does not publish to google_pubsub_topic.knowledge",
    ),
    (
        "knowledge notification",
        lambda m: m.resources["google_pubsub_topic_iam_member"].pop("storage_agent_publisher"),
        "the Cloud Storage service agent may not publish to google_pubsub_topic.knowledge",
    ),
    (
        "knowledge notification",
        lambda m: _body(m, NOTIFICATION).pop("depends_on"),
        "can be created before google_pubsub_topic_iam_member.storage_agent_publisher",
    ),
    (
        "grants",
        lambda m: m.resources["google_storage_bucket_iam_member"]["indexer_reader"].update(
            for_each='${toset(["roles/storage.objectUser"])}'
        ),
        "sa:indexer has roles/storage.objectUser on google_storage_bucket.knowledge",
    ),
    (
        "secret access",
        lambda m: m.resources["google_secret_manager_secret_iam_member"]["indexer"].update(
            for_each='${toset(["openai-api-key", "slack-bot-token"])}'
        ),
        "sa:indexer can read google_secret_manager_secret.secret[slack-bot-token]",
    ),
    (
        "buckets",
        lambda m: m.resources["google_storage_bucket"]["knowledge"].update(
            public_access_prevention="inherited"
        ),
        'bucket knowledge: public_access_prevention is not "enforced"',
    ),
    (
        "push subscriptions",
        lambda m: first(
            m.resources["google_pubsub_subscription"]["knowledge_push"], "push_config"
        ).pop("oidc_token"),
        "knowledge_push sends no OIDC token",
    ),
    (
        "push subscriptions",
        lambda m: m.resources["google_pubsub_subscription"]["knowledge_push"].pop(
            "dead_letter_policy"
        ),
        "knowledge_push: no dead_letter_policy",
    ),
    (
        "dead-letter IAM",
        lambda m: m.resources["google_pubsub_subscription"].pop("knowledge_dead_letter"),
        "google_pubsub_topic.knowledge_dead_letter has no pull subscription",
    ),
    (
        "vector index",
        lambda m: _body(m, INDEX)["fields"].pop(0),
        "fields ['__name__', 'embedding'], expected ['set', '__name__', 'embedding']",
    ),
    (
        "vector index",
        lambda m: _body(m, INDEX)["fields"].pop(1),  # Terraform would recreate it every apply
        "fields ['set', 'embedding'], expected",
    ),
    (
        "vector index",
        lambda m: _vector(m).update(dimension=1536),
        "dimension differs from indexer's EMBEDDING_DIMENSIONS",
    ),
    (
        "vector index",
        lambda m: _body(m, INDEX).update(collection="chunks"),
        "knowledge_chunks: 0 vector indexes, expected 1",
    ),
    (
        "function env",
        lambda m: m.locals["indexer_env"].pop("KNOWLEDGE_BUCKET"),
        "indexer: KNOWLEDGE_BUCKET is read by the code but not set",
    ),
    (
        "defaults match code",
        lambda m: m.variables["embedding_dimensions"].update(default=1536),
        "EMBEDDING_DIMENSIONS defaults to 1536 in Terraform, 512 in the code",
    ),
    (
        "knowledge TTL",
        lambda m: m.resources["google_firestore_field"].pop("knowledge_documents_ttl"),
        "no TTL policy on knowledge_documents.expires_at",
    ),
]
