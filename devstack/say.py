"""Mention the bot from a terminal and print its answer: `python -m devstack.say "question"`."""

from __future__ import annotations

import argparse
import sys
import time

import requests

FINAL_WAIT_SECONDS = 180


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.say")
    parser.add_argument("question")
    parser.add_argument("--sandbox", default="http://127.0.0.1:8700")
    parser.add_argument("--channel", default="C0GENERAL")
    parser.add_argument("--thread", help="thread_ts to follow up in")
    args = parser.parse_args(argv)

    payload = {"channel": args.channel, "user": "U0ALICE", "text": f"<@U0BOT> {args.question}"}
    if args.thread:
        payload["thread_ts"] = args.thread
    posted = requests.post(f"{args.sandbox}/_sandbox/messages", json=payload, timeout=10).json()
    thread_ts = args.thread or posted["ts"]
    print(f"asked in thread {thread_ts} (follow up with --thread {thread_ts})", file=sys.stderr)

    deadline = time.monotonic() + FINAL_WAIT_SECONDS
    shown = ""
    while time.monotonic() < deadline:
        messages = requests.get(
            f"{args.sandbox}/_sandbox/messages",
            params={"channel": args.channel, "thread_ts": thread_ts},
            timeout=10,
        ).json()["messages"]
        answers = [m for m in messages if m.get("user") == "U0BOT" and m["ts"] > posted["ts"]]
        text = "\n\n".join(m.get("markdown_text") or m.get("text") or "" for m in answers)
        if text != shown:
            shown = text
        if answers and not text.endswith("▍") and "_Thinking…_" not in text:
            print(text)
            return 0
        time.sleep(0.5)
    print(f"no final answer within {FINAL_WAIT_SECONDS} s; last seen: {shown!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
