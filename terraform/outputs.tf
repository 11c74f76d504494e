# The URL and the manifest depend only on inputs (the URL of a 2nd gen function is predictable),
# so they are printed by the same apply that deploys the functions.

output "slack_request_url" {
  description = "Request URL of the Slack app (Event Subscriptions); the ingress function."
  value       = local.slack_request_url
}

output "slack_app_manifest" {
  description = "Slack app manifest (YAML) with the request URL filled in: paste it at api.slack.com/apps > Create New App > From a manifest."
  value = templatefile("${path.module}/../slack/manifest.yaml.tftpl", {
    app_name          = var.slack_app_name
    request_url       = local.slack_request_url
    interactivity_url = "${local.slack_request_url}/interactivity"
  })
}

output "functions" {
  description = "Deployed function names, for `gcloud functions logs read NAME --region REGION`."
  value = {
    ingress   = google_cloudfunctions2_function.ingress.name
    responder = google_cloudfunctions2_function.responder.name
    files     = google_cloudfunctions2_function.files.name
    indexer   = google_cloudfunctions2_function.indexer.name
  }
}

output "secrets" {
  description = "Secret Manager secret ids, for `gcloud secrets versions add ID --data-file=-` (docs/deploy.md, step 4)."
  value       = { for key, secret in google_secret_manager_secret.secret : key => secret.secret_id }
}

output "settings_uri" {
  description = "Where config/assistant.yaml is deployed; the responder re-reads it within SETTINGS_REFRESH_SECONDS."
  value       = local.settings_uri
}

output "files_bucket" {
  description = "Bucket holding the mirrored Slack files."
  value       = google_storage_bucket.files.name
}

output "knowledge_bucket" {
  description = "Put documents under gs://<this>/knowledge/<set>/ for answers with citations (`gcloud storage cp -r ./handbook gs://<this>/knowledge/`)."
  value       = google_storage_bucket.knowledge.name
}

output "dead_letter_subscriptions" {
  description = "Pull these to inspect messages that failed every delivery attempt."
  value = [
    google_pubsub_subscription.mentions_dead_letter.name,
    google_pubsub_subscription.uploads_dead_letter.name,
    google_pubsub_subscription.feedback_dead_letter.name,
    google_pubsub_subscription.knowledge_dead_letter.name,
    google_pubsub_subscription.assistant_events_dead_letter.name,
    google_pubsub_subscription.routines_dead_letter.name,
    google_pubsub_subscription.routine_runs_dead_letter.name,
    google_pubsub_subscription.routine_actions_dead_letter.name,
  ]
}

check "slack_request_url_is_the_ingress_url" {
  assert {
    condition     = google_cloudfunctions2_function.ingress.url == local.slack_request_url
    error_message = "The deployed ingress URL differs from slack_request_url: use the function's url in the Slack app."
  }
}
