"""Every setting, declared once: its variable, type, default, readers, settings-file key and doc.

`Settings` (config.py), `ENV_BY_FUNCTION`, `SECRET_ENV`, the settings file's schema and the
environment's base for every channel (channels/settings.py), docs/configuration.md and the
Terraform checks are all read from this table, so they cannot disagree. A setting is an env
variable (`env`), a key of the settings file (`channel_key`, the dotted path in a section of
config/assistant.yaml), or both: then the variable is the deployment's default for that key.

Pure and cheap to import (ingress imports it through config.py): the standard library only.

    >>> OPENAI_MODEL.default, OPENAI_MODEL.channel_key, sorted(OPENAI_MODEL.functions)
    ('gpt-4o-mini', 'model', ['responder'])
    >>> MAX_FILE_BYTES.parse("10")
    10
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Generic, TypeVar

from assistant.mcp.servers import McpServers

__all__ = [
    "CHANNEL_SETTINGS",
    "ENV_SETTINGS",
    "FUNCTIONS",
    "SETTINGS",
    "Setting",
    "channel_setting",
    "describe",
    "env_setting",
]

T = TypeVar("T")

INGRESS, RESPONDER, FILES, INDEXER = "ingress", "responder", "files", "indexer"
FUNCTIONS = (INGRESS, RESPONDER, FILES, INDEXER)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Setting(Generic[T]):
    """One setting. `kind` is its Python type (str, int, float, bool, `int | None`,
    `tuple[str, ...]` for ordered lists, `frozenset[str]` for sets)."""

    env: str | None  # the environment variable; None: only the settings file sets it
    kind: Any
    default: T
    doc: str  # one line, for docs/configuration.md
    functions: frozenset[str] = frozenset()  # which functions' code reads the variable
    channel_key: str | None = None  # its dotted key in a section of the settings file
    workspace_wide: bool = False  # refused under `channels:`: it means nothing for one channel
    secret: bool = False  # read from NAME_FILE (a Secret Manager volume) when that is set
    # A secret its user reads from NAME_FILE on each use, not at start: optional, so its
    # placeholder version breaks nothing, and a new version counts at once (MCP_HEADERS,
    # WEB_SEARCH_API_KEY).
    read_on_use: bool = False
    shown_default: str = ""  # how the docs state the default, when its value says too little

    @property
    def attribute(self) -> str | None:
        """Its attribute on `Settings`: the variable's name in lower case."""
        return self.env.lower() if self.env else None

    @property
    def name(self) -> str:
        return self.env or str(self.channel_key)

    def parse(self, raw: str) -> T:
        """The variable's text as this setting's type; raises ValueError naming the variable."""
        return typing.cast(T, _parse(self.kind, raw, self.name))

    def described_default(self) -> str:
        if self.shown_default:
            return self.shown_default
        return describe(self.default)


def describe(value: object) -> str:
    """A value as the docs show it: lists "|"-separated, empty ones and None named.

    >>> describe(("a", "b")), describe(frozenset()), describe(None), describe(0.65), describe(60.0)
    ('a | b', '(empty)', '(unset)', '0.65', '60')
    """
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple | frozenset | list):
        return " | ".join(sorted(value) if isinstance(value, frozenset) else value) or "(empty)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 60, not 60.0
    return str(value) if value != "" else "(empty)"


def env_setting(
    env: str, kind: Any, default: T, functions: tuple[str, ...], doc: str, **more: Any
) -> Setting[T]:
    return Setting(
        env=env, kind=kind, default=default, doc=doc, functions=frozenset(functions), **more
    )


def channel_setting(key: str, kind: Any, default: T, doc: str, **more: Any) -> Setting[T]:
    """A key only the settings file sets (no environment variable)."""
    return Setting(env=None, kind=kind, default=default, doc=doc, channel_key=key, **more)


def _parse(kind: Any, raw: str, name: str) -> object:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):  # `int | None`: an unset variable is None
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
        origin = typing.get_origin(kind)
    if origin is tuple:
        # Sentences with spaces and commas: "|" separates the items.
        return tuple(item.strip() for item in raw.split("|") if item.strip())
    if origin is frozenset:
        return frozenset(item for item in raw.replace(",", " ").split() if item)
    if kind is bool:
        if raw.lower() not in ("1", "true", "yes", "0", "false", "no"):
            raise ValueError(f"{name} must be true or false, got {raw!r}")
        return raw.lower() in ("1", "true", "yes")
    try:
        if kind is int or kind is float:
            return kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    return raw


