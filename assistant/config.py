"""Configuration, read once from the environment into a frozen object.

Every variable is declared once, in assistant/settings_registry.py (its type, default, the
functions that read it, its doc); `Settings`, `ENV_BY_FUNCTION` and `SECRET_ENV` are read from
there, so the Terraform checks can prove each deployed function gets exactly what its code reads.

    >>> settings = Settings.from_env({"OPENAI_MODEL": "gpt-4o-mini"})
    >>> settings.openai_model
    'gpt-4o-mini'
    >>> settings.get(registry.RETRIEVAL_MAX_DISTANCE)  # 0: the embedding model's calibration
    0.0
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from assistant import settings_registry as registry
from assistant.settings_registry import ENV_SETTINGS, FUNCTIONS, Setting

__all__ = [
    "ENV_BY_FUNCTION",
    "RUNTIME_ENV",
    "SECRET_ENV",
    "SECRET_FILE_SUFFIX",
    "SECRET_PLACEHOLDER",
    "SecretOnUse",
    "SecretUnavailable",
    "Settings",
    "get_settings",
]

T = TypeVar("T")

DEFAULT_LOADING_MESSAGES = registry.LOADING_MESSAGES.default
DEFAULT_SUGGESTED_PROMPTS = registry.SUGGESTED_PROMPTS.default
DEFAULT_SYSTEM_PROMPT = registry.SYSTEM_PROMPT.default

SECRET_ENV = frozenset(name for name, setting in ENV_SETTINGS.items() if setting.secret)
# In the cloud a secret arrives as a file: a Secret Manager volume, whose every read returns the
# latest version. So a deployment needs no secret values, and ones added later are picked up.
SECRET_FILE_SUFFIX = "_FILE"

# Which function reads which variable (a secret also as NAME_FILE).
ENV_BY_FUNCTION: dict[str, frozenset[str]] = {
    function: frozenset(
        name
        for env, setting in ENV_SETTINGS.items()
        if function in setting.functions
        for name in ((env, env + SECRET_FILE_SUFFIX) if setting.secret else (env,))
    )
    for function in FUNCTIONS
}

# Read by functions-framework, not by our code, and set for every function: THREADS sizes its
# thread pool (Terraform sets it to the function's request concurrency).
RUNTIME_ENV = frozenset({"THREADS"})

# Terraform gives each secret this first version (Cloud Run refuses to deploy a secret volume
# with no version); until a real value is added it means "not configured yet", like no file.
# terraform/secrets.tf writes the same text; tests/terraform checks that they stay equal.
SECRET_PLACEHOLDER = "not configured yet: add the real value as a new version (docs/deploy.md)"


class SecretUnavailable(RuntimeError):
    """A secret's file cannot be read yet (no version in Secret Manager, or no access)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Settings:
    """One attribute per variable of the registry; its type and default come from there
    (tests/unit/test_settings_registry.py fails when they differ)."""

    slack_signing_secret: str = registry.SLACK_SIGNING_SECRET.default
    slack_bot_token: str = registry.SLACK_BOT_TOKEN.default
    openai_api_key: str = registry.OPENAI_API_KEY.default
    slack_api_url: str = registry.SLACK_API_URL.default
    openai_base_url: str | None = registry.OPENAI_BASE_URL.default
    openai_model: str = registry.OPENAI_MODEL.default
    model_context_tokens: int | None = registry.MODEL_CONTEXT_TOKENS.default
    reserved_output_tokens: int = registry.RESERVED_OUTPUT_TOKENS.default
    system_prompt: str = registry.SYSTEM_PROMPT.default
    openai_timeout_seconds: float = registry.OPENAI_TIMEOUT_SECONDS.default
    openai_max_retries: int = registry.OPENAI_MAX_RETRIES.default
    response_time_budget_seconds: float = registry.RESPONSE_TIME_BUDGET_SECONDS.default
    google_cloud_project: str = registry.GOOGLE_CLOUD_PROJECT.default
    firestore_database: str = registry.FIRESTORE_DATABASE.default
    mentions_topic: str = registry.MENTIONS_TOPIC.default
    uploads_topic: str = registry.UPLOADS_TOPIC.default
    mentions_dead_letter_topic: str = registry.MENTIONS_DEAD_LETTER_TOPIC.default
    files_bucket: str = registry.FILES_BUCKET.default
    claim_lease_seconds: float = registry.CLAIM_LEASE_SECONDS.default
    max_delivery_attempts: int = registry.MAX_DELIVERY_ATTEMPTS.default
    slack_update_interval_seconds: float = registry.SLACK_UPDATE_INTERVAL_SECONDS.default
    slack_stream_append_seconds: float = registry.SLACK_STREAM_APPEND_SECONDS.default
    max_request_bytes: int = registry.MAX_REQUEST_BYTES.default
    max_file_bytes: int = registry.MAX_FILE_BYTES.default
    max_files_per_message: int = registry.MAX_FILES_PER_MESSAGE.default
    max_file_tokens: int = registry.MAX_FILE_TOKENS.default
    extract_cpu_seconds: int = registry.EXTRACT_CPU_SECONDS.default
    executor_url: str = registry.EXECUTOR_URL.default
    executor_timeout_seconds: float = registry.EXECUTOR_TIMEOUT_SECONDS.default
    mcp_call_timeout_seconds: float = registry.MCP_CALL_TIMEOUT_SECONDS.default
    mcp_list_ttl_seconds: float = registry.MCP_LIST_TTL_SECONDS.default
    approval_timeout_minutes: int = registry.APPROVAL_TIMEOUT_MINUTES.default
    # Never read at start (read_on_use): assistant/mcp/client.py SecretValues reads its file.
    mcp_headers: str = registry.MCP_HEADERS.default
    web_search_url: str = registry.WEB_SEARCH_URL.default
    # Never read at start (read_on_use): `SecretOnUse` reads it when a search is offered.
    web_search_api_key: str = registry.WEB_SEARCH_API_KEY.default
    log_level: str = registry.LOG_LEVEL.default
    log_prompts: bool = registry.LOG_PROMPTS.default
    assistant_events_topic: str = registry.ASSISTANT_EVENTS_TOPIC.default
    loading_messages: tuple[str, ...] = registry.LOADING_MESSAGES.default
    suggested_prompts: tuple[str, ...] = registry.SUGGESTED_PROMPTS.default
    feedback_topic: str = registry.FEEDBACK_TOPIC.default
    settings_uri: str = registry.SETTINGS_URI.default
    settings_refresh_seconds: float = registry.SETTINGS_REFRESH_SECONDS.default
    monthly_budget_usd: float = registry.MONTHLY_BUDGET_USD.default
    user_daily_budget_usd: float = registry.USER_DAILY_BUDGET_USD.default
    max_prompt_tokens: int = registry.MAX_PROMPT_TOKENS.default
    summary_model: str = registry.SUMMARY_MODEL.default
    summary_max_tokens: int = registry.SUMMARY_MAX_TOKENS.default
    user_mentions_per_minute: int = registry.USER_MENTIONS_PER_MINUTE.default
    allowed_channels: frozenset[str] = registry.ALLOWED_CHANNELS.default
    allowed_users: frozenset[str] = registry.ALLOWED_USERS.default
    allow_direct_messages: bool = registry.ALLOW_DIRECT_MESSAGES.default
    knowledge_bucket: str = registry.KNOWLEDGE_BUCKET.default
    embeddings_base_url: str | None = registry.EMBEDDINGS_BASE_URL.default
    embedding_model: str = registry.EMBEDDING_MODEL.default
    embedding_dimensions: int = registry.EMBEDDING_DIMENSIONS.default
    retrieval_max_distance: float = registry.RETRIEVAL_MAX_DISTANCE.default
    retrieval_max_passages: int = registry.RETRIEVAL_MAX_PASSAGES.default
    retrieval_token_share: float = registry.RETRIEVAL_TOKEN_SHARE.default
    routine_runs_topic: str = registry.ROUTINE_RUNS_TOPIC.default
    routine_actions_topic: str = registry.ROUTINE_ACTIONS_TOPIC.default
    routine_max_late_hours: float = registry.ROUTINE_MAX_LATE_HOURS.default
    # Registered variables without an attribute here (a setting added to the registry alone):
    # (variable, value) pairs, read with `get`. A tuple, so that Settings stays hashable.
    unlisted: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        unlisted: list[tuple[str, Any]] = []
        for name, setting in ENV_SETTINGS.items():
            if setting.read_on_use:
                continue  # its user reads it (assistant/mcp/client.py SecretValues)
            raw = env.get(name)
            if setting.secret and env.get(name + SECRET_FILE_SUFFIX):
                raw = _read_secret_file(name, env[name + SECRET_FILE_SUFFIX])
            if raw is None or raw == "":
                continue
            if setting.attribute in _ATTRIBUTES:
                values[str(setting.attribute)] = setting.parse(raw)
            else:
                unlisted.append((name, setting.parse(raw)))
        return cls(**values, unlisted=tuple(unlisted))  # type: ignore[arg-type]

    def get(self, setting: Setting[T]) -> T:
        """The value of any registered variable, typed by its registry entry."""
        if setting.attribute in _ATTRIBUTES:
            return getattr(self, str(setting.attribute))
        if setting.env is None:
            raise KeyError(f"{setting.name} is no environment variable")
        return dict(self.unlisted).get(setting.env, setting.default)


