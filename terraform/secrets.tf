# The secrets (mcp-headers: the MCP servers' header values, a JSON object by secret name;
# web-search-api-key: Brave Search's key for `web_search`. Both are optional and read on each
# use: until one has a real version only what needs it is off). Their values never pass through
# Terraform (nor its state): add them with `gcloud secrets versions add` (docs/deploy.md).
resource "google_secret_manager_secret" "secret" {
  for_each = toset([
    "slack-signing-secret", "slack-bot-token", "openai-api-key", "mcp-headers", "web-search-api-key",
  ])

  secret_id = "${var.name_prefix}-${each.value}"

  replication {
    auto {}
  }

  depends_on = [time_sleep.apis_enabled]
}

locals {
  # Exactly SECRET_PLACEHOLDER in assistant/config.py (tests/terraform keeps them equal): the
  # functions read it as "not configured yet" and answer 503, as with no version at all.
  secret_placeholder = "not configured yet: add the real value as a new version (docs/deploy.md)"
}

# Cloud Run checks at deploy time that every secret a service mounts has an accessible version,
# and fails the deployment otherwise; so each secret starts with a placeholder version. It is
# write-only (Terraform 1.11+): sent to Secret Manager, never stored in the state. The real
# value, added later, becomes `latest`, which is what the functions mount.
# Never change secret_data_wo_version: that would add a new placeholder version, which would
# become `latest` and hide the real value until it is added again.
resource "google_secret_manager_secret_version" "placeholder" {
  for_each = google_secret_manager_secret.secret

  secret                 = each.value.id
  secret_data_wo         = local.secret_placeholder
  secret_data_wo_version = 1
  enabled                = true
}

# Each function's service account may read exactly the secrets its code reads. Bound on the
# secret's id, which is unknown while a secret is being replaced, so a replaced secret gets
# its grants again in the same apply.

resource "google_secret_manager_secret_iam_member" "ingress" {
  for_each = toset(["slack-signing-secret"])

  secret_id = google_secret_manager_secret.secret[each.value].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.ingress.email}"
}

resource "google_secret_manager_secret_iam_member" "responder" {
  for_each = toset(["slack-bot-token", "openai-api-key", "mcp-headers", "web-search-api-key"])

  secret_id = google_secret_manager_secret.secret[each.value].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.responder.email}"
}

resource "google_secret_manager_secret_iam_member" "files" {
  for_each = toset(["slack-bot-token"])

  secret_id = google_secret_manager_secret.secret[each.value].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.files.email}"
}

resource "google_secret_manager_secret_iam_member" "indexer" {
  # The embeddings API takes the same OpenAI key as the chat model.
  for_each = toset(["openai-api-key"])

  secret_id = google_secret_manager_secret.secret[each.value].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.indexer.email}"
}
