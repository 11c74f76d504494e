"""Configuration, read once from the environment into a frozen object.

Every variable any function reads is declared here, with the functions that read it, so the
Terraform checks can prove each deployed function gets exactly what its code reads.

    >>> settings = Settings.from_env({"OPENAI_MODEL": "gpt-4o-mini"})
    >>> settings.openai_model
    'gpt-4o-mini'
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

__all__ = [
    "ENV_BY_FUNCTION",
    "RUNTIME_ENV",
    "SECRET_ENV",
    "SECRET_FILE_SUFFIX",
    "SECRET_PLACEHOLDER",
    "SecretUnavailable",
    "Settings",
    "get_settings",
]

# Shown in the bot's DM while an answer is prepared (assistant.threads.setStatus rotates them;
# Slack takes at most 10). LOADING_MESSAGES: the same, separated by "|".
DEFAULT_LOADING_MESSAGES = (
    "Reading the thread…",
    "Thinking it over…",
    "Checking what I know…",
    "Writing the answer…",
)
# Offered when someone opens the bot's DM (assistant.threads.setSuggestedPrompts; at most 4).
# SUGGESTED_PROMPTS: the same, separated by "|"; "title => message" when they differ.
DEFAULT_SUGGESTED_PROMPTS = (
    "What can you do? => What can you help me with here, and which tools can you use?",
    "Summarise this thread => Summarise this thread so far in a few bullet points.",
    "Analyse a CSV => I will attach a CSV: tell me what stands out in it and plot it.",
    "Search our documents => Which of our documents answer this, and what do they say?",
)

DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant in a Slack workspace. Answer concisely in standard Markdown. "
    "Earlier messages in this thread are the conversation so far."
)

# Which function reads which variable. Secrets come from Secret Manager in production.
ENV_BY_FUNCTION: dict[str, frozenset[str]] = {
    "ingress": frozenset(
        {
            "SLACK_SIGNING_SECRET",
            "SLACK_SIGNING_SECRET_FILE",
            "GOOGLE_CLOUD_PROJECT",
            "MENTIONS_TOPIC",
            "UPLOADS_TOPIC",
            "MAX_REQUEST_BYTES",
            "FEEDBACK_TOPIC",
            "ASSISTANT_EVENTS_TOPIC",
            "LOG_LEVEL",
        }
    ),
    "responder": frozenset(
        {
            "SLACK_BOT_TOKEN",
            "SLACK_BOT_TOKEN_FILE",
            "SLACK_API_URL",
            "OPENAI_API_KEY",
            "OPENAI_API_KEY_FILE",
            "OPENAI_BASE_URL",
            "OPENAI_MODEL",
            "MODEL_CONTEXT_TOKENS",
            "RESERVED_OUTPUT_TOKENS",
            "SYSTEM_PROMPT",
            "OPENAI_TIMEOUT_SECONDS",
            "OPENAI_MAX_RETRIES",
            "RESPONSE_TIME_BUDGET_SECONDS",
            "GOOGLE_CLOUD_PROJECT",
            "FIRESTORE_DATABASE",
            "CLAIM_LEASE_SECONDS",
            "MAX_DELIVERY_ATTEMPTS",
            "SLACK_UPDATE_INTERVAL_SECONDS",
            "FILES_BUCKET",
            "MAX_FILE_TOKENS",
            "LOG_LEVEL",
            "LOG_PROMPTS",
            "MENTIONS_DEAD_LETTER_TOPIC",
            "UPLOADS_TOPIC",
            "SETTINGS_URI",
            "SETTINGS_REFRESH_SECONDS",
            "MONTHLY_BUDGET_USD",
            "USER_DAILY_BUDGET_USD",
            "MAX_PROMPT_TOKENS",
            "SUMMARY_MODEL",
            "SUMMARY_MAX_TOKENS",
            "USER_MENTIONS_PER_MINUTE",
            "ALLOWED_CHANNELS",
            "ALLOWED_USERS",
            "EMBEDDINGS_BASE_URL",
            "EMBEDDING_MODEL",
            "EMBEDDING_DIMENSIONS",
            "RETRIEVAL_MAX_DISTANCE",
            "RETRIEVAL_MAX_PASSAGES",
            "RETRIEVAL_TOKEN_SHARE",
            "EXECUTOR_URL",
            "EXECUTOR_TIMEOUT_SECONDS",
            "LOADING_MESSAGES",
            "SUGGESTED_PROMPTS",
        }
    ),
    "files": frozenset(
        {
            "SLACK_BOT_TOKEN",
            "SLACK_BOT_TOKEN_FILE",
            "SLACK_API_URL",
            "GOOGLE_CLOUD_PROJECT",
            "FILES_BUCKET",
            "MENTIONS_TOPIC",
            "MAX_FILE_BYTES",
            "MAX_FILES_PER_MESSAGE",
            "MAX_FILE_TOKENS",
            "MAX_DELIVERY_ATTEMPTS",
            "EXTRACT_CPU_SECONDS",
            "LOG_LEVEL",
        }
    ),
    "indexer": frozenset(
        {
            "OPENAI_API_KEY",
            "OPENAI_API_KEY_FILE",
            "OPENAI_BASE_URL",
            "OPENAI_TIMEOUT_SECONDS",
            "OPENAI_MAX_RETRIES",
            "EMBEDDINGS_BASE_URL",
            "EMBEDDING_MODEL",
            "EMBEDDING_DIMENSIONS",
            "GOOGLE_CLOUD_PROJECT",
            "FIRESTORE_DATABASE",
            "KNOWLEDGE_BUCKET",
            "MAX_FILE_BYTES",
            "MAX_DELIVERY_ATTEMPTS",
            "LOG_LEVEL",
        }
    ),
}

# Read by functions-framework, not by our code, and set for every function: THREADS sizes its
# thread pool (Terraform sets it to the function's request concurrency).
RUNTIME_ENV = frozenset({"THREADS"})

SECRET_ENV = frozenset({"SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "OPENAI_API_KEY"})
# In the cloud a secret arrives as a file: a Secret Manager volume, whose every read returns the
# latest version. So a deployment needs no secret values, and ones added later are picked up.
SECRET_FILE_SUFFIX = "_FILE"
# Terraform gives each secret this first version (Cloud Run refuses to deploy a secret volume
# with no version); until a real value is added it means "not configured yet", like no file.
# terraform/secrets.tf writes the same text; tests/terraform checks that they stay equal.
SECRET_PLACEHOLDER = "not configured yet: add the real value as a new version (docs/deploy.md)"


class SecretUnavailable(RuntimeError):
    """A secret's file cannot be read yet (no version in Secret Manager, or no access)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    slack_signing_secret: str = ""
    slack_bot_token: str = ""
    slack_api_url: str = "https://slack.com/api/"
    openai_api_key: str = ""
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    model_context_tokens: int | None = None  # None: known from the model's name
    reserved_output_tokens: int = 4096
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    openai_timeout_seconds: float = 60.0
    openai_max_retries: int = 3
    # Everything a delivery does must end before Pub/Sub's push deadline (600 s in Terraform).
    response_time_budget_seconds: float = 300.0
    google_cloud_project: str = "local-project"
    firestore_database: str = "(default)"
    mentions_topic: str = "mentions"
    uploads_topic: str = "uploads"
    mentions_dead_letter_topic: str = "mentions-dead-letter"
    files_bucket: str = ""
    # A holder renews its claim every third of this on a timer, so a short lease is safe and
    # lets a crashed answer be taken over soon.
    claim_lease_seconds: float = 60.0
    max_delivery_attempts: int = 5
    slack_update_interval_seconds: float = 1.0
    max_request_bytes: int = 1_000_000
    max_file_bytes: int = 20_000_000
    max_files_per_message: int = 5
    max_file_tokens: int = 20_000
    # CPU seconds one attachment may take to read (in a child process, files/isolation.py);
    # its wall-clock limit is twice this plus 5 s, so 5 files fit the files function's 300 s.
    extract_cpu_seconds: int = 15
    # The code executor (functions/executor); empty: the model is offered no code execution.
    executor_url: str = ""
    executor_timeout_seconds: float = 60.0  # wall clock of one run of the model's code
    log_level: str = "INFO"
    # Logs the messages sent to the model (people's words): for local debugging, off in production.
    log_prompts: bool = False
    # Someone opened the bot's DM (app_home_opened, assistant_thread_started): from ingress to
    # the responder, which holds the bot token ingress must not have.
    assistant_events_topic: str = "assistant-events"
    loading_messages: tuple[str, ...] = DEFAULT_LOADING_MESSAGES
    suggested_prompts: tuple[str, ...] = DEFAULT_SUGGESTED_PROMPTS
    # The settings file (config/assistant.yaml): gs://bucket/name in the cloud, or a path.
    # Unset: the environment alone. Re-read at most this often, so a change needs no redeploy.
    feedback_topic: str = "feedback"  # feedback clicks, from ingress to the responder
    settings_uri: str = ""
    settings_refresh_seconds: float = 60.0
    # Budgets in US dollars (0: no limit), the defaults that the settings file may override.
    monthly_budget_usd: float = 100.0  # the workspace's, per calendar month (UTC)
    user_daily_budget_usd: float = 5.0  # each person's, per day (UTC)
    max_prompt_tokens: int = 32_000  # caps the prompt below the model's window; 0: window only
    # The rolling summary of turns that fall out of the prompt: its model ("": the answer's)
    # and length in tokens (0: no summary, old turns are just left out).
    summary_model: str = ""
    summary_max_tokens: int = 500
    user_mentions_per_minute: int = 10  # per person; 0: no limit
    allowed_channels: frozenset[str] = frozenset()  # empty: every channel
    allowed_users: frozenset[str] = frozenset()  # empty: everyone in the workspace
    # Retrieval over the organisation's documents (gs://KNOWLEDGE_BUCKET/knowledge/**).
    knowledge_bucket: str = ""
    embeddings_base_url: str | None = None  # None: OPENAI_BASE_URL's server embeds too
    embedding_model: str = "text-embedding-3-small"
    embedding_dimensions: int = 512
    # Cosine distance beyond which a passage is not relevant; depends on the embedding model
    # (this suits text-embedding-3-small; README "Answers from your documents").
    retrieval_max_distance: float = 0.65
    retrieval_max_passages: int = 5
    retrieval_token_share: float = 0.25  # of the input budget, at most, for passages

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in dataclasses.fields(cls):
            name = field.name.upper()
            raw = env.get(name)
            if name in SECRET_ENV and env.get(name + SECRET_FILE_SUFFIX):
                raw = _read_secret_file(name, env[name + SECRET_FILE_SUFFIX])
            if raw is None or raw == "":
                continue
            values[field.name] = _parse(field.type, raw, field.name)
        return cls(**values)


