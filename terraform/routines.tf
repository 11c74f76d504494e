# Routines (assistant/routines/): Cloud Scheduler -> routines -> responder (…/routines), which
# publishes each due slot -> routine-runs -> responder (…/routine-runs), which runs it once.

# --- The tick: every minute, published by an account that may publish there and nowhere else ----

resource "google_service_account" "scheduler" {
  account_id   = "${var.name_prefix}-scheduler"
  display_name = "Slack assistant routine scheduler"
  description  = "Publishes the routines tick every minute (Cloud Scheduler); nothing else."

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic_iam_member" "scheduler_publisher" {
  topic  = google_pubsub_topic.routines.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.scheduler.email}"
}

# An HTTP target calling Pub/Sub's publish method with the scheduler account's OAuth token: a
# Pub/Sub target would publish as Cloud Scheduler's service agent, which cannot be narrowed
# to one topic.
resource "google_cloud_scheduler_job" "routines_tick" {
  name             = "${var.name_prefix}-routines-tick"
  description      = "Ticks the routines topic; the responder runs the routines that are due."
  region           = var.region
  schedule         = "* * * * *"
  time_zone        = "Etc/UTC"
  attempt_deadline = "30s"

  retry_config {
    retry_count = 0 # a missed tick is made up by the next one, a minute later
  }

  http_target {
    http_method = "POST"
    uri         = "https://pubsub.googleapis.com/v1/${google_pubsub_topic.routines.id}:publish"
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode(jsonencode({ messages = [{ data = base64encode("tick") }] }))

    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/pubsub"
    }
  }

  depends_on = [google_pubsub_topic_iam_member.scheduler_publisher]
}

# --- Topics -----------------------------------------------------------------------------------

resource "google_pubsub_topic" "routines" {
  name = "${var.name_prefix}-routines"

  # A tick is worth a minute: an old one would only repeat what the next one does.
  message_retention_duration = "600s"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic" "routines_dead_letter" {
  name = "${var.name_prefix}-routines-dead-letter"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic" "routine_runs" {
  name = "${var.name_prefix}-routine-runs"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic" "routine_runs_dead_letter" {
  name = "${var.name_prefix}-routine-runs-dead-letter"

  depends_on = [time_sleep.apis_enabled]
}

# A click on a routine's Confirm / Cancel: ingress -> routine-actions -> responder.
resource "google_pubsub_topic" "routine_actions" {
  name = "${var.name_prefix}-routine-actions"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic" "routine_actions_dead_letter" {
  name = "${var.name_prefix}-routine-actions-dead-letter"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic_iam_member" "ingress_routine_actions_publisher" {
  topic  = google_pubsub_topic.routine_actions.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.ingress.email}"
}

resource "google_pubsub_topic_iam_member" "responder_routine_runs_publisher" {
  # Each due slot of a tick is published as its own run.
  topic  = google_pubsub_topic.routine_runs.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.responder.email}"
}

# --- Push delivery to the responder -----------------------------------------------------------

resource "google_pubsub_subscription" "routines_push" {
  name  = "${var.name_prefix}-routines-to-responder"
  topic = google_pubsub_topic.routines.id

  ack_deadline_seconds       = local.push_ack_deadline_seconds
  enable_message_ordering    = false # ticks carry no ordering key
  message_retention_duration = "600s"

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.responder.service_config[0].uri}/routines"

    oidc_token {
      service_account_email = google_service_account.push_invoker.email
      audience              = google_cloudfunctions2_function.responder.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "60s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.routines_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_cloud_run_v2_service_iam_member.push_invoker,
    google_service_account_iam_member.pubsub_agent_token_creator,
  ]
}

resource "google_pubsub_subscription" "routine_runs_push" {
  name  = "${var.name_prefix}-routine-runs-to-responder"
  topic = google_pubsub_topic.routine_runs.id

  # A run reads a window and calls the model: the responder's whole time budget.
  ack_deadline_seconds       = local.push_ack_deadline_seconds
  enable_message_ordering    = false # each slot stands alone; its slot record orders runs
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.responder.service_config[0].uri}/routine-runs"

    oidc_token {
      service_account_email = google_service_account.push_invoker.email
      audience              = google_cloudfunctions2_function.responder.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.routine_runs_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_cloud_run_v2_service_iam_member.push_invoker,
    google_service_account_iam_member.pubsub_agent_token_creator,
  ]
}

resource "google_pubsub_subscription" "routine_actions_push" {
  name  = "${var.name_prefix}-routine-actions-to-responder"
  topic = google_pubsub_topic.routine_actions.id

  ack_deadline_seconds       = local.push_ack_deadline_seconds
  enable_message_ordering    = false # each click stands alone
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.responder.service_config[0].uri}/routine-actions"

    oidc_token {
      service_account_email = google_service_account.push_invoker.email
      audience              = google_cloudfunctions2_function.responder.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.routine_actions_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_cloud_run_v2_service_iam_member.push_invoker,
    google_service_account_iam_member.pubsub_agent_token_creator,
  ]
}

# --- Dead letters, kept a week; the Pub/Sub service agent may move them -------------------------

resource "google_pubsub_subscription" "routines_dead_letter" {
  name  = "${var.name_prefix}-routines-dead-letter-sub"
  topic = google_pubsub_topic.routines_dead_letter.id

  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "routine_runs_dead_letter" {
  name  = "${var.name_prefix}-routine-runs-dead-letter-sub"
  topic = google_pubsub_topic.routine_runs_dead_letter.id

  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "routine_actions_dead_letter" {
  name  = "${var.name_prefix}-routine-actions-dead-letter-sub"
  topic = google_pubsub_topic.routine_actions_dead_letter.id

  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_topic_iam_member" "pubsub_agent_routines_dead_letter_publisher" {
  for_each = {
    routines        = google_pubsub_topic.routines_dead_letter.id
    routine_runs    = google_pubsub_topic.routine_runs_dead_letter.id
    routine_actions = google_pubsub_topic.routine_actions_dead_letter.id
  }

  topic  = each.value
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${local.pubsub_service_agent}"

  depends_on = [time_sleep.iam_propagated]
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_routines_dead_letter_subscriber" {
  for_each = {
    routines        = google_pubsub_subscription.routines_push.id
    routine_runs    = google_pubsub_subscription.routine_runs_push.id
    routine_actions = google_pubsub_subscription.routine_actions_push.id
  }

  subscription = each.value
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${local.pubsub_service_agent}"

  depends_on = [time_sleep.iam_propagated]
}

# --- Firestore: the due-query and the slot records --------------------------------------------

# RoutineStore.due: state == "active" and next_run <= now, ordered by next_run.
resource "google_firestore_index" "routines_due" {
  database    = google_firestore_database.main.name
  collection  = "routines"
  query_scope = "COLLECTION"

  fields {
    field_path = "state"
    order      = "ASCENDING"
  }

  fields {
    field_path = "next_run"
    order      = "ASCENDING"
  }

  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}

# One record per (routine, slot) makes each slot run once; it matters while a tick or a push
# can still come for it, and the TTL policy deletes it after its `expires_at`.
resource "google_firestore_field" "routine_slots_ttl" {
  database   = google_firestore_database.main.name
  collection = "routine_slots"
  field      = "expires_at"

  ttl_config {}

  index_config {}
}
