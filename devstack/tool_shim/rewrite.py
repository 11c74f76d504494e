"""Rewriting one OpenAI chat request with `tools` into the plain requests a local model can serve.

Pure functions over JSON-shaped dicts; the server (`server.py`) does the I/O. The plan:

1. route: a non-streamed request whose answer is constrained (llama.cpp turns `response_format`
   json_schema into a grammar) to `{"tool": <declared name or "none">}`;
   The tool is taken only when the model is sure of it: llama.cpp reports the probabilities of
   the first token of the chosen name, and "none" wins unless the tools' share of it and
   "none" reaches `MIN_TOOL_SHARE` (`tool_share`);
2. arguments: if a tool, a second constrained request for that tool's `parameters` schema,
   then, when "none" was allowed, a yes/no check that the call gives what was asked
   (`verify.py`): "no" means no tool after all;
3. final: once the messages carry `role: tool` results, a plain request without tools in which
   the calls and their results are folded into user text, since small models' chat templates
   drop or garble the tool roles.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

__all__ = [
    "NO_TOOL",
    "TOP_LOGPROBS",
    "Plan",
    "arguments_request",
    "constrained",
    "deciding_alternatives",
    "fold_tool_messages",
    "parse_arguments",
    "parse_route",
    "plain_request",
    "plan",
    "route_request",
    "text_of",
    "tool_share",
    "value_text",
]

NO_TOOL = "none"
# Keys only the shim understands; llama.cpp would reject or ignore them inconsistently.
_TOOL_KEYS = ("tools", "tool_choice", "parallel_tool_calls", "functions", "function_call")
# A route answer is `{"tool": "<name>"}`; room for the grammar's optional whitespace too.
_ROUTE_MAX_TOKENS = 48
_ARGUMENTS_MAX_TOKENS = 512
# The route's choice stands only when the tools hold this share of the probability the model
# puts on "a tool" or "none" at the token that decides. Greedy decoding takes a tool at any
# share above one half, and Qwen2.5-Coder-1.5B then calls a tool for half the questions no tool
# answers. Measured on BFCL (bench/bfcl.py's sample of 20 per category, and the 20 between
# them): right tools score 0.67-1.00 (1 in 40 below 0.8 in `simple`, 1 in 40 in `multiple`),
# irrelevant ones 0.52-0.96 (7 of 20 and 8 of 20 below 0.8). Abstaining under 0.8 took
# `irrelevance` from 10/20 to 16/20 and 18/20, `simple` from 20/20 to 18/20 and 19/20.
MIN_TOOL_SHARE = 0.8
# Alternatives llama.cpp reports per token: the tool names and "none" start among the first few.
TOP_LOGPROBS = 10


@dataclasses.dataclass(frozen=True)
class Plan:
    """What to do with a request: pass it on, answer without tools, or pick among `candidates`."""

    kind: str  # "passthrough" | "answer" | "route" | "call"
    candidates: tuple[str, ...] = ()  # route: the names the model may choose from
    allow_none: bool = True  # route: whether "none" (answer in text) is a choice
    tool: str | None = None  # call: the tool the caller forced


def plan(body: dict[str, Any]) -> Plan:
    tools = [t for t in body.get("tools") or () if t.get("type") == "function"]
    if not tools:
        return Plan("passthrough")
    if not all(isinstance((t.get("function") or {}).get("name"), str) for t in tools):
        raise ValueError("every function tool needs a function.name")
    if _has_tool_results(body.get("messages") or []):
        return Plan("answer")  # the results are in: a small model answers rather than loops
    names = tuple(t["function"]["name"] for t in tools)
    choice = body.get("tool_choice", "auto")
    if choice == "none":
        return Plan("answer")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if name not in names:
            raise ValueError(f"tool_choice names {name!r}, which is not among the tools")
        return Plan("call", tool=name)
    if len(names) == 1 and choice == "required":
        return Plan("call", tool=names[0])
    return Plan("route", candidates=names, allow_none=choice != "required")


def _has_tool_results(messages: list[dict[str, Any]]) -> bool:
    """True when tool results came after the last user message (an earlier turn's don't count)."""
    for message in reversed(messages):
        if message.get("role") == "tool":
            return True
        if message.get("role") == "user":
            return False
    return False


def tool_definition(body: dict[str, Any], name: str) -> dict[str, Any]:
    for tool in body.get("tools") or ():
        if tool.get("type") == "function" and tool["function"]["name"] == name:
            return tool["function"]
    raise KeyError(name)


def text_of(content: Any) -> str:
    """Message content as text: a string, or the text parts of a content array."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(part.get("text", "") for part in content if part.get("type") == "text")