def _read_secret_file(name: str, path: str) -> str:
    try:
        value = Path(path).read_text().strip()
    except OSError as error:
        raise SecretUnavailable(
            f"{name} is not readable from {path} ({error.strerror or error}); "
            "add a version to its Secret Manager secret"
        ) from None
    if not value:
        raise SecretUnavailable(f"{name} is empty in {path}")
    if value == SECRET_PLACEHOLDER:
        raise SecretUnavailable(
            f"{name} in {path} is still Terraform's placeholder; add the real value as a version"
        )
    return value


def _parse(type_name: object, raw: str, name: str) -> object:
    kind = str(type_name)
    if kind.startswith("tuple"):
        # Sentences with spaces and commas: "|" separates the items.
        return tuple(item.strip() for item in raw.split("|") if item.strip())
    if kind.startswith("frozenset"):
        return frozenset(item for item in raw.replace(",", " ").split() if item)
    if kind == "bool":
        if raw.lower() not in ("1", "true", "yes", "0", "false", "no"):
            raise ValueError(f"{name.upper()} must be true or false, got {raw!r}")
        return raw.lower() in ("1", "true", "yes")
    try:
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
    except ValueError:
        raise ValueError(f"{name.upper()} must be a number, got {raw!r}") from None
    return raw


@cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import).

    Raises SecretUnavailable, uncached, while a secret's file cannot be read, so the next
    request tries again once the secret has a version.
    """
    return Settings.from_env()
