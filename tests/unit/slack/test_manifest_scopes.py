"""Every Slack Web API method the bot calls is covered by a bot scope in the app manifest.

The methods are found in the code (calls of slack_sdk `WebClient` methods, and `api_call`
with a method name); the scopes each needs are Slack's, from each method's reference page
(docs.slack.dev/reference/methods/<method>, "Required scopes", bot token). A method that
reads a conversation needs the scope for every conversation type the bot answers in (public
and private channels, DMs, group DMs). A new call fails here until the table and the
manifest know it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from slack_sdk import WebClient

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "slack" / "manifest.yaml.tftpl"
CODE = [*(ROOT / "assistant").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]

HISTORY = {"channels:history", "groups:history", "im:history", "mpim:history"}
READ = {"channels:read", "groups:read", "im:read", "mpim:read"}
# method -> the bot scopes it needs here. Slack's docs, checked 2026-12-07.
SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.getPermalink": set(),
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.startStream": {"chat:write"},
    "chat.appendStream": {"chat:write"},
    "chat.stopStream": {"chat:write"},
    "assistant.threads.setStatus": {"assistant:write"},
    "assistant.threads.setSuggestedPrompts": {"assistant:write"},
    "assistant.threads.setTitle": {"assistant:write"},
    # Public channels always; the rest where the policy lets the DM search (search.py).
    "assistant.search.context": {
        "search:read.public",
        "search:read.private",
        "search:read.im",
        "search:read.mpim",
    },
    "conversations.replies": HISTORY,
    "conversations.history": HISTORY,
    "conversations.info": READ,
    "conversations.list": READ,  # a routine's #channel names (routines/creation.py)
    "users.info": {"users:read"},
    "files.info": {"files:read"},
    # files_upload_v2: files.getUploadURLExternal, then files.completeUploadExternal.
    "files.upload_v2": {"files:write"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
}
# slack_sdk's method names that are not the Web API method with "." for "_".
SDK_NAMES = {"files_upload_v2": "files.upload_v2", "chat_stream": "chat.startStream"}


def web_api_methods() -> set[str]:
    sdk = {name for name in dir(WebClient) if not name.startswith("_") and "_" in name}
    sdk -= {"api_call"}
    called: set[str] = set()
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = node.func.attr
            if name == "api_call" and node.args and isinstance(node.args[0], ast.Constant):
                called.add(str(node.args[0].value))
            elif name in sdk and name.split("_")[0] in _FAMILIES:
                called.add(SDK_NAMES.get(name, name.replace("_", ".", 2)))
    return called


_FAMILIES = {"assistant", "auth", "chat", "conversations", "files", "users", "reactions", "bots"}


def manifest_bot_scopes() -> set[str]:
    text = MANIFEST.read_text()
    bot = text.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    return set(re.findall(r"^      - ([a-z:.\-_]+)", bot, flags=re.MULTILINE))


def test_the_method_scan_finds_the_calls_we_know_of():
    methods = web_api_methods()

    assert {"conversations.info", "users.info", "conversations.replies", "chat.postMessage",
            "assistant.search.context", "conversations.history"} <= methods  # fmt: skip


def test_every_web_api_method_the_bot_calls_is_covered_by_a_manifest_scope():
    scopes = manifest_bot_scopes()

    for method in sorted(web_api_methods()):
        assert method in SCOPES, f"{method}: add its scopes (Slack's docs) to SCOPES"
        missing = SCOPES[method] - scopes
        assert not missing, f"{method} needs {sorted(missing)} in slack/manifest.yaml.tftpl"


def test_users_read_is_asked_for_so_names_resolve_in_a_real_workspace():
    assert "users:read" in manifest_bot_scopes()
