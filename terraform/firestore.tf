resource "google_firestore_database" "main" {
  name        = var.firestore_database
  location_id = local.firestore_location
  type        = "FIRESTORE_NATIVE"

  # Conversation history outlives the deployment unless asked otherwise: by default
  # `terraform destroy` only forgets the database (ABANDON) and delete protection stays on.
  # To delete it: apply with delete_firestore_on_destroy = true, then destroy with it.
  deletion_policy         = var.delete_firestore_on_destroy ? "DELETE" : "ABANDON"
  delete_protection_state = var.delete_firestore_on_destroy ? "DELETE_PROTECTION_DISABLED" : "DELETE_PROTECTION_ENABLED"

  depends_on = [time_sleep.apis_enabled]
}

# Event claims (assistant/answer/claims.py) only matter while Slack and Pub/Sub can redeliver; a TTL
# policy deletes each one after its `expires_at` (within about a day of it).
resource "google_firestore_field" "event_claims_ttl" {
  database   = google_firestore_database.main.name
  collection = "event_claims"
  field      = "expires_at"

  ttl_config {}

  # No single-field index on the TTL timestamp: nothing queries it, and an index on an
  # ever-increasing timestamp would only add write cost.
  index_config {}
}

# Stop requests (assistant/answer/stop_store.py) matter while their answer streams; the TTL
# policy deletes them after their `expires_at` (a week later, like the claims).
resource "google_firestore_field" "answer_stops_ttl" {
  database   = google_firestore_database.main.name
  collection = "answer_stops"
  field      = "expires_at"

  ttl_config {}

  index_config {}
}

# Per-person rate-limit windows (assistant/usage/rate.py) matter for a minute; the TTL policy
# deletes them after their `expire_at` (a day later).
resource "google_firestore_field" "rate_limits_ttl" {
  database   = google_firestore_database.main.name
  collection = "rate_limits"
  field      = "expire_at"

  ttl_config {}

  index_config {}
}

# Per-person code-run slots (assistant/executor/slots.py) matter while the runs go; the TTL
# policy deletes a person's document after its `expire_at` (a day after their last run's end).
resource "google_firestore_field" "executor_runs_ttl" {
  database   = google_firestore_database.main.name
  collection = "executor_runs"
  field      = "expire_at"

  ttl_config {}

  index_config {}
}

# Retrieval (assistant/retrieval/index.py): the nearest chunks among the allowed document sets.
# The set is the pre-filter, so a search scans (and bills) only its sets' entries; __name__ is
# written out because the API adds it and would otherwise show a change on every plan.
resource "google_firestore_index" "knowledge_chunks_vector" {
  database    = google_firestore_database.main.name
  collection  = "knowledge_chunks"
  query_scope = "COLLECTION"

  fields {
    field_path = "set"
    order      = "ASCENDING"
  }

  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }

  fields {
    field_path = "embedding"
    vector_config {
      dimension = var.embedding_dimensions
      flat {}
    }
  }
}

# A chunk's text is only ever read, never queried: no single-field index to pay for on writes.
resource "google_firestore_field" "knowledge_chunks_text" {
  database   = google_firestore_database.main.name
  collection = "knowledge_chunks"
  field      = "text"

  index_config {}
}

# Tombstones of deleted documents only matter while late notifications can arrive.
resource "google_firestore_field" "knowledge_documents_ttl" {
  database   = google_firestore_database.main.name
  collection = "knowledge_documents"
  field      = "expires_at"

  ttl_config {}

  index_config {}
}

# Tool calls that may write, waiting for the asker's click (assistant/approvals/store.py): the
# scheduler's sweep finds those past `expires_at` that are still pending; the TTL policy
# deletes each a week after it expired (`delete_at`), once no late click can come for it.
resource "google_firestore_index" "pending_calls_expired" {
  database    = google_firestore_database.main.name
  collection  = "pending_calls"
  query_scope = "COLLECTION"

  fields {
    field_path = "state"
    order      = "ASCENDING"
  }

  fields {
    field_path = "expires_at"
    order      = "ASCENDING"
  }

  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}

resource "google_firestore_field" "pending_calls_ttl" {
  database   = google_firestore_database.main.name
  collection = "pending_calls"
  field      = "delete_at"

  ttl_config {}

  index_config {}
}