def fold_tool_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation with assistant tool calls and tool results turned into plain text turns.

    Each round of calls becomes a user turn that names the call and quotes its result, merged
    into a preceding user turn, so the roles still alternate as strict chat templates require.
    """
    folded: list[dict[str, Any]] = []
    calls: dict[str, str] = {}  # tool_call_id -> "name(arguments)"
    for message in messages:
        role = message.get("role")
        if role == "assistant" and message.get("tool_calls"):
            for call in message["tool_calls"]:
                function = call.get("function") or {}
                calls[call.get("id", "")] = f"{function.get('name')}({function.get('arguments')})"
            if text := text_of(message.get("content")).strip():
                folded.append({"role": "assistant", "content": text})
        elif role == "tool":
            call = calls.get(message.get("tool_call_id", ""), "a tool")
            note = f"The tool call {call} returned:\n{text_of(message.get('content'))}"
            _append_user(folded, note)
        else:
            folded.append({k: v for k, v in message.items() if k != "tool_calls"})
    if folded and folded[-1].get("role") == "user" and calls:
        _append_user(folded, "Answer my message above using these results.")
    return folded


def _append_user(folded: list[dict[str, Any]], text: str) -> None:
    if folded and folded[-1].get("role") == "user":
        folded[-1] = {**folded[-1], "content": f"{text_of(folded[-1].get('content'))}\n\n{text}"}
    else:
        folded.append({"role": "user", "content": text})


def plain_request(body: dict[str, Any]) -> dict[str, Any]:
    """The request without tools, its tool turns folded into text: the model just answers."""
    plain = {k: v for k, v in body.items() if k not in _TOOL_KEYS}
    plain["messages"] = fold_tool_messages(body.get("messages") or [])
    return plain


def _with_instruction(messages: list[dict[str, Any]], instruction: str) -> list[dict[str, Any]]:
    """`instruction` appended to the system turn: a single leading one suits every template.

    Not after the conversation, although the answer step could then reuse llama.cpp's cached
    prompt up to the question: on BFCL samples (bench/bfcl.py) the same routing instruction at
    the end of the last user turn chose a tool for 0 of 8 `simple` cases (8 of 8 here), and a
    shorter one worded for it 6 of 8, abstaining on 1 of 8 `irrelevance` cases (3 of 8 here).
    """
    folded = fold_tool_messages(messages)
    if folded and folded[0].get("role") == "system":
        system = f"{text_of(folded[0].get('content'))}\n\n{instruction}"
        return [{"role": "system", "content": system}, *folded[1:]]
    return [{"role": "system", "content": instruction}, *folded]


def constrained(body: dict[str, Any], messages, schema: dict, name: str, max_tokens: int) -> dict:
    return {
        "model": body.get("model"),
        "messages": messages,
        "stream": False,
        "temperature": 0,
        "max_tokens": max_tokens,
        "cache_prompt": True,  # llama.cpp: keep the prompt; the next step may share its start
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": True},
        },
    }


def _describe(tool: dict[str, Any]) -> str:
    properties = (tool.get("parameters") or {}).get("properties") or {}
    arguments = ", ".join(f"{k}: {v.get('type', 'any')}" for k, v in properties.items())
    return f"- {tool['name']}({arguments}): {tool.get('description', '').strip()}"


def _route_messages(body: dict[str, Any], step: Plan) -> list[dict[str, Any]]:
    tools = [tool_definition(body, name) for name in step.candidates]
    none_line = (
        f'\nReply {{"tool": "{NO_TOOL}"}} when you can answer directly without a tool.'
        if step.allow_none
        else ""
    )
    instruction = (
        "You can call these tools:\n"
        + "\n".join(_describe(t) for t in tools)
        + "\n\nDecide whether answering the user's last message needs one of them: it does "
        "when the answer depends on something only a tool can give (the team's own files and "
        "documents, data, calculations, live facts). "
        'Reply {"tool": "<tool name>"} to call the tool that fits best.' + none_line
    )
    return _with_instruction(body.get("messages") or [], instruction)


def route_request(body: dict[str, Any], step: Plan) -> dict[str, Any]:
    """Step 1: which declared tool, if any, the last user message needs."""
    choices = [*step.candidates, NO_TOOL] if step.allow_none else list(step.candidates)
    schema = {
        "type": "object",
        "properties": {"tool": {"type": "string", "enum": choices}},
        "required": ["tool"],
        "additionalProperties": False,
    }
    messages = _route_messages(body, step)
    request = constrained(body, messages, schema, "tool_choice", _ROUTE_MAX_TOKENS)
    if step.allow_none:  # how sure the choice is (tool_share); an upstream without it ignores it
        request |= {"logprobs": True, "top_logprobs": TOP_LOGPROBS}
    return request


def parse_route(content: str | None, step: Plan, *, share: float | None = None) -> str | None:
    """The chosen tool's name, or None for no tool (also when the answer is unusable, and when
    `share`, the model's confidence in a tool over none, is below MIN_TOOL_SHARE)."""
    try:
        name = json.loads(content or "").get("tool")
    except (ValueError, AttributeError):
        return None
    if name not in step.candidates:
        return None
    if step.allow_none and share is not None and share < MIN_TOOL_SHARE:
        return None
    return name


