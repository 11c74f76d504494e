"""Tools the smoke tests and the routing benchmark declare, shaped like the bot's own: a
document search and a code runner, plus one that no question here needs."""

from __future__ import annotations

SEARCH_DOCUMENTS = {
    "type": "function",
    "function": {
        "name": "search_documents",
        "description": "Search the files shared in this Slack workspace; returns passages.",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string", "description": "what to look for"}},
            "required": ["query"],
            "additionalProperties": False,
        },
    },
}
RUN_PYTHON = {
    "type": "function",
    "function": {
        "name": "run_python",
        "description": "Run Python code in a sandbox and return what it prints. Use it to "
        "calculate, or to analyse an attached CSV file.",
        "parameters": {
            "type": "object",
            "properties": {"code": {"type": "string", "description": "the program to run"}},
            "required": ["code"],
            "additionalProperties": False,
        },
    },
}
GET_WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TOOLS = [SEARCH_DOCUMENTS, RUN_PYTHON, GET_WEATHER]