# The table, one entry per setting (formatted by hand: each entry reads as one unit).
# fmt: off
_ALL = (INGRESS, RESPONDER, FILES, INDEXER)
_MODEL_USERS = (RESPONDER, INDEXER)  # chat and embeddings go through the same client settings
_SLACK_USERS = (RESPONDER, FILES)

# --- Secrets: in the cloud each is a file from Secret Manager (NAME_FILE) ---------------------
SLACK_SIGNING_SECRET = env_setting("SLACK_SIGNING_SECRET", str, "", (INGRESS,),
    "verifies Slack's request signatures", secret=True, shown_default="(required)")
SLACK_BOT_TOKEN = env_setting("SLACK_BOT_TOKEN", str, "", _SLACK_USERS,
    "`xoxb-` token for replies and file downloads", secret=True, shown_default="(required)")
OPENAI_API_KEY = env_setting("OPENAI_API_KEY", str, "", _MODEL_USERS,
    "OpenAI key (chat and embeddings); local servers accept any", secret=True)

# --- Slack and the model ----------------------------------------------------------------------
SLACK_API_URL = env_setting("SLACK_API_URL", str, "https://slack.com/api/", _SLACK_USERS,
    "Slack Web API base URL (the sandbox locally)")
OPENAI_BASE_URL: Setting[str | None] = env_setting(
    "OPENAI_BASE_URL", str | None, None, _MODEL_USERS,
    "any OpenAI-compatible server", shown_default="OpenAI")
OPENAI_MODEL = env_setting("OPENAI_MODEL", str, "gpt-4o-mini", (RESPONDER,),
    "the model; also selects the context window, tokenizer and price", channel_key="model")
MODEL_CONTEXT_TOKENS: Setting[int | None] = env_setting(
    "MODEL_CONTEXT_TOKENS", int | None, None, (RESPONDER,),
    "context window override for unknown or self-hosted models",
    shown_default="from the model name")
RESERVED_OUTPUT_TOKENS = env_setting("RESERVED_OUTPUT_TOKENS", int, 4096, (RESPONDER,),
    "tokens kept free for the answer (capped at a quarter of the window)")
SYSTEM_PROMPT = env_setting("SYSTEM_PROMPT", str,
    "You are a helpful assistant in a Slack workspace. Answer concisely in standard Markdown. "
    "Earlier messages in this thread are the conversation so far.", (RESPONDER,),
    "the persona: the model's instructions", channel_key="persona.system_prompt",
    shown_default="a concise Slack assistant")
OPENAI_TIMEOUT_SECONDS = env_setting("OPENAI_TIMEOUT_SECONDS", float, 60.0, _MODEL_USERS,
    "per request, and the longest silence inside a stream")
OPENAI_MAX_RETRIES = env_setting("OPENAI_MAX_RETRIES", int, 3, _MODEL_USERS,
    "the `openai` client's retries (429 with Retry-After, 5xx, connection errors, timeouts)")
# Everything a delivery does must end before Pub/Sub's push deadline (600 s in Terraform).
RESPONSE_TIME_BUDGET_SECONDS = env_setting("RESPONSE_TIME_BUDGET_SECONDS", float, 300.0,
    (RESPONDER,), "everything one answer may take; stays under the 600 s push deadline")

# --- Google Cloud, topics and buckets (assistant/topics.py: who is pushed from which topic) ---
GOOGLE_CLOUD_PROJECT = env_setting("GOOGLE_CLOUD_PROJECT", str, "local-project", _ALL,
    "project for Pub/Sub, Firestore and Storage")
FIRESTORE_DATABASE = env_setting("FIRESTORE_DATABASE", str, "(default)", _MODEL_USERS,
    "Firestore database id")
MENTIONS_TOPIC = env_setting("MENTIONS_TOPIC", str, "mentions", (INGRESS, FILES, RESPONDER),
    "the topic the responder is pushed from (it publishes the answer's continuation after an "
    "Approve or Deny)")
