# The three secrets, created empty: their values never pass through Terraform (nor its state).
# Add them with `gcloud secrets versions add` (docs/deploy.md).
resource "google_secret_manager_secret" "secret" {
  for_each = toset(["slack-signing-secret", "slack-bot-token", "openai-api-key"])

  secret_id = each.value

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

# Each function's service account may read exactly the secrets its code reads.

resource "google_secret_manager_secret_iam_member" "ingress" {
  for_each = toset(["slack-signing-secret"])

  secret_id = google_secret_manager_secret.secret[each.value].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.ingress.email}"
}

resource "google_secret_manager_secret_iam_member" "responder" {
  for_each = toset(["slack-bot-token", "openai-api-key"])

  secret_id = google_secret_manager_secret.secret[each.value].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.responder.email}"
}

resource "google_secret_manager_secret_iam_member" "files" {
  for_each = toset(["slack-bot-token"])

  secret_id = google_secret_manager_secret.secret[each.value].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.files.email}"
}
