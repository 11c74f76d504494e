# The APIs the deployment uses. Eventarc is not among them: Pub/Sub pushes straight to the
# functions (a push subscription can carry ordering, a retry policy and a dead-letter policy;
# an Eventarc trigger cannot, see ARCHITECTURE.md).
resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",     # images built from the function sources
    "cloudbuild.googleapis.com",           # builds the function sources
    "cloudfunctions.googleapis.com",       # Cloud Run functions (2nd gen)
    "cloudresourcemanager.googleapis.com", # data.google_project (project number)
    "firestore.googleapis.com",            # threads, turns, event claims
    "iam.googleapis.com",                  # service accounts
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

data "google_project" "this" {
  project_id = var.project_id

  depends_on = [google_project_service.apis]
}