UPLOADS_TOPIC = env_setting("UPLOADS_TOPIC", str, "uploads", (INGRESS, RESPONDER),
    "the topic the files function is pushed from (the responder forwards follow-ups with files)")
MENTIONS_DEAD_LETTER_TOPIC = env_setting("MENTIONS_DEAD_LETTER_TOPIC", str,
    "mentions-dead-letter", (RESPONDER,), "where the responder files a mention it gave up on")
FILES_BUCKET = env_setting("FILES_BUCKET", str, "", _SLACK_USERS,
    "bucket that mirrors attachments", shown_default="(required for files)")
# A holder renews its claim every third of this on a timer, so a short lease is safe and lets a
# crashed answer be taken over soon.
CLAIM_LEASE_SECONDS = env_setting("CLAIM_LEASE_SECONDS", float, 60.0, (RESPONDER,),
    "after this long without a heartbeat a claim's holder is presumed dead; at least 15")
MAX_DELIVERY_ATTEMPTS = env_setting("MAX_DELIVERY_ATTEMPTS", int, 5, (RESPONDER, FILES, INDEXER),
    "the last attempt tells the user before the message is dead-lettered "
    "(keep equal to the subscription's)")
SLACK_UPDATE_INTERVAL_SECONDS = env_setting("SLACK_UPDATE_INTERVAL_SECONDS", float, 1.0,
    (RESPONDER,), "minimum time between streamed edits of a message")
# chat.appendStream is Tier 4 (100+ a minute per workspace): 6 s keeps 10 answers streaming at
# once at 100 a minute (bench/slack_calls.py).
SLACK_STREAM_APPEND_SECONDS = env_setting("SLACK_STREAM_APPEND_SECONDS", float, 6.0,
    (RESPONDER,), "minimum time between two appends to a natively streamed answer")

# --- Sizes of requests and files --------------------------------------------------------------
MAX_REQUEST_BYTES = env_setting("MAX_REQUEST_BYTES", int, 1_000_000, (INGRESS,),
    "larger Slack requests are refused with 413")
MAX_FILE_BYTES = env_setting("MAX_FILE_BYTES", int, 20_000_000, (FILES, INDEXER),
    "largest attachment downloaded; larger documents are skipped")
MAX_FILES_PER_MESSAGE = env_setting("MAX_FILES_PER_MESSAGE", int, 5, (FILES,),
    "attachments read per message")
MAX_FILE_TOKENS = env_setting("MAX_FILE_TOKENS", int, 20_000, (RESPONDER, FILES),
    "most tokens of one file given to the model")
# In a child process (files/isolation.py); its wall-clock limit is twice this plus 5 s, so 5
# files fit the files function's 300 s.
EXTRACT_CPU_SECONDS = env_setting("EXTRACT_CPU_SECONDS", int, 15, (FILES, INDEXER),
    "CPU seconds one attachment or knowledge document may take to read (wall clock: twice "
    "this plus 5 s); past it the file is named as unreadable, the document skipped")

# --- Code execution, logs, the bot's DM -------------------------------------------------------
EXECUTOR_URL = env_setting("EXECUTOR_URL", str, "", (RESPONDER,),
    "the code executor; when set the model is offered `run_python`", shown_default="(none)")
EXECUTOR_TIMEOUT_SECONDS = env_setting("EXECUTOR_TIMEOUT_SECONDS", float, 60.0, (RESPONDER,),
    "wall clock of one run of the model's code (the executor caps it at 300)")
MCP_CALL_TIMEOUT_SECONDS = env_setting("MCP_CALL_TIMEOUT_SECONDS", float, 20.0, (RESPONDER,),
    "most one MCP tool call may take; past it the model is told the server did not answer")
MCP_LIST_TTL_SECONDS = env_setting("MCP_LIST_TTL_SECONDS", float, 300.0, (RESPONDER,),
    "how long an instance keeps an MCP server's tool list before listing it again")
APPROVAL_TIMEOUT_MINUTES = env_setting("APPROVAL_TIMEOUT_MINUTES", int, 15, (RESPONDER,),
    "how long a tool call that may write waits for the asker's Approve before it expires "
    "and the answer goes on without it")
