# One service account per actor, each granted only what its code uses, on the narrowest
# resource that IAM allows. Secret access is granted in secrets.tf, next to the secrets;
# who may invoke which function is in functions.tf. Grants on a topic, subscription or bucket
# name it by its id, which is unknown while that resource is being replaced: the grant is
# then made again on the new resource in the same apply (a name would be known, and the
# grant would be left on the old resource only).

resource "google_service_account" "ingress" {
  account_id   = "${var.name_prefix}-ingress"
  display_name = "Slack assistant ingress"
  description  = "Runs the ingress function: verifies Slack requests and publishes them."

  depends_on = [time_sleep.apis_enabled]
}

resource "google_service_account" "responder" {
  account_id   = "${var.name_prefix}-responder"
  display_name = "Slack assistant responder"
  description  = "Runs the responder function: Firestore history, OpenAI, replies in Slack."

  depends_on = [time_sleep.apis_enabled]
}

resource "google_service_account" "files" {
  account_id   = "${var.name_prefix}-files"
  display_name = "Slack assistant files"
  description  = "Runs the files function: mirrors Slack uploads into the files bucket."

  depends_on = [time_sleep.apis_enabled]
}

resource "google_service_account" "indexer" {
  account_id   = "${var.name_prefix}-indexer"
  display_name = "Slack assistant indexer"
  description  = "Runs the indexer function: reads the knowledge bucket, embeds, writes Firestore chunks."

  depends_on = [time_sleep.apis_enabled]
}

resource "google_service_account" "executor" {
  # Granted nothing: the code it runs must reach nothing, and Cloud Run's default identity
  # (the Compute Engine account) would hold Editor.
  account_id   = "${var.name_prefix}-executor"
  display_name = "Slack assistant code executor"
  description  = "Runs the code executor; holds no roles."

  depends_on = [time_sleep.apis_enabled]
}

resource "google_service_account" "push_invoker" {
  account_id   = "${var.name_prefix}-push-invoker"
  display_name = "Slack assistant Pub/Sub push"
  description  = "Identity in the OIDC tokens of the push subscriptions; may only invoke responder, files and indexer."

  depends_on = [time_sleep.apis_enabled]
}

resource "google_service_account" "builder" {
  account_id   = "${var.name_prefix}-builder"
  display_name = "Slack assistant function builds"
  description  = "Cloud Build identity for the four function builds and the code executor's image (new projects give the default one no roles)."

  depends_on = [time_sleep.apis_enabled]
}

# --- ingress: publish to the topics it routes to (mentions, uploads, feedback, DM openings) ---

resource "google_pubsub_topic_iam_member" "ingress_publisher" {
  for_each = {
    mentions = google_pubsub_topic.mentions.id
    uploads  = google_pubsub_topic.uploads.id
    feedback = google_pubsub_topic.feedback.id
    # The bot's DM opened (app_home_opened): the responder sets its suggested prompts.
    assistant_events = google_pubsub_topic.assistant_events.id
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

  bucket = google_storage_bucket.files.id
  role   = each.value
  member = "serviceAccount:${google_service_account.files.email}"
}

resource "google_pubsub_topic_iam_member" "files_publisher" {
  topic  = google_pubsub_topic.mentions.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.files.email}"
}

# --- responder: Firestore, read mirrored files, dead-letter what it gives up on -----------------

resource "google_pubsub_topic_iam_member" "responder_dead_letter_publisher" {
  # On its last attempt the responder tells the person, then files the mention here itself
  # (and acks), so a message it gave up on is kept the same way whatever failed.
  topic  = google_pubsub_topic.mentions_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.responder.email}"
}

resource "google_pubsub_topic_iam_member" "responder_uploads_publisher" {
  # A thread reply without a mention that turns out to be a follow-up to answer, with files:
  # the responder sends it to the files function first (ingress does not mirror every reply).
  topic  = google_pubsub_topic.uploads.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.responder.email}"
}

resource "google_pubsub_topic_iam_member" "responder_mentions_publisher" {
  # After the asker approves or denies a tool call that may write, the answer goes on as a
  # continuation on the mentions topic (assistant/approvals/clicks.py).
  topic  = google_pubsub_topic.mentions.id
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

resource "google_storage_bucket_iam_member" "responder_settings_reader" {
  # Reads config/assistant.yaml (settings.tf) about once a minute; nothing else in that bucket.
  bucket = google_storage_bucket.settings.id
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.responder.email}"
}

