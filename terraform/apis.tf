# The APIs the deployment uses. Eventarc is not among them: Pub/Sub pushes straight to the
# functions (a push subscription can carry ordering, a retry policy and a dead-letter policy;
# an Eventarc trigger cannot, see ARCHITECTURE.md).
resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",     # images built from the function sources, the executor's
    "cloudbuild.googleapis.com",           # builds the function sources
    "cloudfunctions.googleapis.com",       # Cloud Run functions (2nd gen)
    "cloudresourcemanager.googleapis.com", # data.google_project (project number)
    "cloudscheduler.googleapis.com",       # the routines tick (routines.tf)
    "compute.googleapis.com",              # the executor's network without egress
    "firestore.googleapis.com",            # threads, turns, event claims
    "iam.googleapis.com",                  # service accounts
    "logging.googleapis.com",              # build logs and the functions' logs
    "pubsub.googleapis.com",               # mentions / uploads topics and push subscriptions
    "run.googleapis.com",                  # the services behind the functions
    "secretmanager.googleapis.com",        # Slack and OpenAI secrets
    "storage.googleapis.com",              # source zips and mirrored Slack files
  ])

  project = var.project_id
  service = each.value

  # Other things in the project may use these APIs: destroying this stack leaves them on.
  disable_on_destroy = false
}

# Enabling an API is eventually consistent. The provider already waits for the operation and
# for the API to be listed, yet its guide to google_project_service ("Newly activated service
# errors") says the first calls can still fail with "API has not been used in project ... or it
# is disabled", and recommends this wait: nothing reports when an API is ready everywhere.
# Everything else depends on it; time_sleep waits only when created, i.e. on the first apply.
resource "time_sleep" "apis_enabled" {
  create_duration = "60s"

  depends_on = [google_project_service.apis]
}

data "google_project" "this" {
  # Read after the APIs' wait (local.project_id_after_apis), without depends_on: see locals.tf.
  project_id = local.project_id_after_apis
}

# Pub/Sub's service agent is granted roles (dead letters in pubsub.tf, OIDC tokens in iam.tf),
# but Pub/Sub may create it only some time after its API is enabled, and a grant to an agent
# that does not exist yet fails ("Service account ... does not exist"). Service Usage's
# generateServiceIdentity creates it now when missing and does nothing otherwise. No GA
# release of the provider has this resource, hence google-beta for it alone. Its `email` is not
# used (the API may leave it out): locals.tf derives the agent's address from the project number.
resource "google_project_service_identity" "pubsub" {
  provider = google-beta

  project = var.project_id
  service = "pubsub.googleapis.com"

  depends_on = [time_sleep.apis_enabled]
}
