# The four Cloud Run functions (2nd gen). Sizing, in short: ingress is tiny and must answer
# fast; the responder waits on OpenAI and Slack most of the time, so one vCPU serves several
# streams at once; the files function holds whole files in memory while it mirrors them.
# More than one concurrent request per instance needs a whole vCPU (available_cpu = "1").

resource "google_cloudfunctions2_function" "ingress" {
  name        = local.ingress_function_name
  location    = var.region
  description = "Slack Events API endpoint: verify the signature, publish the mention, ack within 3 s."

  build_config {
    runtime         = "python312"
    entry_point     = "ingress"
    service_account = google_service_account.builder.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source["ingress"].name
      }
    }
  }

  service_config {
    service_account_email = google_service_account.ingress.email
    # Slack gives 3 s to ack and a Python cold start can take most of that: keep one warm
    # instance (var.ingress_min_instances; about the cost of 256 MiB idling all month).
    min_instance_count = var.ingress_min_instances
    max_instance_count = var.ingress_max_instances
    # Verify an HMAC, publish one small message: light, short, highly concurrent.
    available_memory                 = "256Mi"
    available_cpu                    = "1"
    max_instance_request_concurrency = local.function_concurrency.ingress
    timeout_seconds                  = 30
    # Slack calls from the internet and cannot present a Google identity; requests are
    # authenticated by their Slack signature instead (allUsers invoker below).
    ingress_settings               = "ALLOW_ALL"
    all_traffic_on_latest_revision = true

    environment_variables = { for name, value in local.ingress_env : name => value if value != "" }

    secret_volumes {
      mount_path = "/etc/secrets/slack-signing-secret"
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret["slack-signing-secret"].secret_id
      versions {
        version = "latest"
        path    = "value"
      }
    }
  }

  depends_on = [
    time_sleep.iam_propagated,
    google_secret_manager_secret_version.placeholder,
  ]
}

resource "google_cloudfunctions2_function" "responder" {
  name        = "${var.name_prefix}-responder"
  location    = var.region
  description = "Pub/Sub push (mentions): claim the event, trim history, stream the OpenAI answer into Slack."

  build_config {
    runtime         = "python312"
    entry_point     = "responder"
    service_account = google_service_account.builder.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source["responder"].name
      }
    }
  }

  service_config {
    service_account_email = google_service_account.responder.email
    min_instance_count    = 0
    max_instance_count    = var.responder_max_instances
    # I/O-bound: an answer is mostly waiting for streamed tokens, so 8 answers share one vCPU.
    # 512 MiB holds the tiktoken tables, the gRPC clients and 8 threads' history.
    available_memory                 = "512Mi"
    available_cpu                    = "1"
    max_instance_request_concurrency = local.function_concurrency.responder
    # Above the response time budget, below the push deadline (ack_deadline_seconds = 600).
    timeout_seconds                = local.responder_timeout_seconds
    ingress_settings               = var.worker_ingress_settings
    all_traffic_on_latest_revision = true

    environment_variables = { for name, value in local.responder_env : name => value if value != "" }

    secret_volumes {
      mount_path = "/etc/secrets/slack-bot-token"
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret["slack-bot-token"].secret_id
      versions {
        version = "latest"
        path    = "value"
      }
    }

    secret_volumes {
      mount_path = "/etc/secrets/openai-api-key"
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret["openai-api-key"].secret_id
      versions {
        version = "latest"
        path    = "value"
      }
    }

    # MCP servers' header values (assistant/mcp/client.py reads the file on each call).
    secret_volumes {
      mount_path = "/etc/secrets/mcp-headers"
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret["mcp-headers"].secret_id
      versions {
        version = "latest"
        path    = "value"
      }
    }

    # Brave Search's key (assistant/config.py SecretOnUse reads the file when a search may be
    # offered).
    secret_volumes {
      mount_path = "/etc/secrets/web-search-api-key"
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret["web-search-api-key"].secret_id
      versions {
        version = "latest"
        path    = "value"
      }
    }
  }

  lifecycle {
    precondition {
      # The holder renews its claim every third of the lease on a timer, so the lease need not
      # outlast an answer, only a few beats (Firestore and network pauses included).
      condition = (
        var.claim_lease_seconds >= 15 &&
        var.response_time_budget_seconds < local.responder_timeout_seconds &&
        local.responder_timeout_seconds <= local.push_ack_deadline_seconds
      )
      error_message = "Need claim_lease_seconds >= 15, and response_time_budget_seconds < the responder timeout <= the push ack deadline (600 s)."
    }
  }

  depends_on = [
    time_sleep.iam_propagated,
    google_project_iam_member.responder,
    google_secret_manager_secret_version.placeholder,
  ]
}

