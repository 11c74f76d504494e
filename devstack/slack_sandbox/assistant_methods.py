"""Slack's AI-app methods and the event of opening the bot's DM.

`assistant.threads.setStatus`: the "is thinking…" line under a thread, with up to 10 rotating
`loading_messages` (cleared when the bot posts in the thread, as Slack does; the page shows it).
`assistant.threads.setSuggestedPrompts`: up to 4 prompts, {title, message} each. The sandbox is
an agent_view app (what Slack gives new apps): the prompts belong to the DM, and a call with
`thread_ts` answers ok and changes nothing, as Slack silently ignores it there.

`opened_dm_envelope` builds the `app_home_opened` (tab "messages") event Slack sends when a
person opens the bot's Messages tab; `POST /_sandbox/app_home_opened` (admin.py) delivers it,
signed, through the same deliverer as messages.
"""

from __future__ import annotations

from .api_error import ApiError
from .call import Call, require, resolve_channel
from .directory import CHANNELS, is_dm
from .envelope import event_callback, new_event_id
from .validation import parse_json_arg
from .workspace import Workspace

__all__ = ["MAX_LOADING_MESSAGES", "MAX_PROMPTS", "METHODS", "opened_dm_envelope"]

MAX_LOADING_MESSAGES = 10
MAX_PROMPTS = 4


def _invalid(problem: str, pointer: str) -> ApiError:
    # Slack's schema errors: invalid_arguments, the problem in response_metadata.messages.
    return ApiError("invalid_arguments", messages=[f"[ERROR] {problem} [json-pointer:{pointer}]"])


def _strings(value: object, pointer: str, *, most: int) -> list[str]:
    items = parse_json_arg(value, "invalid_arguments")
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise _invalid("must be an array of strings", pointer)
    if len(items) > most:
        raise _invalid(f"no more than {most} items allowed", pointer)
    return items


def set_status(call: Call, args: dict) -> dict:
    """assistant.threads.setStatus: status, and the loading messages that rotate under it."""
    require(args, "channel_id", "thread_ts")
    if "status" not in args:
        raise ApiError("invalid_arguments", messages=["[ERROR] missing required field: status"])
    channel = resolve_channel(args["channel_id"])
    call.workspace.find(channel, str(args["thread_ts"]))
    loading = args.get("loading_messages")
    if loading is not None:
        loading = _strings(loading, "/loading_messages", most=MAX_LOADING_MESSAGES)
    payload = {
        "channel": channel,
        "thread_ts": str(args["thread_ts"]),
        "status": str(args.get("status") or ""),
        "loading_messages": loading or [],
    }
    call.workspace.emit("status_set", payload)
    return {}


def _prompts(value: object) -> list[dict]:
    prompts = parse_json_arg(value, "invalid_arguments")
    if not isinstance(prompts, list) or not prompts:
        raise _invalid("must be a non-empty array", "/prompts")
    if len(prompts) > MAX_PROMPTS:
        raise _invalid(f"no more than {MAX_PROMPTS} items allowed", "/prompts")
    for index, prompt in enumerate(prompts):
        if not isinstance(prompt, dict):
            raise _invalid("must be an object", f"/prompts/{index}")
        for field in ("title", "message"):
            if not isinstance(prompt.get(field), str) or not prompt[field].strip():
                raise _invalid(f"missing required field: {field}", f"/prompts/{index}")
    return [{"title": p["title"], "message": p["message"]} for p in prompts]


def set_suggested_prompts(call: Call, args: dict) -> dict:
    """assistant.threads.setSuggestedPrompts: the prompts the DM offers (agent_view)."""
    require(args, "channel_id", "prompts")
    channel = resolve_channel(args["channel_id"])
    if not is_dm(channel):
        raise ApiError("channel_not_found")  # not an app's DM: no assistant thread there
    prompts = _prompts(args["prompts"])
    if args.get("thread_ts"):
        return {}  # agent_view: Slack answers ok and shows nothing (the pitfall, reproduced)
    title = str(args.get("title") or "")
    record = {"channel": channel, "title": title, "prompts": prompts}
    call.workspace.suggested_prompts[channel] = record
    call.workspace.emit("suggested_prompts_set", record)
    return {}


def opened_dm_envelope(workspace: Workspace, *, user: str, verification_token: str) -> dict:
    """The event_callback Slack sends when `user` opens the bot's Messages tab."""
    channel = next(
        (c for c, info in CHANNELS.items() if is_dm(c) and info.get("user") == user), None
    )
    if channel is None:
        raise ValueError(f"{user} has no DM with the bot")
    now = workspace.now()
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel,
        "tab": "messages",
        "event_ts": f"{now:.6f}",
    }
    return event_callback(
        event, event_id=new_event_id(), event_time=int(now), verification_token=verification_token
    )


METHODS = {
    "assistant.threads.setStatus": set_status,
    "assistant.threads.setSuggestedPrompts": set_suggested_prompts,
}