_ATTRIBUTES = frozenset(field.name for field in dataclasses.fields(Settings)) - {"unlisted"}


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


class SecretOnUse:
    """An optional secret read on each use (`read_on_use`): from the file NAME_FILE names (a
    Secret Manager volume: a new version counts at once), else the variable NAME (locally).
    "" while it is not configured: no file, an empty one, or Terraform's placeholder; an
    optional feature then stays off instead of the function refusing to start.

        >>> SecretOnUse(registry.WEB_SEARCH_API_KEY, {"WEB_SEARCH_API_KEY": "k1"})()
        'k1'
        >>> SecretOnUse(registry.WEB_SEARCH_API_KEY, {})()
        ''
    """

    def __init__(self, setting: Setting[str], env: Mapping[str, str] | None = None) -> None:
        assert setting.secret and setting.read_on_use and setting.env, setting.name
        self._name = setting.env
        self._env = os.environ if env is None else env

    def __call__(self) -> str:
        path = self._env.get(self._name + SECRET_FILE_SUFFIX, "")
        if not path:
            return self._env.get(self._name, "").strip()
        try:
            value = Path(path).read_text().strip()
        except OSError:
            return ""
        return "" if value == SECRET_PLACEHOLDER else value


@cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import).

    Raises SecretUnavailable, uncached, while a secret's file cannot be read, so the next
    request tries again once the secret has a version.
    """
    return Settings.from_env()