resource "google_cloudfunctions2_function" "files" {
  name        = "${var.name_prefix}-files"
  location    = var.region
  description = "Pub/Sub push (uploads): mirror a mention's Slack files into the files bucket, then publish it to mentions."

  build_config {
    runtime         = "python312"
    entry_point     = "files"
    service_account = google_service_account.builder.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source["files"].name
      }
    }
  }

  service_config {
    service_account_email = google_service_account.files.email
    min_instance_count    = 0
    max_instance_count    = var.files_max_instances
    # Up to 5 files of 20 MB each, held in memory while uploaded and while text is extracted
    # from PDFs: 1 GiB for 2 messages at once.
    available_memory                 = "1Gi"
    available_cpu                    = "1"
    max_instance_request_concurrency = local.function_concurrency.files
    timeout_seconds                  = local.files_timeout_seconds
    ingress_settings                 = var.worker_ingress_settings
    all_traffic_on_latest_revision   = true

    environment_variables = { for name, value in local.files_env : name => value if value != "" }

    secret_volumes {
      mount_path = "/etc/secrets/slack-bot-token"
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret["slack-bot-token"].secret_id
      versions {
        version = "latest"
        path    = "value"
      }
    }
  }

  lifecycle {
    precondition {
      condition     = local.files_timeout_seconds <= local.push_ack_deadline_seconds
      error_message = "The files function must time out before the push ack deadline (600 s)."
    }
  }

  depends_on = [
    time_sleep.iam_propagated,
    google_storage_bucket_iam_member.files_writer,
    google_secret_manager_secret_version.placeholder,
  ]
}

resource "google_cloudfunctions2_function" "indexer" {
  name        = "${var.name_prefix}-indexer"
  location    = var.region
  description = "Pub/Sub push (knowledge): index a document of the knowledge bucket (chunks and vectors in Firestore), or remove it."

  build_config {
    runtime         = "python312"
    entry_point     = "indexer"
    service_account = google_service_account.builder.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source["indexer"].name
      }
    }
  }

  service_config {
    service_account_email = google_service_account.indexer.email
    min_instance_count    = 0
    max_instance_count    = var.indexer_max_instances
    # A document (up to max_file_bytes) and its extracted text, chunks and vectors in memory;
    # a 500-page PDF is parsed in about a second per 100 pages: two at once per instance.
    available_memory                 = "1Gi"
    available_cpu                    = "1"
    max_instance_request_concurrency = local.function_concurrency.indexer
    timeout_seconds                  = local.indexer_timeout_seconds
    ingress_settings                 = var.worker_ingress_settings
    all_traffic_on_latest_revision   = true

    environment_variables = { for name, value in local.indexer_env : name => value if value != "" }

    secret_volumes {
      mount_path = "/etc/secrets/openai-api-key"
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret["openai-api-key"].secret_id
      versions {
        version = "latest"
        path    = "value"
      }
    }
  }

  lifecycle {
    precondition {
      condition     = local.indexer_timeout_seconds <= local.push_ack_deadline_seconds
      error_message = "The indexer must time out before the push ack deadline (600 s)."
    }
  }

  depends_on = [
    time_sleep.iam_propagated,
    google_project_iam_member.indexer,
    google_storage_bucket_iam_member.indexer_reader,
    google_secret_manager_secret_version.placeholder,
  ]
}

# --- Who may call which function ---------------------------------------------------------------
# Invoker grants are on the Cloud Run service behind each function, named by the function's
# service_config[0].service: that is unknown while a function is being replaced (its name would
# not be), so a replaced function, whose new service starts with no grants, gets them again in
# the same apply.

# Slack must reach ingress without Google credentials. (An organization policy restricting
# sharing to your domain blocks this grant; the project needs an exception for it.)
resource "google_cloud_run_v2_service_iam_member" "ingress_public" {
  location = google_cloudfunctions2_function.ingress.location
  name     = google_cloudfunctions2_function.ingress.service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# Only the push subscriptions' identity may call the workers.
resource "google_cloud_run_v2_service_iam_member" "push_invoker" {
  for_each = {
    responder = google_cloudfunctions2_function.responder.service_config[0].service
    files     = google_cloudfunctions2_function.files.service_config[0].service
    indexer   = google_cloudfunctions2_function.indexer.service_config[0].service
  }

  location = var.region
  name     = each.value
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.push_invoker.email}"
}
