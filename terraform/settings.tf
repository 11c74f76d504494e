# Settings per workspace and channel (config/assistant.yaml), deployed as one Cloud Storage
# object that the responder re-reads within var.settings_refresh_seconds: an edit takes effect
# after `terraform apply` (or `gcloud storage cp` to settings_uri) with no function redeploy.
# A file the responder cannot validate is refused with an error log and the last good
# settings stay; the precondition below catches what can be caught before it is uploaded.

locals {
  settings_file = "${local.repo_root}/config/assistant.yaml"
  settings_uri  = "gs://${google_storage_bucket.settings.name}/${google_storage_bucket_object.settings.name}"
}

resource "google_storage_bucket" "settings" {
  name                        = "${var.project_id}-${var.name_prefix}-settings"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true # holds only a copy of a file in the repository

  # Earlier versions of the file stay, to see or restore what was in force.
  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      num_newer_versions = 20
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  soft_delete_policy {
    retention_duration_seconds = 0
  }

  depends_on = [time_sleep.apis_enabled]
}

resource "google_storage_bucket_object" "settings" {
  # A fixed name, unlike the source zips: the responder reads it by this name.
  name         = "assistant.yaml"
  bucket       = google_storage_bucket.settings.name
  content      = file(local.settings_file)
  content_type = "application/yaml"

  lifecycle {
    precondition {
      condition = alltrue([
        for key in keys(coalesce(yamldecode(file(local.settings_file)), {})) :
        contains(["defaults", "workspaces", "channels", "prices"], key)
      ])
      error_message = "config/assistant.yaml: top-level keys must be defaults, workspaces, channels or prices."
    }
  }
}
