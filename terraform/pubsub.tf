# ingress -> uploads -> files -> mentions -> responder (ingress publishes straight to mentions
# when a message has no files). Each topic is delivered by one push subscription, in order
# per thread, with a dead-letter topic behind it. Apart from them: the knowledge bucket's
# notifications -> knowledge -> indexer.

resource "google_pubsub_topic" "mentions" {
  name = "${var.name_prefix}-mentions"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic" "uploads" {
  name = "${var.name_prefix}-uploads"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic" "knowledge" {
  name = "${var.name_prefix}-knowledge"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic" "mentions_dead_letter" {
  name = "${var.name_prefix}-mentions-dead-letter"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic" "uploads_dead_letter" {
  name = "${var.name_prefix}-uploads-dead-letter"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic" "knowledge_dead_letter" {
  name = "${var.name_prefix}-knowledge-dead-letter"

  depends_on = [time_sleep.apis_enabled]
}

# --- Push delivery to the functions -----------------------------------------------------------

resource "google_pubsub_subscription" "mentions_push" {
  name  = "${var.name_prefix}-mentions-to-responder"
  topic = google_pubsub_topic.mentions.id

  # For push, the ack deadline is also the request timeout: the responder must answer sooner.
  ack_deadline_seconds = local.push_ack_deadline_seconds
  # Two mentions in one thread are answered in order (ingress sets one ordering key per thread).
  enable_message_ordering    = true
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = google_cloudfunctions2_function.responder.service_config[0].uri

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
    dead_letter_topic     = google_pubsub_topic.mentions_dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = "" # never expire, however quiet the workspace
  }

  depends_on = [
    google_cloud_run_v2_service_iam_member.push_invoker,
    google_service_account_iam_member.pubsub_agent_token_creator,
  ]
}

