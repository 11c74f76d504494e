"""Writes docs/configuration.md from the registries: assistant/settings_registry.py (every
variable and settings-file key) and assistant/topics.py (every topic).

    python -m devstack.configuration_docs           # rewrite docs/configuration.md
    python -m devstack.configuration_docs --check   # exit 1 when it is out of date

tests/unit/test_settings_registry.py fails when the committed file differs from this output.
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from pathlib import Path
from typing import Any

from assistant.channels.settings import SECTION_KEYS
from assistant.settings_registry import CHANNEL_SETTINGS, ENV_SETTINGS, FUNCTIONS
from assistant.topics import TOPICS

__all__ = ["DOCS_PATH", "REGENERATE", "render"]

DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
REGENERATE = "python -m devstack.configuration_docs"

# Variables that are not the code's settings: the platform's, the emulators', the docs' own.
OTHER_VARIABLES = (
    ("`SLACK_SIGNING_SECRET_FILE`, `SLACK_BOT_TOKEN_FILE`, `OPENAI_API_KEY_FILE`", "as the secret",
     "(unset)", "read the secret from this file instead: in the cloud a Secret Manager volume, "
     "whose every read sees the latest version. Until a real version is added, Terraform's "
     "placeholder (like an empty or unreadable file) answers 503 with a log line"),
    ("`THREADS`", "functions-framework", "4 per CPU", "its thread pool; Terraform sets it to each "
     "function's request concurrency (`local.function_concurrency`), checked in tests/terraform"),
    ("`PUBSUB_EMULATOR_HOST`, `FIRESTORE_EMULATOR_HOST`, `STORAGE_EMULATOR_HOST`", "all",
     "(unset)", "the emulators, locally"),
    ("`TIKTOKEN_CACHE_DIR`", "responder, indexer", "a temp dir",
     "where the vendored encodings are placed"),
    ("`KNOWLEDGE_TOPIC`", "(no function)", "`knowledge`", "the topic the knowledge bucket "
     "notifies: `<name_prefix>-knowledge` in Terraform; `python -m devstack.knowledge` locally"),
)  # fmt: skip


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _row(*cells: object) -> str:
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _kind(kind: Any, *, in_file: bool) -> str:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
        origin = typing.get_origin(kind)
    if origin is tuple:
        return "list of names" if in_file else "list, `|`-separated"
    if origin is frozenset:
        return "list of names" if in_file else "list, comma-separated"
    if hasattr(kind, "from_section"):  # a structured value (McpServers)
        return "mapping (see config/assistant.yaml)"
    return {str: "text", int: "whole number", float: "number", bool: "true / false"}[kind]


def _shown(text: str, *, literal: bool) -> str:
    """A value in backticks; prose ("from the model name", "(empty)") as it is."""
    return f"`{text}`" if literal and not text.startswith("(") else text


def _file_keys(keys: dict[str, Any], prefix: str = "") -> list[str]:
    """The settings file's keys, dotted, in the order the file's sections list them."""
    found = []
    for name, kind in keys.items():
        dotted = prefix + name
        found += _file_keys(kind, dotted + ".") if isinstance(kind, dict) else [dotted]
    return found


def _readers(functions: frozenset[str]) -> str:
    if set(functions) == set(FUNCTIONS):
        return "all"
    return ", ".join(name for name in FUNCTIONS if name in functions)


def render() -> str:
    lines = [
        "# Configuration",
        "",
        f"Generated from `assistant/settings_registry.py` and `assistant/topics.py` by "
        f"`{REGENERATE}`; edit those, not this file (a unit test compares them).",
        "",
        "## Environment variables",
        "",
        "Terraform sets each function exactly the variables its code reads (`terraform/"
        "environment.tf`, checked in `tests/terraform`). The secrets come from Secret "
        "Manager volumes (the `*_FILE` variables); the optional ones (MCP_HEADERS, "
        "WEB_SEARCH_API_KEY) are read on each use, so their placeholder only keeps their feature "
        "off. A variable with a settings-file key is the "
        "deployment's default for it, which `config/assistant.yaml` may override per workspace "
        "and channel.",
        "",
        _row("variable", "read by", "type", "default", "settings-file key", "effect"),
        _row(*["---"] * 6),
    ]
    for name, setting in ENV_SETTINGS.items():
        key = f"`{setting.channel_key}`" if setting.channel_key else ""
        effect = setting.doc + (" (a secret)" if setting.secret else "")
        lines.append(
            _row(f"`{name}`", _readers(setting.functions), _kind(setting.kind, in_file=False),
                 _shown(setting.described_default(), literal=not setting.shown_default), key,
                 effect)
        )  # fmt: skip
    lines += ["", "Not settings of the code, but read by the platform or the local stack:", ""]
    lines += [_row("variable", "read by", "default", "effect"), _row(*["---"] * 4)]
    lines += [_row(*row) for row in OTHER_VARIABLES]
    lines += [
        "",
        "## Settings per workspace and channel",
        "",
        "`config/assistant.yaml` holds `defaults`, `workspaces: {T…: …}` and `channels: {C…: …}` "
        "sections, each taking these keys (all optional), and a `prices` table "
        "(`prices.<model>.input_per_million`, `.output_per_million`, US dollars; `default` "
        "prices every other model). The most specific section wins.",
        "",
        _row("key", "type", "default", "effect"),
        _row(*["---"] * 4),
    ]
    for key in _file_keys(SECTION_KEYS):
        setting = CHANNEL_SETTINGS[key]
        default = _shown(setting.described_default(), literal=not setting.shown_default)
        if setting.env:  # the variable's value, or its default
            default = f"`{setting.env}` " + (default if default[0] == "(" else f"({default})")
        where = "; only under `defaults` or `workspaces`" if setting.workspace_wide else ""
        lines.append(
            _row(f"`{key}`", _kind(setting.kind, in_file=True), default, setting.doc + where)
        )
    lines += [
        "",
        "## Topics",
        "",
        "Each topic is pushed to one function at one path, with a dead-letter topic behind it "
        "(`<name_prefix>-<topic>` in Terraform).",
        "",
        _row("topic", "name from", "pushed to", "path", "payload", "ordering key", "dead letter"),
        _row(*["---"] * 7),
    ]
    for topic in TOPICS:
        setting = f"`{topic.setting.upper()}`" if topic.setting else "(Terraform)"
        lines.append(
            _row(f"`{topic.name}`", setting, topic.function, f"`{topic.path}`",
                 f"`{topic.payload}`", "the thread" if topic.ordering_key else "none",
                 f"`{topic.dead_letter}`")
        )  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = DOCS_PATH.exists() and DOCS_PATH.read_text() == text
        print("docs/configuration.md is " + ("current" if current else f"stale: {REGENERATE}"))
        return 0 if current else 1
    DOCS_PATH.write_text(text)
    print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
