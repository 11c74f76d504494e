# One service account per actor, each granted only what its code uses, on the narrowest
# resource that IAM allows. Secret access is granted in secrets.tf, next to the secrets;
# who may invoke which function is in functions.tf.

resource "google_service_account" "ingress" {
  account_id   = "${var.name_prefix}-ingress"
  display_name = "Slack assistant ingress"
  description  = "Runs the ingress function: verifies Slack requests and publishes them."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "responder" {
  account_id   = "${var.name_prefix}-responder"
  display_name = "Slack assistant responder"
  description  = "Runs the responder function: Firestore history, OpenAI, replies in Slack."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "files" {
  account_id   = "${var.name_prefix}-files"
  display_name = "Slack assistant files"
  description  = "Runs the files function: mirrors Slack uploads into the files bucket."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "push_invoker" {
  account_id   = "${var.name_prefix}-push-invoker"
  display_name = "Slack assistant Pub/Sub push"
  description  = "Identity in the OIDC tokens of the push subscriptions; may only invoke responder and files."

  depends_on = [google_project_service.apis]
}

resource "google_service_account" "builder" {
  account_id   = "${var.name_prefix}-builder"
  display_name = "Slack assistant function builds"
  description  = "Cloud Build identity for the three function builds (new projects give the default one no roles)."

  depends_on = [google_project_service.apis]
}

# --- ingress: publish to the two topics it routes to ------------------------------------------

resource "google_pubsub_topic_iam_member" "ingress_publisher" {
  for_each = {
    mentions = google_pubsub_topic.mentions.name
    uploads  = google_pubsub_topic.uploads.name
  }

  topic  = each.value
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.ingress.email}"
}

# --- files: write the files bucket, publish the enriched mention ------------------------------

resource "google_storage_bucket_iam_member" "files_writer" {
  # objectUser: create, read and overwrite objects in this bucket only. A redelivered upload
  # writes the same object again, which objectCreator alone would refuse.
  for_each = toset(["roles/storage.objectUser"])

  bucket = google_storage_bucket.files.name
  role   = each.value
  member = "serviceAccount:${google_service_account.files.email}"
}

resource "google_pubsub_topic_iam_member" "files_publisher" {
  topic  = google_pubsub_topic.mentions.name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.files.email}"
}

# --- responder: Firestore, read mirrored files, dead-letter what it gives up on -----------------

resource "google_pubsub_topic_iam_member" "responder_dead_letter_publisher" {
  # On its last attempt the responder tells the person, then files the mention here itself
  # (and acks), so a message it gave up on is kept the same way whatever failed.
  topic  = google_pubsub_topic.mentions_dead_letter.name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.responder.email}"
}

resource "google_project_iam_member" "responder" {
  # Firestore has no per-database or per-collection role: datastore.user on the project is
  # the narrowest grant that can read and write documents.
  for_each = toset(["roles/datastore.user"])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.responder.email}"
}

resource "google_storage_bucket_iam_member" "responder_reader" {
  # objectUser, not objectViewer: besides reading extractions, the responder mirrors the files
  # it posts (bot/<event_id>/...) and marks them uploaded (a metadata update).
  for_each = toset(["roles/storage.objectUser"])

  bucket = google_storage_bucket.files.name
  role   = each.value
  member = "serviceAccount:${google_service_account.responder.email}"
}

# --- builder: what Cloud Build needs to build a function ------------------------------------

resource "google_project_iam_member" "builder" {
  # As documented for a user-specified build service account: write build logs, push the
  # image to the gcf-artifacts repository, read the staged source. The repository and the
  # staging buckets are created by Cloud Functions itself, so these are project-level.
  for_each = toset([
    "roles/logging.logWriter",
    "roles/artifactregistry.writer",
    "roles/storage.objectAdmin",
  ])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.builder.email}"
}

# --- Pub/Sub service agent --------------------------------------------------------------------

resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  # Pub/Sub mints the push OIDC tokens as the push invoker. Projects created since April 2021
  # grant this through the service agent role already; older ones need it, and on this one
  # account it costs nothing.
  service_account_id = google_service_account.push_invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${local.pubsub_service_agent}"
}