resource "google_pubsub_subscription" "uploads_push" {
  name  = "${var.name_prefix}-uploads-to-files"
  topic = google_pubsub_topic.uploads.id

  ack_deadline_seconds       = local.push_ack_deadline_seconds
  enable_message_ordering    = true
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = google_cloudfunctions2_function.files.service_config[0].uri

    oidc_token {
      service_account_email = google_service_account.push_invoker.email
      audience              = google_cloudfunctions2_function.files.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.uploads_dead_letter.id
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

resource "google_pubsub_subscription" "knowledge_push" {
  name  = "${var.name_prefix}-knowledge-to-indexer"
  topic = google_pubsub_topic.knowledge.id

  ack_deadline_seconds       = local.push_ack_deadline_seconds
  message_retention_duration = "604800s"
  # No ordering: notifications carry no ordering key, and the indexer orders versions by their
  # object generation instead (assistant/retrieval/generations.py).
  enable_message_ordering = false

  push_config {
    push_endpoint = google_cloudfunctions2_function.indexer.service_config[0].uri

    oidc_token {
      service_account_email = google_service_account.push_invoker.email
      audience              = google_cloudfunctions2_function.indexer.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.knowledge_dead_letter.id
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

# --- Dead letters, kept a week for inspection ---------------------------------------------------
# gcloud pubsub subscriptions pull slack-assistant-mentions-dead-letter-sub --limit=10

resource "google_pubsub_subscription" "mentions_dead_letter" {
  name  = "${var.name_prefix}-mentions-dead-letter-sub"
  topic = google_pubsub_topic.mentions_dead_letter.id

  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "uploads_dead_letter" {
  name  = "${var.name_prefix}-uploads-dead-letter-sub"
  topic = google_pubsub_topic.uploads_dead_letter.id

  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "knowledge_dead_letter" {
  name  = "${var.name_prefix}-knowledge-dead-letter-sub"
  topic = google_pubsub_topic.knowledge_dead_letter.id

  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}

# --- What the Pub/Sub service agent needs to dead-letter -------------------------------------
# It publishes the failed message to the dead-letter topic and acks it on the source
# subscription; without both grants messages are redelivered forever instead. Granted on ids,
# so a replaced topic or subscription gets them again (iam.tf), and only once the agent exists.

resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letter_publisher" {
  for_each = {
    mentions  = google_pubsub_topic.mentions_dead_letter.id
    uploads   = google_pubsub_topic.uploads_dead_letter.id
    feedback  = google_pubsub_topic.feedback_dead_letter.id
    knowledge = google_pubsub_topic.knowledge_dead_letter.id
    assistant = google_pubsub_topic.assistant_events_dead_letter.id
  }

  topic  = each.value
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${local.pubsub_service_agent}"

  depends_on = [time_sleep.iam_propagated]
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_dead_letter_subscriber" {
  for_each = {
    mentions  = google_pubsub_subscription.mentions_push.id
    uploads   = google_pubsub_subscription.uploads_push.id
    feedback  = google_pubsub_subscription.feedback_push.id
    knowledge = google_pubsub_subscription.knowledge_push.id
    assistant = google_pubsub_subscription.assistant_events_push.id
  }

  subscription = each.value
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${local.pubsub_service_agent}"

  depends_on = [time_sleep.iam_propagated]
}

# --- Feedback clicks: ingress -> feedback -> responder (…/feedback) ----------------------------
# Ingress, open to the internet, only publishes; the responder, which already holds Firestore
# access, records the click. So ingress needs no Firestore role.

resource "google_pubsub_topic" "feedback" {
  name = "${var.name_prefix}-feedback"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic" "feedback_dead_letter" {
  name = "${var.name_prefix}-feedback-dead-letter"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_subscription" "feedback_push" {
  name  = "${var.name_prefix}-feedback-to-responder"
  topic = google_pubsub_topic.feedback.id

  # The responder's timeout applies to this path too, so the same push deadline.
  ack_deadline_seconds       = local.push_ack_deadline_seconds
  enable_message_ordering    = true # no ordering key is set: each click stands alone
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.responder.service_config[0].uri}/feedback"

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
    dead_letter_topic     = google_pubsub_topic.feedback_dead_letter.id
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

resource "google_pubsub_subscription" "feedback_dead_letter" {
  name  = "${var.name_prefix}-feedback-dead-letter-sub"
  topic = google_pubsub_topic.feedback_dead_letter.id

  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}

# --- The bot's DM opened: ingress -> assistant-events -> responder (…/assistant-events) --------
# app_home_opened (Messages tab) or a legacy assistant_thread_started. Ingress has no bot token,
# so the responder sets the DM's suggested prompts (assistant.threads.setSuggestedPrompts).

resource "google_pubsub_topic" "assistant_events" {
  name = "${var.name_prefix}-assistant-events"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_topic" "assistant_events_dead_letter" {
  name = "${var.name_prefix}-assistant-events-dead-letter"

  depends_on = [time_sleep.apis_enabled]
}

resource "google_pubsub_subscription" "assistant_events_push" {
  name  = "${var.name_prefix}-assistant-events-to-responder"
  topic = google_pubsub_topic.assistant_events.id

  ack_deadline_seconds       = local.push_ack_deadline_seconds
  enable_message_ordering    = true # no ordering key is set: each opening stands alone
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.responder.service_config[0].uri}/assistant-events"

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
    dead_letter_topic     = google_pubsub_topic.assistant_events_dead_letter.id
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

resource "google_pubsub_subscription" "assistant_events_dead_letter" {
  name  = "${var.name_prefix}-assistant-events-dead-letter-sub"
  topic = google_pubsub_topic.assistant_events_dead_letter.id

  message_retention_duration = "604800s"
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}

# --- What the Cloud Storage service agent needs to notify -------------------------------------

resource "google_pubsub_topic_iam_member" "storage_agent_publisher" {
  topic  = google_pubsub_topic.knowledge.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${data.google_storage_project_service_account.storage_agent.email_address}"

  depends_on = [time_sleep.iam_propagated]
}
