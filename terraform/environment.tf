# What each function's code reads (assistant/config.py, ENV_BY_FUNCTION; tests/terraform checks
# the match), and THREADS, which functions-framework reads (RUNTIME_ENV there). The functions
# take these maps without their empty values: the API keeps no empty environment variable, so one in the configuration would show as a change on every
# plan, and the code treats an unset variable and an empty one alike.
locals {
  ingress_env = {
    GOOGLE_CLOUD_PROJECT = var.project_id
    MENTIONS_TOPIC       = google_pubsub_topic.mentions.name
    UPLOADS_TOPIC        = google_pubsub_topic.uploads.name
    MAX_REQUEST_BYTES    = tostring(var.max_request_bytes)
    FEEDBACK_TOPIC       = google_pubsub_topic.feedback.name
    # The bot's DM opened: published for the responder, which sets the suggested prompts.
    ASSISTANT_EVENTS_TOPIC = google_pubsub_topic.assistant_events.name
    # A click on a routine's Confirm / Cancel (routines.tf).
    ROUTINE_ACTIONS_TOPIC = google_pubsub_topic.routine_actions.name
    LOG_LEVEL             = var.log_level
    THREADS               = tostring(local.function_concurrency.ingress)
    # Secrets are files from Secret Manager volumes (functions.tf): every read sees the latest
    # version, so the real value is picked up once added, without a redeploy.
    SLACK_SIGNING_SECRET_FILE = "/etc/secrets/slack-signing-secret/value"
  }

  responder_env = {
    GOOGLE_CLOUD_PROJECT          = var.project_id
    SLACK_API_URL                 = "https://slack.com/api/"
    OPENAI_BASE_URL               = var.openai_base_url
    OPENAI_MODEL                  = var.openai_model
    MODEL_CONTEXT_TOKENS          = var.model_context_tokens == null ? "" : tostring(var.model_context_tokens)
    RESERVED_OUTPUT_TOKENS        = tostring(var.reserved_output_tokens)
    SYSTEM_PROMPT                 = var.system_prompt
    OPENAI_TIMEOUT_SECONDS        = tostring(var.openai_timeout_seconds)
    OPENAI_MAX_RETRIES            = tostring(var.openai_max_retries)
    RESPONSE_TIME_BUDGET_SECONDS  = tostring(var.response_time_budget_seconds)
    FIRESTORE_DATABASE            = google_firestore_database.main.name
    CLAIM_LEASE_SECONDS           = tostring(var.claim_lease_seconds)
    MAX_DELIVERY_ATTEMPTS         = tostring(var.max_delivery_attempts)
    SLACK_UPDATE_INTERVAL_SECONDS = tostring(var.slack_update_interval_seconds)
    SLACK_STREAM_APPEND_SECONDS   = tostring(var.slack_stream_append_seconds)
    FILES_BUCKET                  = google_storage_bucket.files.name
    MAX_FILE_TOKENS               = tostring(var.max_file_tokens)
    LOG_LEVEL                     = var.log_level
    MENTIONS_DEAD_LETTER_TOPIC    = google_pubsub_topic.mentions_dead_letter.name
    UPLOADS_TOPIC                 = google_pubsub_topic.uploads.name
    MENTIONS_TOPIC                = google_pubsub_topic.mentions.name
    SLACK_BOT_TOKEN_FILE          = "/etc/secrets/slack-bot-token/value"
    OPENAI_API_KEY_FILE           = "/etc/secrets/openai-api-key/value"
    # The private executor (executor.tf); the responder calls it with an ID token.
    EXECUTOR_URL             = google_cloud_run_v2_service.executor.uri
    EXECUTOR_TIMEOUT_SECONDS = tostring(var.executor_timeout_seconds)
    # MCP servers named in the settings file (assistant/mcp/); their header values.
    MCP_HEADERS_FILE         = "/etc/secrets/mcp-headers/value"
    MCP_CALL_TIMEOUT_SECONDS = tostring(var.mcp_call_timeout_seconds)
    MCP_LIST_TTL_SECONDS     = tostring(var.mcp_list_ttl_seconds)
    APPROVAL_TIMEOUT_MINUTES = tostring(var.approval_timeout_minutes)
    # web_search (assistant/web/search.py): Brave's API, offered once its key has a version.
    WEB_SEARCH_URL          = "https://api.search.brave.com/res/v1/web/search"
    WEB_SEARCH_API_KEY_FILE = "/etc/secrets/web-search-api-key/value"
    THREADS                 = tostring(local.function_concurrency.responder)
    # Prompts contain people's words; they stay out of production logs.
    LOG_PROMPTS = "false"
    # Settings per channel (settings.tf) and the defaults it overrides.
    SETTINGS_URI             = local.settings_uri
    SETTINGS_REFRESH_SECONDS = tostring(var.settings_refresh_seconds)
    MONTHLY_BUDGET_USD       = tostring(var.monthly_budget_usd)
    USER_DAILY_BUDGET_USD    = tostring(var.user_daily_budget_usd)
    MAX_PROMPT_TOKENS        = tostring(var.max_prompt_tokens)
    SUMMARY_MODEL            = var.summary_model
    SUMMARY_MAX_TOKENS       = tostring(var.summary_max_tokens)
    USER_MENTIONS_PER_MINUTE = tostring(var.user_mentions_per_minute)
    ALLOWED_CHANNELS         = join(",", var.allowed_channels)
    ALLOWED_USERS            = join(",", var.allowed_users)
    ALLOW_DIRECT_MESSAGES    = tostring(var.allow_direct_messages)
    EMBEDDINGS_BASE_URL      = var.embeddings_base_url
    EMBEDDING_MODEL          = var.embedding_model
    EMBEDDING_DIMENSIONS     = tostring(var.embedding_dimensions)
    RETRIEVAL_MAX_DISTANCE   = tostring(var.retrieval_max_distance)
    RETRIEVAL_MAX_PASSAGES   = tostring(var.retrieval_max_passages)
    RETRIEVAL_TOKEN_SHARE    = tostring(var.retrieval_token_share)
    # The DM's loading status and suggested prompts ("|" separates items; config.py).
    LOADING_MESSAGES  = join("|", var.loading_messages)
    SUGGESTED_PROMPTS = join("|", var.suggested_prompts)
    # Routines (routines.tf): each due slot is published here, then run once.
    ROUTINE_RUNS_TOPIC     = google_pubsub_topic.routine_runs.name
    ROUTINE_MAX_LATE_HOURS = tostring(var.routine_max_late_hours)
  }

  files_env = {
    GOOGLE_CLOUD_PROJECT  = var.project_id
    SLACK_API_URL         = "https://slack.com/api/"
    FILES_BUCKET          = google_storage_bucket.files.name
    MENTIONS_TOPIC        = google_pubsub_topic.mentions.name
    MAX_FILE_BYTES        = tostring(var.max_file_bytes)
    MAX_FILES_PER_MESSAGE = tostring(var.max_files_per_message)
    MAX_FILE_TOKENS       = tostring(var.max_file_tokens)
    MAX_DELIVERY_ATTEMPTS = tostring(var.max_delivery_attempts)
    EXTRACT_CPU_SECONDS   = tostring(var.extract_cpu_seconds)
    LOG_LEVEL             = var.log_level
    SLACK_BOT_TOKEN_FILE  = "/etc/secrets/slack-bot-token/value"
    THREADS               = tostring(local.function_concurrency.files)
  }

  indexer_env = {
    THREADS                = tostring(local.function_concurrency.indexer)
    GOOGLE_CLOUD_PROJECT   = var.project_id
    FIRESTORE_DATABASE     = google_firestore_database.main.name
    KNOWLEDGE_BUCKET       = google_storage_bucket.knowledge.name
    OPENAI_BASE_URL        = var.openai_base_url
    OPENAI_TIMEOUT_SECONDS = tostring(var.openai_timeout_seconds)
    OPENAI_MAX_RETRIES     = tostring(var.openai_max_retries)
    EMBEDDINGS_BASE_URL    = var.embeddings_base_url
    EMBEDDING_MODEL        = var.embedding_model
    EMBEDDING_DIMENSIONS   = tostring(var.embedding_dimensions)
    # Documents share the files function's size and reading limits.
    MAX_FILE_BYTES        = tostring(var.max_file_bytes)
    EXTRACT_CPU_SECONDS   = tostring(var.extract_cpu_seconds)
    MAX_DELIVERY_ATTEMPTS = tostring(var.max_delivery_attempts)
    LOG_LEVEL             = var.log_level
    OPENAI_API_KEY_FILE   = "/etc/secrets/openai-api-key/value"
  }
}