MCP_HEADERS = env_setting("MCP_HEADERS", str, "", (RESPONDER,),
    "MCP servers' header values, a JSON object: secret name -> value (the settings file names "
    "the secret, never the value); locally an environment variable of each name instead",
    secret=True, read_on_use=True)
# Brave Search's Web Search API (assistant/web/search_api.py says why Brave).
WEB_SEARCH_URL = env_setting("WEB_SEARCH_URL", str,
    "https://api.search.brave.com/res/v1/web/search", (RESPONDER,),
    "the search provider's endpoint (Brave's Web Search API; a local stand-in in the tests)")
WEB_SEARCH_API_KEY = env_setting("WEB_SEARCH_API_KEY", str, "", (RESPONDER,),
    "Brave Search API key; while it has a value the model may be offered `web_search`, which "
    "sends its queries to Brave", secret=True, read_on_use=True, shown_default="(none)")
LOG_LEVEL = env_setting("LOG_LEVEL", str, "INFO", _ALL, "log level of the JSON logs")
LOG_PROMPTS = env_setting("LOG_PROMPTS", bool, False, (RESPONDER,),
    "log the messages sent to the model (people's words): on locally, off in Terraform")
# Someone opened the bot's DM: from ingress to the responder, which holds the bot token.
ASSISTANT_EVENTS_TOPIC = env_setting("ASSISTANT_EVENTS_TOPIC", str, "assistant-events",
    (INGRESS,), "where ingress publishes \"the bot's DM was opened\" for the responder "
    "to set the suggested prompts")
LOADING_MESSAGES: Setting[tuple[str, ...]] = env_setting("LOADING_MESSAGES", tuple[str, ...],
    ("Reading the thread…", "Thinking it over…", "Checking what I know…", "Writing the answer…"),
    (RESPONDER,), "the loading status's rotating messages in the bot's DM "
    "(`assistant.threads.setStatus`), `|`-separated, at most 10")
SUGGESTED_PROMPTS: Setting[tuple[str, ...]] = env_setting("SUGGESTED_PROMPTS", tuple[str, ...], (
    "What can you do? => What can you help me with here, and which tools can you use?",
    "Summarise this thread => Summarise this thread so far in a few bullet points.",
    "Analyse a CSV => I will attach a CSV: tell me what stands out in it and plot it.",
    "Search our documents => Which of our documents answer this, and what do they say?",
), (RESPONDER,), "the prompts the DM offers when someone opens it, `|`-separated, "
    "each `title => message` (or one text for both), at most 4",
    shown_default="What can you do?, Summarise this thread, Analyse a CSV, "
    "Search our documents")
FEEDBACK_TOPIC = env_setting("FEEDBACK_TOPIC", str, "feedback", (INGRESS,),
    "where ingress publishes feedback clicks for the responder to record")

# --- The settings file, budgets and limits (defaults the file may override) -------------------
SETTINGS_URI = env_setting("SETTINGS_URI", str, "", (RESPONDER,),
    "the settings file, `gs://bucket/assistant.yaml` (Terraform sets it) or a path",
    shown_default="(unset: the environment alone)")
SETTINGS_REFRESH_SECONDS = env_setting("SETTINGS_REFRESH_SECONDS", float, 60.0, (RESPONDER,),
    "how often at most the settings file is re-read")
MONTHLY_BUDGET_USD = env_setting("MONTHLY_BUDGET_USD", float, 100.0, (RESPONDER,),
    "the workspace's estimated model spend per calendar month (UTC), US dollars; 0: no limit",
    channel_key="budgets.workspace_monthly_usd", workspace_wide=True)
USER_DAILY_BUDGET_USD = env_setting("USER_DAILY_BUDGET_USD", float, 5.0, (RESPONDER,),
    "what one person may spend per day (UTC), US dollars; 0: no limit",
    channel_key="budgets.user_daily_usd")
MAX_PROMPT_TOKENS = env_setting("MAX_PROMPT_TOKENS", int, 32_000, (RESPONDER,),
    "caps every prompt below the model's window; 0: the window alone",
    channel_key="limits.max_prompt_tokens")
