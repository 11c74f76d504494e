# The code executor (functions/executor): runs the model's Python in a bubblewrap sandbox.
#
# Buildpacks (Cloud Run functions) cannot apt-install bubblewrap or fonts, so the executor is a
# Cloud Run service from a container image that this apply builds with Cloud Build, from a zip
# of functions/executor/ (its Dockerfile runs setup-runtime.sh, the same script that builds
# the local runtime the tests use). Its identity has no roles; only the responder may invoke
# it; one request per instance; all its traffic goes into a subnet with no route out (no
# Cloud NAT, no Private Google Access) and a deny-all egress rule says so explicitly.

# functions/executor/ at the zip root, plus the one module of assistant/ it imports.
data "archive_file" "executor" {
  type             = "zip"
  output_path      = "${path.module}/build/executor-image.zip"
  output_file_mode = "0644"

  dynamic "source" {
    for_each = local.executor_files
    content {
      filename = source.key
      content  = file(source.value)
    }
  }
}

resource "google_storage_bucket_object" "executor_source" {
  name   = "executor-image-${data.archive_file.executor.output_sha256}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.executor.output_path

  lifecycle {
    create_before_destroy = true
  }
}

resource "google_artifact_registry_repository" "executor" {
  repository_id = "${var.name_prefix}-executor"
  location      = var.region
  format        = "DOCKER"
  description   = "The code executor's image, tagged with the content hash of its source."

  # Every change of functions/executor/ pushes a new image (a few hundred MB): keep the newest
  # few (the deployed one and some to roll back to), delete the rest after a week.
  cleanup_policy_dry_run = false
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 3
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      tag_state  = "ANY"
      older_than = "604800s"
    }
  }

  depends_on = [time_sleep.apis_enabled]
}

# Builds the image once per source hash, as the builder service account (roles in iam.tf).
# Terraform has no resource that runs a build, so this calls gcloud from the machine applying
# (docs/deploy.md: prerequisites, and what is verified offline and what is not).
#
# `gcloud builds submit gs://...zip` first copies the object into a staging directory and the
# build fetches that copy, as the builder. The default staging directory is the bucket
# <project>_cloudbuild, where the builder has no access (and which Terraform does not own), so
# the copy goes under local.build_staging_prefix in the source bucket: the builder may read it
# (builder_source_zips in iam.tf), and a lifecycle rule there deletes the copies (storage.tf).
#
# The values reach the shell as environment variables and the command quotes each one, so no
# value is ever parsed as shell syntax. GOOGLE_IMPERSONATE_SERVICE_ACCOUNT, which the google
# provider reads (docs/deploy.md, without Owner), is passed on to gcloud, which does not.
resource "terraform_data" "executor_image" {
  triggers_replace = [local.executor_image]

  provisioner "local-exec" {
    command = <<-EOT
      gcloud builds submit "$SOURCE" \
        --project="$PROJECT" \
        --region="$REGION" \
        --config="$CONFIG" \
        --substitutions="_IMAGE=$IMAGE" \
        --service-account="$BUILDER" \
        --gcs-source-staging-dir="$STAGING_DIR" \
        $${GOOGLE_IMPERSONATE_SERVICE_ACCOUNT:+"--impersonate-service-account=$GOOGLE_IMPERSONATE_SERVICE_ACCOUNT"} \
        --quiet
    EOT
    environment = {
      SOURCE      = "gs://${google_storage_bucket.source.name}/${google_storage_bucket_object.executor_source.name}"
      PROJECT     = var.project_id
      REGION      = var.region
      CONFIG      = "${local.repo_root}/functions/executor/cloudbuild.yaml"
      IMAGE       = local.executor_image
      BUILDER     = google_service_account.builder.id
      STAGING_DIR = "gs://${google_storage_bucket.source.name}/${local.build_staging_prefix}"
    }
  }

  depends_on = [
    time_sleep.iam_propagated,
    google_artifact_registry_repository.executor,
  ]
}

resource "google_cloud_run_v2_service" "executor" {
  name                = "${var.name_prefix}-executor"
  location            = var.region
  description         = "Runs model-written Python in a bubblewrap sandbox: no roles, no egress, invoked by the responder only."
  deletion_protection = false
  # Public ingress, private by IAM: the responder (a Cloud Run function without VPC access)
  # reaches it over Google's front end with an ID token; nobody else may invoke it.
  ingress = "INGRESS_TRAFFIC_ALL"

  template {
    service_account = google_service_account.executor.email
    # gen2 (a microVM): the sandbox needs user namespaces, which gVisor (gen1) limits.
    execution_environment = "EXECUTION_ENVIRONMENT_GEN2"
    # One run per instance: the limits (memory, processes) are per instance.
    max_instance_request_concurrency = 1
    # Above the longest run (the protocol caps it at 300 s) plus 30 MB in and out.
    timeout = "360s"

    scaling {
      min_instance_count = 0
      max_instance_count = var.executor_max_instances
    }

    vpc_access {
      egress = "ALL_TRAFFIC"
      # Short names, as Google's own examples give them: the provider neither normalises nor
      # ignores the difference between an id and the name the API returns, so an id here would
      # show as a change in every plan. Both are in this project and region, so the names are
      # unambiguous.
      network_interfaces {
        network    = google_compute_network.executor.name
        subnetwork = google_compute_subnetwork.executor.name
      }
    }

    containers {
      image = local.executor_image
      # A run may use 1.5 GiB of address space per process and 128 MiB of /tmp; its directory
      # and the 30 MB request and response live in memory too.
      resources {
        limits = {
          cpu    = "1"
          memory = "4Gi"
        }
        # Request-based billing: CPU only while a run is in progress, so an idle instance costs
        # nothing. Without it, a resources block asks for instance-based billing (1 vCPU and
        # 4 GiB for as long as an instance lingers after its last run).
        cpu_idle = true
      }
      # No environment and no secrets: the executor reads no configuration. The default
      # startup probe (TCP) is kept: a failed isolation probe must not stop the deployment,
      # the executor then answers each run with the reason (the bot tells the person).
    }
  }

  depends_on = [terraform_data.executor_image]
}

# Only the responder may call the executor.
resource "google_cloud_run_v2_service_iam_member" "executor_invoker" {
  location = google_cloud_run_v2_service.executor.location
  # The full id, unknown while the service is being replaced: the grant follows the new one.
  name   = google_cloud_run_v2_service.executor.id
  role   = "roles/run.invoker"
  member = "serviceAccount:${google_service_account.responder.email}"
}

# --- No egress: a network with no way out ---------------------------------------------------

resource "google_compute_network" "executor" {
  name                    = "${var.name_prefix}-executor"
  auto_create_subnetworks = false
  description             = "The executor's only network: no Cloud NAT, no Private Google Access, egress denied."

  depends_on = [time_sleep.apis_enabled]
}

resource "google_compute_subnetwork" "executor" {
  name          = "${var.name_prefix}-executor"
  region        = var.region
  network       = google_compute_network.executor.id
  ip_cidr_range = var.executor_subnet_cidr
  # Without it the subnet cannot reach Google APIs either (the metadata server stays reachable
  # from the container, and the sandbox's own network namespace hides it from the code).
  private_ip_google_access = false
}

resource "google_compute_firewall" "executor_deny_egress" {
  name               = "${var.name_prefix}-executor-deny-egress"
  network            = google_compute_network.executor.id
  direction          = "EGRESS"
  priority           = 100
  destination_ranges = ["0.0.0.0/0"]
  description        = "Nothing leaves the executor's network."

  deny {
    protocol = "all"
  }
}
