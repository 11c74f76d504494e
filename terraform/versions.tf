terraform {
  # 1.11+: write-only arguments, so the placeholder secret versions (secrets.tf) never put
  # their value into the state.
  required_version = ">= 1.11"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 6.23 added secret_data_wo to google_secret_manager_secret_version. Every resource and
      # attribute used here was checked against 6.50, the newest 6.x.
      version = "~> 6.23"
    }
    # For google_project_service_identity alone: no GA release has it (apis.tf says why it is
    # needed). Kept on the same versions as google.
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 6.23"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
    # time_sleep: the two waits for Google's eventual consistency (apis.tf, iam.tf).
    time = {
      source  = "hashicorp/time"
      version = "~> 0.12"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}