SUMMARY_MODEL = env_setting("SUMMARY_MODEL", str, "", (RESPONDER,),
    "writes the rolling summary of a thread's turns that no longer fit the prompt",
    shown_default="(empty: the answer's model)")
SUMMARY_MAX_TOKENS = env_setting("SUMMARY_MAX_TOKENS", int, 500, (RESPONDER,),
    "the summary's length (at most an eighth of the prompt); 0: no summaries")
USER_MENTIONS_PER_MINUTE = env_setting("USER_MENTIONS_PER_MINUTE", int, 10, (RESPONDER,),
    "mentions one person may make per minute; 0: no limit",
    channel_key="limits.mentions_per_minute")
ALLOWED_CHANNELS: Setting[frozenset[str]] = env_setting(
    "ALLOWED_CHANNELS", frozenset[str], frozenset(), (RESPONDER,),
    "the channel ids the bot answers in (empty: every channel)",
    channel_key="allow.channels", workspace_wide=True)
ALLOWED_USERS: Setting[frozenset[str]] = env_setting(
    "ALLOWED_USERS", frozenset[str], frozenset(), (RESPONDER,),
    "the user ids the bot answers (empty: everyone in the workspace); "
    "also lets a listed guest from another organisation in", channel_key="allow.users")
ALLOW_DIRECT_MESSAGES = env_setting("ALLOW_DIRECT_MESSAGES", bool, True, (RESPONDER,),
    "answer in direct messages with the bot; ALLOWED_CHANNELS does not reach DMs (their ids are "
    "per person), ALLOWED_USERS and the budgets do; `false`: channels only",
    channel_key="allow.direct_messages", workspace_wide=True)

# --- Answers from documents (gs://KNOWLEDGE_BUCKET/knowledge/**) ------------------------------
KNOWLEDGE_BUCKET = env_setting("KNOWLEDGE_BUCKET", str, "", (INDEXER,),
    "the bucket whose `knowledge/` objects are indexed", shown_default="(required for documents)")
EMBEDDINGS_BASE_URL: Setting[str | None] = env_setting(
    "EMBEDDINGS_BASE_URL", str | None, None, _MODEL_USERS,
    "an OpenAI-compatible server for `/v1/embeddings` when it is not OPENAI_BASE_URL's")
EMBEDDING_MODEL = env_setting("EMBEDDING_MODEL", str, "text-embedding-3-small", _MODEL_USERS,
    "embeds documents and questions; a name containing `e5` (or `bge`, `gte-`) is sent "
    "`input_type` passage/query")
EMBEDDING_DIMENSIONS = env_setting("EMBEDDING_DIMENSIONS", int, 512, _MODEL_USERS,
    "vector size; must equal the Firestore vector index's")
# 0: the embedding model's calibration (assistant/retrieval/relevance.py, docs/knowledge.md).
RETRIEVAL_MAX_DISTANCE = env_setting("RETRIEVAL_MAX_DISTANCE", float, 0.0, (RESPONDER,),
    "cosine distance beyond which a passage is not relevant, judged on distance alone; 0: the "
    "embedding model's calibration (distance, then the question's words in the passage)",
    shown_default="0 (calibrated per model)")
RETRIEVAL_MAX_PASSAGES = env_setting("RETRIEVAL_MAX_PASSAGES", int, 5, (RESPONDER,),
    "most passages sent with a question")
RETRIEVAL_TOKEN_SHARE = env_setting("RETRIEVAL_TOKEN_SHARE", float, 0.25, (RESPONDER,),
    "largest share of the input budget the passages may take")

ROUTINE_RUNS_TOPIC = env_setting("ROUTINE_RUNS_TOPIC", str, "routine-runs", (RESPONDER,),
    "Pub/Sub topic the scheduler's tick publishes each due routine slot to")
ROUTINE_ACTIONS_TOPIC = env_setting("ROUTINE_ACTIONS_TOPIC", str, "routine-actions", (INGRESS,),
    "Pub/Sub topic for clicks on a routine's Confirm / Cancel buttons")
ROUTINE_MAX_LATE_HOURS = env_setting("ROUTINE_MAX_LATE_HOURS", float, 6.0, (RESPONDER,),
    "a routine slot missed while the service was down runs on recovery if at most this late; "
    "an older one is skipped with a note")

