# Mirrored Slack files: gs://<bucket>/<team>/<channel>/<thread_ts>/<file_id>/<name>
resource "google_storage_bucket" "files" {
  name                        = "${var.project_id}-${var.name_prefix}-files"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.files_bucket_force_destroy

  lifecycle_rule {
    condition {
      age = var.file_retention_days
    }
    action {
      type = "Delete"
    }
  }

  # Soft delete (on by default, 7 days) would keep every deleted copy of a Slack file, and bill
  # for it, a week past its retention or a workspace's request to delete it: off.
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  depends_on = [time_sleep.apis_enabled]
}

# Function source zips, named by content hash.
resource "google_storage_bucket" "source" {
  name                        = "${var.project_id}-${var.name_prefix}-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true # only build inputs; every zip can be made again from the repo

  # gcloud's copies of the executor's zip, made for each image build (executor.tf): a build
  # reads its copy within minutes, nothing reads it later.
  lifecycle_rule {
    condition {
      age            = 1
      matches_prefix = ["${local.build_staging_prefix}/"]
    }
    action {
      type = "Delete"
    }
  }

  # Every apply that changes a function replaces its zip; keeping the old ones would only cost.
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  depends_on = [time_sleep.apis_enabled]
}

# functions/<name>/ at the zip root plus assistant/, the layout `functions-framework` runs
# locally. Only text files can go through `source` blocks; file() fails loudly on anything else.
data "archive_file" "source" {
  for_each = local.function_files

  type             = "zip"
  output_path      = "${path.module}/build/${each.key}.zip"
  output_file_mode = "0644" # same bytes, hence the same hash, on every machine

  dynamic "source" {
    for_each = each.value
    content {
      filename = source.key
      content  = file(source.value)
    }
  }
}

resource "google_storage_bucket_object" "source" {
  for_each = data.archive_file.source

  # Named by content: an unchanged function keeps its object, so apply does not rebuild it.
  name   = "${each.key}-${each.value.output_sha256}.zip"
  bucket = google_storage_bucket.source.name
  source = each.value.output_path

  lifecycle {
    create_before_destroy = true
  }
}

# The organisation's documents for grounded answers: gs://<bucket>/knowledge/<set>/<file>.
# `gcloud storage cp -r ./handbook gs://BUCKET/knowledge/` adds a set; `gcloud storage rm`
# removes a document. Private like the files bucket; no versioning, so an overwrite replaces
# the object (its notification names the new generation; the old one's delete follows).
resource "google_storage_bucket" "knowledge" {
  name                        = "${var.project_id}-${var.name_prefix}-knowledge"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.knowledge_bucket_force_destroy

  # A deleted document must leave the answers, and the bucket, when it is deleted.
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  depends_on = [time_sleep.apis_enabled]
}

# Every object finalized (created, overwritten) or deleted under knowledge/ is announced on
# the knowledge topic, with the object's resource as the message (JSON_API_V1).
resource "google_storage_notification" "knowledge" {
  bucket             = google_storage_bucket.knowledge.name
  payload_format     = "JSON_API_V1"
  topic              = google_pubsub_topic.knowledge.id
  event_types        = ["OBJECT_FINALIZE", "OBJECT_DELETE"]
  object_name_prefix = "knowledge/"

  # Cloud Storage checks at creation that its service agent may publish to the topic.
  depends_on = [google_pubsub_topic_iam_member.storage_agent_publisher]
}

# The project's Cloud Storage service agent, which publishes the notifications (reading it
# also makes Google create the agent when it does not exist yet).
data "google_storage_project_service_account" "storage_agent" {
  # Read after the APIs' wait (local.project_id_after_apis), without depends_on: see locals.tf.
  project = local.project_id_after_apis
}