def tool_share(completion: dict[str, Any], step: Plan) -> float | None:
    """P(a tool) / (P(a tool) + P(none)) at the token where the route's answer names its
    choice, from the logprobs llama.cpp returns; None when they are missing."""
    alternatives = deciding_alternatives(completion, "tool")
    if alternatives is None:
        return None
    p_none = p_tool = 0.0
    for alternative in alternatives:
        text = value_text(alternative.get("token") or "")
        if not text:
            continue
        p = math.exp(float(alternative.get("logprob", -math.inf)))
        if NO_TOOL.startswith(text):
            p_none += p
        elif any(name.startswith(text) for name in step.candidates):
            p_tool += p
    return p_tool / (p_tool + p_none) if p_tool + p_none > 0 else None


def deciding_alternatives(completion: dict[str, Any], key: str) -> list[dict[str, Any]] | None:
    """The alternatives llama.cpp reports (`top_logprobs`) at the first token holding a
    character of the string value of `key` in a constrained JSON answer; None without them."""
    try:
        choice = completion["choices"][0]
        content = choice["message"]["content"] or ""
        tokens = choice["logprobs"]["content"]
    except (KeyError, IndexError, TypeError):
        return None
    at = content.find(f'"{key}"')
    start = content.find('"', content.find(":", at + len(key) + 2) + 1) + 1
    if at < 0 or start <= 0:
        return None
    seen = 0
    for token in tokens or ():
        seen += len(token.get("token") or "")
        if seen > start:
            return token.get("top_logprobs") or []
    return None


def value_text(token: str) -> str:
    """The part of a token that belongs to a JSON string value: a token may hold the opening
    quote, or the end of the value with its closing quote (`none"}`)."""
    return token.lstrip(' "').split('"', 1)[0]


def arguments_request(
    body: dict[str, Any], name: str, routed: Plan | None = None
) -> dict[str, Any]:
    """Step 2: the arguments of `name`, constrained to its `parameters` schema.

    After a route (`routed`, its plan), the route's messages with the instruction in a system
    turn after them: the model server has that prompt cached, so only the instruction is read
    anew, not the whole conversation again (a table in the question: thousands of tokens).
    Placed there, the routing instruction chose badly (see `_with_instruction`); the arguments,
    once the tool is chosen, were as right (bench/bfcl.py).
    """
    tool = tool_definition(body, name)
    schema = tool.get("parameters") or {"type": "object", "properties": {}}
    instruction = (
        f"Call the tool {name}: {tool.get('description', '').strip()}\n"
        f"Reply with only its arguments, as JSON matching this schema:\n{json.dumps(schema)}"
    )
    if routed is not None:
        messages = [*_route_messages(body, routed), {"role": "system", "content": instruction}]
    else:
        messages = _with_instruction(body.get("messages") or [], instruction)
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    return constrained(body, messages, schema, name, max_tokens or _ARGUMENTS_MAX_TOKENS)


def parse_arguments(content: str | None) -> str | None:
    """The arguments as compact JSON text, as OpenAI sends them, or None if not a JSON object."""
    try:
        arguments = json.loads(content or "")
    except ValueError:
        return None
    if not isinstance(arguments, dict):
        return None
    return json.dumps(arguments, ensure_ascii=False, separators=(",", ":"))