# --- Keys only the settings file sets ---------------------------------------------------------
ENABLED = channel_setting("enabled", bool, True,
    "`false`: the bot politely declines in that channel (once per thread)")
PERSONA_DISPLAY_NAME = channel_setting("persona.display_name", str, "",
    "the name on the bot's messages (needs the scope chat:write.customize)")
PERSONA_ICON_EMOJI = channel_setting("persona.icon_emoji", str, "",
    "the icon on the bot's messages, an emoji such as `:moneybag:`")
PERSONA_ICON_URL = channel_setting("persona.icon_url", str, "",
    "the icon on the bot's messages, an image's URL (when no icon_emoji)")
DOCUMENT_SETS: Setting[tuple[str, ...]] = channel_setting("document_sets", tuple[str, ...], (),
    "the document sets answers may draw on there (empty: every set)")
TOOLS_DOCUMENTS = channel_setting("tools.documents", bool, True,
    "search the document sets, when that tool is deployed")
TOOLS_CODE = channel_setting("tools.code", bool, True,
    "run Python (`run_python`), when the executor is deployed (EXECUTOR_URL)")
TOOLS_WEB = channel_setting("tools.web", bool, True,
    "read web pages (`read_url`): public http(s) addresses only, unless `web.allowed_hosts` "
    "names more")
TOOLS_WEB_SEARCH = channel_setting("tools.web_search", bool, True,
    "search the web (`web_search`), when a search key is deployed (WEB_SEARCH_API_KEY): the "
    "model's queries go to Brave Search; `false` keeps them in")
WEB_ALLOWED_HOSTS: Setting[frozenset[str]] = channel_setting(
    "web.allowed_hosts", frozenset[str], frozenset(),
    "hosts `read_url` may read although they are internal (a name, an address or a network "
    "such as `10.20.0.0/16`); everything else private, loopback or link-local is refused")
FOLLOW_UPS_WITHOUT_MENTION = channel_setting("follow_ups_without_mention", bool, True,
    "in a thread the bot answered where only the asker writes, answer their replies without "
    "a new mention (until someone else writes there); `false`: always a mention")
BUDGETS_CHANNEL_MONTHLY_USD = channel_setting("budgets.channel_monthly_usd", float, 0.0,
    "this channel's own monthly cap, US dollars; 0: no limit")
ROUTINES_ALLOWED = channel_setting("routines.allowed", bool, True,
    "scheduled recaps (`@assistant every weekday at 9:00 summarise #x here`) may be created "
    "and run here; `false`: they are refused, and those posting here are skipped")
ROUTINES_PER_PERSON = channel_setting("routines.per_person", int, 5,
    "most active routines one person may have in the workspace; 0: no limit")
ALLOW_EXTERNAL_TEAMS: Setting[frozenset[str]] = channel_setting(
    "allow.external_teams", frozenset[str], frozenset(),
    "other organisations (Slack Connect teams) whose people may ask")
AUDIENCE_SHARED_CHANNELS = channel_setting("audience.shared_channels", bool, False,
    "in a channel shared with another organisation (Slack Connect), still use documents, "
    "Slack search and tools; off: answers there draw on none of them")
AUDIENCE_GUESTS = channel_setting("audience.guests", bool, False,
    "when the asker is a guest, still use documents, Slack search, tools and links to other "
    "channels; off: none of them")
MCP_SERVERS = channel_setting("mcp_servers", McpServers, McpServers(),
    "MCP servers whose allowed read-only tools answers may call: name -> {url (streamable "
    "HTTP), headers (header -> secret name), tools (allowlist, [\"*\"]: all), confirm, "
    "enabled}; tools that may write are not offered yet", shown_default="(none)")

# fmt: on

# Every setting above, in the order declared (the docs' order).
SETTINGS: tuple[Setting[Any], ...] = tuple(
    value for value in dict(globals()).values() if isinstance(value, Setting)
)
ENV_SETTINGS = {setting.env: setting for setting in SETTINGS if setting.env}
CHANNEL_SETTINGS = {setting.channel_key: setting for setting in SETTINGS if setting.channel_key}
