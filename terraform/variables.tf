# Inputs. Every variable the functions read has the same default here as in
# assistant/config.py (Settings); tests/terraform checks that they stay in step.

# --- Where -----------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "Google Cloud project to deploy into (it must exist and have billing enabled)."

  validation {
    # It ends up in bucket names and in the ingress URL's host name
    # (https://REGION-PROJECT.cloudfunctions.net), so only the plain form works: no
    # domain-scoped "example.com:project" ids, and no "goog" prefix, which buckets refuse.
    condition = (
      can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id)) &&
      !startswith(var.project_id, "goog") && !strcontains(var.project_id, "google")
    )
    error_message = "project_id: the project's id (6-30 lowercase letters, digits or dashes, starting with a letter), not its name, number or a domain-scoped id."
  }
}

variable "region" {
  type        = string
  default     = "us-central1"
  description = "Region of the functions, the buckets and (unless firestore_location is set) Firestore."

  validation {
    # Part of the ingress URL's host name and of the builder's bucket condition (iam.tf).
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region: a Google Cloud region such as us-central1 or europe-west1 (not a zone or a multi-region)."
  }
}

variable "name_prefix" {
  type        = string
  default     = "slack-assistant"
  description = "Prefix of every name this creates in the project: functions, service accounts, buckets, topics, subscriptions and secrets. A second deployment in the same project needs its own (and its own firestore_database)."

  validation {
    # Service account ids are 6-30 characters: "<prefix>-push-invoker" must fit.
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix: 3-17 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "firestore_location" {
  type        = string
  default     = null
  description = "Firestore location (a region such as europe-west1, or a multi-region such as nam5); null means var.region. Cannot change after creation."
}

variable "firestore_database" {
  type        = string
  default     = "(default)"
  description = "Firestore database id. Use another id (e.g. slack-assistant) if the project's (default) database is already taken or in Datastore mode."

  validation {
    condition     = var.firestore_database == "(default)" || can(regex("^[a-z][a-z0-9-]{2,61}[a-z0-9]$", var.firestore_database))
    error_message = "firestore_database: (default), or 4-63 lowercase letters, digits or dashes, starting with a letter."
  }
}

# --- Teardown --------------------------------------------------------------------------------

variable "delete_firestore_on_destroy" {
  type        = bool
  default     = false
  description = "false: `terraform destroy` keeps the Firestore database and its data (delete protection on, deletion_policy ABANDON). true: destroy deletes it; apply once with true before destroying."
}

variable "files_bucket_force_destroy" {
  type        = bool
  default     = true
  description = "Let `terraform destroy` delete the files bucket with its objects (they are copies of Slack uploads, which stay in Slack)."
}

variable "file_retention_days" {
  type        = number
  default     = 30
  description = "Mirrored Slack files are deleted from the files bucket this many days after upload."

  validation {
    condition     = var.file_retention_days >= 1
    error_message = "file_retention_days must be at least 1."
  }
}

# --- Model -----------------------------------------------------------------------------------

variable "openai_model" {
  type        = string
  default     = "gpt-4o-mini"
  description = "Chat model name (OPENAI_MODEL)."
}

variable "openai_base_url" {
  type        = string
  default     = ""
  description = "Base URL of an OpenAI-compatible server (OPENAI_BASE_URL); empty means OpenAI itself."
}

variable "model_context_tokens" {
  type        = number
  default     = null
  description = "Context window of the model in tokens (MODEL_CONTEXT_TOKENS); null means known from the model's name."

  validation {
    condition     = var.model_context_tokens == null ? true : var.model_context_tokens > 0
    error_message = "model_context_tokens must be null or positive."
  }
}

variable "reserved_output_tokens" {
  type        = number
  default     = 4096
  description = "Tokens kept free for the answer when trimming thread history (RESERVED_OUTPUT_TOKENS)."
}

variable "system_prompt" {
  type        = string
  default     = "You are a helpful assistant in a Slack workspace. Answer concisely in standard Markdown. Earlier messages in this thread are the conversation so far."
  description = "System prompt sent before the thread history (SYSTEM_PROMPT)."
}

variable "openai_timeout_seconds" {
  type        = number
  default     = 60
  description = "Timeout of one model request in seconds (OPENAI_TIMEOUT_SECONDS)."
}

variable "openai_max_retries" {
  type        = number
  default     = 3
  description = "Retries of a failed model request, with backoff, within the response time budget (OPENAI_MAX_RETRIES)."
}

# --- Delivery and time budgets ---------------------------------------------------------------

variable "response_time_budget_seconds" {
  type        = number
  default     = 300
  description = "Everything one delivery of a mention does must end within this many seconds (RESPONSE_TIME_BUDGET_SECONDS); must stay below the responder's timeout."
}

variable "claim_lease_seconds" {
  type        = number
  default     = 60
  description = "How long a claim's holder may go without a heartbeat before a redelivery takes the mention over (CLAIM_LEASE_SECONDS); the holder beats every third of it."
}

variable "max_delivery_attempts" {
  type        = number
  default     = 5
  description = "Pub/Sub deliveries of one message before it goes to the dead-letter topic; also tells the responder which attempt is the last (MAX_DELIVERY_ATTEMPTS)."

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "Pub/Sub allows 5 to 100 delivery attempts."
  }
}

variable "slack_update_interval_seconds" {
  type        = number
  default     = 1
  description = "Minimum seconds between two edits of a streamed Slack answer (SLACK_UPDATE_INTERVAL_SECONDS); chat.update is rate limited."
}

variable "slack_stream_append_seconds" {
  type        = number
  default     = 6
  description = "Minimum seconds between two chat.appendStream calls of one natively streamed answer (SLACK_STREAM_APPEND_SECONDS); Tier 4, shared by every answer in the workspace."
}

# --- Limits ----------------------------------------------------------------------------------

variable "max_request_bytes" {
  type        = number
  default     = 1000000
  description = "Largest Slack request body ingress accepts (MAX_REQUEST_BYTES)."
}

variable "max_file_bytes" {
  type        = number
  default     = 20000000
  description = "Largest Slack file the files function mirrors (MAX_FILE_BYTES)."
}

variable "max_files_per_message" {
  type        = number
  default     = 5
  description = "Most files of one message that are mirrored and shown to the model (MAX_FILES_PER_MESSAGE)."
}

variable "max_file_tokens" {
  type        = number
  default     = 20000
  description = "Most tokens of extracted text per file given to the model (MAX_FILE_TOKENS)."
}

variable "extract_cpu_seconds" {
  type        = number
  default     = 15
  description = "CPU seconds the files function may spend reading one attachment, in a child process; the wall-clock limit is twice this plus 5 s (EXTRACT_CPU_SECONDS)."
}

variable "log_level" {
  type        = string
  default     = "INFO"
  description = "Python log level of all functions (LOG_LEVEL)."

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

# --- Answers from the organisation's documents -----------------------------------------------

variable "knowledge_bucket_force_destroy" {
  type        = bool
  default     = false
  description = "Let `terraform destroy` delete the knowledge bucket with its documents (false: destroy fails while documents remain, so a team's documents are not lost by accident)."
}

variable "embeddings_base_url" {
  type        = string
  default     = ""
  description = "Base URL of an OpenAI-compatible embeddings server (EMBEDDINGS_BASE_URL); empty means the chat model's server (openai_base_url, or OpenAI)."
}

variable "embedding_model" {
  type        = string
  default     = "text-embedding-3-small"
  description = "Embedding model of documents and questions (EMBEDDING_MODEL). Changing it (or the dimensions) needs the documents uploaded again."
}

variable "embedding_dimensions" {
  type        = number
  default     = 512
  description = "Vector size (EMBEDDING_DIMENSIONS), also the Firestore vector index's dimension; at most 2048."

  validation {
    condition     = var.embedding_dimensions >= 1 && var.embedding_dimensions <= 2048
    error_message = "embedding_dimensions must be 1-2048 (Firestore's vector limit)."
  }
}

variable "retrieval_max_distance" {
  type        = number
  default     = 0
  description = "Cosine distance beyond which a passage is not relevant, on distance alone (RETRIEVAL_MAX_DISTANCE); 0: the embedding model's calibration."
}

variable "retrieval_max_passages" {
  type        = number
  default     = 5
  description = "Most passages sent with a question (RETRIEVAL_MAX_PASSAGES)."
}

variable "retrieval_token_share" {
  type        = number
  default     = 0.25
  description = "Largest share of the input token budget the passages may take (RETRIEVAL_TOKEN_SHARE)."
}

# --- Scaling ---------------------------------------------------------------------------------

variable "ingress_min_instances" {
  type        = number
  default     = 1
  description = "Warm ingress instances. 1 keeps a cold start (several seconds for Python) from missing Slack's 3-second ack; 0 saves the idle cost and relies on Slack's retries."
}

variable "ingress_max_instances" {
  type        = number
  default     = 10
  description = "Most ingress instances (each takes 80 concurrent requests)."
}

variable "responder_max_instances" {
  type        = number
  default     = 20
  description = "Most responder instances (each streams 8 answers at once); also caps concurrent model calls at 8 times this."
}

variable "files_max_instances" {
  type        = number
  default     = 5
  description = "Most files-function instances (each mirrors 2 messages at once)."
}

variable "indexer_max_instances" {
  type        = number
  default     = 3
  description = "Most indexer instances (each indexes 2 documents at once); also caps concurrent embedding calls."
}

variable "worker_ingress_settings" {
  type        = string
  default     = "ALLOW_ALL"
  description = "Network ingress of responder and files. Whatever this says, they reject callers without roles/run.invoker, which only the push service account has. ALLOW_INTERNAL_ONLY also blocks traffic from outside Google Cloud; Pub/Sub push from the same project should count as internal, but check that deliveries still arrive after switching."

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY"], var.worker_ingress_settings)
    error_message = "worker_ingress_settings must be ALLOW_ALL or ALLOW_INTERNAL_ONLY."
  }
}

# --- Slack -----------------------------------------------------------------------------------

variable "slack_app_name" {
  type        = string
  default     = "Thread Assistant"
  description = "Name and bot display name of the Slack app in the generated manifest."

  validation {
    # Slack refuses a manifest whose app name is longer than 35 characters.
    condition     = length(trimspace(var.slack_app_name)) >= 1 && length(var.slack_app_name) <= 35
    error_message = "slack_app_name: 1-35 characters."
  }
}

# --- Settings, budgets and limits (issue 14) -------------------------------------------------
# The defaults for every channel; config/assistant.yaml (settings.tf) overrides them per
# workspace and channel.

variable "settings_refresh_seconds" {
  type        = number
  default     = 60
  description = "How often at most the responder re-reads config/assistant.yaml (SETTINGS_REFRESH_SECONDS)."
}

variable "monthly_budget_usd" {
  type        = number
  default     = 100
  description = "The workspace's estimated model spend per calendar month (UTC) in US dollars, after which the bot declines; 0 for no limit (MONTHLY_BUDGET_USD)."
}

variable "user_daily_budget_usd" {
  type        = number
  default     = 5
  description = "What one person may spend per day (UTC) in US dollars; 0 for no limit (USER_DAILY_BUDGET_USD)."
}

variable "max_prompt_tokens" {
  type        = number
  default     = 32000
  description = "Caps every prompt below the model's window, whatever the window; 0 for the window alone (MAX_PROMPT_TOKENS)."
}

variable "summary_model" {
  type        = string
  default     = ""
  description = "Model that writes a thread's rolling summary of turns that no longer fit the prompt; empty for the answer's model (SUMMARY_MODEL)."
}

variable "summary_max_tokens" {
  type        = number
  default     = 500
  description = "Length of a thread's rolling summary in tokens; 0 turns summaries off (SUMMARY_MAX_TOKENS)."
}

variable "user_mentions_per_minute" {
  type        = number
  default     = 10
  description = "Mentions one person may make per minute; 0 for no limit (USER_MENTIONS_PER_MINUTE)."
}

variable "allowed_channels" {
  type        = list(string)
  default     = []
  description = "Channel ids where the bot answers; empty for every channel it is in (ALLOWED_CHANNELS)."
}

variable "allowed_users" {
  type        = list(string)
  default     = []
  description = "User ids the bot answers; empty for everyone in the workspace (ALLOWED_USERS)."
}

variable "allow_direct_messages" {
  type        = bool
  default     = true
  description = "Answer in direct messages with the bot, which allowed_channels does not reach (ALLOW_DIRECT_MESSAGES)."
}

variable "executor_timeout_seconds" {
  type        = number
  default     = 60
  description = "Wall clock of one run of the model's code in the executor (EXECUTOR_TIMEOUT_SECONDS)."

  validation {
    condition     = var.executor_timeout_seconds > 0 && var.executor_timeout_seconds <= 300
    error_message = "executor_timeout_seconds must be within 1..300 (the executor's own cap)."
  }
}

variable "mcp_call_timeout_seconds" {
  type        = number
  default     = 20
  description = "Most one MCP tool call may take before the model is told the server did not answer (MCP_CALL_TIMEOUT_SECONDS)."

  validation {
    condition     = var.mcp_call_timeout_seconds > 0 && var.mcp_call_timeout_seconds < var.response_time_budget_seconds
    error_message = "mcp_call_timeout_seconds must be above 0 and below response_time_budget_seconds."
  }
}

variable "approval_timeout_minutes" {
  type        = number
  default     = 15
  description = "How long a tool call that may write waits for the asker's Approve before it expires (APPROVAL_TIMEOUT_MINUTES)."

  validation {
    condition     = var.approval_timeout_minutes >= 1 && var.approval_timeout_minutes <= 1440
    error_message = "approval_timeout_minutes must be between 1 and 1440."
  }
}

variable "mcp_list_ttl_seconds" {
  type        = number
  default     = 300
  description = "How long a responder instance keeps an MCP server's tool list before listing it again (MCP_LIST_TTL_SECONDS)."
}

variable "executor_max_instances" {
  type        = number
  default     = 5
  description = "Most executor instances; each runs one piece of code at a time."

  validation {
    condition     = var.executor_max_instances >= 1 && var.executor_max_instances <= 20
    error_message = "executor_max_instances must be within 1..20."
  }
}

variable "executor_subnet_cidr" {
  type        = string
  default     = "10.8.0.0/26"
  description = "Range of the executor's subnet (Direct VPC egress takes its addresses from it); it has no route out."
}

variable "loading_messages" {
  type = list(string)
  default = [
    "Reading the thread…",
    "Thinking it over…",
    "Checking what I know…",
    "Writing the answer…",
  ]
  description = "Rotating loading messages under a thread in the bot's DM while it prepares an answer, at most 10 (LOADING_MESSAGES)."

  validation {
    condition     = length(var.loading_messages) <= 10 && alltrue([for m in var.loading_messages : trimspace(m) != "" && !strcontains(m, "|")])
    error_message = "At most 10 loading messages (Slack's limit), none empty, none containing \"|\" (the separator)."
  }
}

variable "suggested_prompts" {
  type = list(string)
  default = [
    "What can you do? => What can you help me with here, and which tools can you use?",
    "Summarise this thread => Summarise this thread so far in a few bullet points.",
    "Analyse a CSV => I will attach a CSV: tell me what stands out in it and plot it.",
    "Search our documents => Which of our documents answer this, and what do they say?",
  ]
  description = "Prompts the bot's DM offers when opened, \"title => message\" (or one text for both), at most 4 (SUGGESTED_PROMPTS)."

  validation {
    condition     = length(var.suggested_prompts) <= 4 && alltrue([for p in var.suggested_prompts : trimspace(p) != "" && !strcontains(p, "|")])
    error_message = "At most 4 suggested prompts (Slack's limit), none empty, none containing \"|\" (the separator)."
  }
}

variable "routine_max_late_hours" {
  type        = number
  default     = 6
  description = "A routine slot missed while the service was down runs on recovery if at most this many hours late; an older one is skipped with a note (ROUTINE_MAX_LATE_HOURS)."

  validation {
    condition     = var.routine_max_late_hours > 0
    error_message = "routine_max_late_hours must be positive."
  }
}
