"""The tools the smoke tests declare: the routing benchmark's set (bench/tool_prompts.json),
shaped like the bot's own (a document search, a code runner) plus one no question needs."""

from __future__ import annotations

import json

from devstack.stack import REPO_ROOT

TOOLS = json.loads((REPO_ROOT / "bench" / "tool_prompts.json").read_text())["tools"]
_BY_NAME = {tool["function"]["name"]: tool for tool in TOOLS}
SEARCH_DOCUMENTS = _BY_NAME["search_documents"]
RUN_PYTHON = _BY_NAME["run_python"]
GET_WEATHER = _BY_NAME["get_weather"]