resource "google_storage_bucket_iam_member" "responder_reader" {
  # objectUser, not objectViewer: besides reading extractions, the responder mirrors the files
  # it posts (bot/<event_id>/...) and marks them uploaded (a metadata update).
  for_each = toset(["roles/storage.objectUser"])

  bucket = google_storage_bucket.files.id
  role   = each.value
  member = "serviceAccount:${google_service_account.responder.email}"
}

# --- indexer: read the documents, write the chunks ---------------------------------------------

resource "google_storage_bucket_iam_member" "indexer_reader" {
  # objectViewer: it only reads documents (a given generation); people write the bucket.
  for_each = toset(["roles/storage.objectViewer"])

  bucket = google_storage_bucket.knowledge.id
  role   = each.value
  member = "serviceAccount:${google_service_account.indexer.email}"
}

resource "google_project_iam_member" "indexer" {
  # As for the responder: datastore.user on the project is Firestore's narrowest write grant.
  for_each = toset(["roles/datastore.user"])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.indexer.email}"
}

# --- builder: what Cloud Build needs to build a function ------------------------------------

resource "google_project_iam_member" "builder" {
  # As documented for a user-specified build service account: write build logs, push the
  # image to the gcf-artifacts repository. That repository is created by Cloud Functions at
  # the first deployment, so there is nothing narrower to grant on beforehand.
  for_each = toset([
    "roles/logging.logWriter",
    "roles/artifactregistry.writer",
  ])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.builder.email}"
}

resource "google_project_iam_member" "builder_sources" {
  # The build fetches the source from the copy Cloud Functions makes in its own bucket,
  # gcf-v2-sources-<project number>-<region>, created at the first deployment. The documented
  # grant is storage.objectAdmin on the project, which would also open the mirrored Slack files;
  # the condition keeps it to that one bucket.
  project = var.project_id
  role    = "roles/storage.objectAdmin"
  member  = "serviceAccount:${google_service_account.builder.email}"

  condition {
    title       = "gcf-v2-sources bucket only"
    description = "Function sources staged by Cloud Functions; not the files bucket."
    expression  = "resource.name == \"projects/_/buckets/${local.gcf_sources_bucket}\" || resource.name.startsWith(\"projects/_/buckets/${local.gcf_sources_bucket}/\")"
  }
}

resource "google_storage_bucket_iam_member" "builder_source_zips" {
  # In case a build reads the zip where Terraform uploaded it rather than from the copy.
  bucket = google_storage_bucket.source.id
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.builder.email}"
}

# --- Pub/Sub service agent --------------------------------------------------------------------

resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  # Pub/Sub mints the push OIDC tokens as the push invoker. Projects created since April 2021
  # grant this through the service agent role already; older ones need it, and on this one
  # account it costs nothing.
  service_account_id = google_service_account.push_invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${local.pubsub_service_agent}"

  depends_on = [time_sleep.iam_propagated]
}

# --- Before the first deployment: let new identities and grants take effect -------------------
# IAM is eventually consistent and nothing reports when a change has reached every service.
# The first function builds run as the builder and fetch their source with its storage role;
# Cloud Run checks at deploy time that each runtime account may read the secrets it mounts;
# the Pub/Sub agent may have been created seconds earlier (apis.tf). Ordering alone cannot
# cover this, so the functions and the agent's grants wait here. The provider's own example of
# a build service account (google_cloudfunctions2_function, "basic builder") waits 60 s for the
# same reason; without it a first build can fail with "Access to bucket ... denied".
# time_sleep waits only when created: on the first apply, not on later ones.
resource "time_sleep" "iam_propagated" {
  create_duration = "60s"

  depends_on = [
    google_project_iam_member.builder,
    google_project_iam_member.builder_sources,
    google_storage_bucket_iam_member.builder_source_zips,
    google_secret_manager_secret_iam_member.ingress,
    google_secret_manager_secret_iam_member.responder,
    google_secret_manager_secret_iam_member.files,
    google_secret_manager_secret_iam_member.indexer,
    google_project_service_identity.pubsub,
  ]
}
