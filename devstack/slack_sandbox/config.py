"""Sandbox settings, read once from the command line into a frozen object."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SandboxConfig", "parse_args"]

# Real Slack retries a failed delivery almost at once, then after 1 and 5 minutes.
DEFAULT_RETRY_DELAYS = (0.0, 60.0, 300.0)


@dataclass(frozen=True, kw_only=True)
class SandboxConfig:
    """Everything the sandbox needs; `create_app(SandboxConfig(...))` in tests.

    >>> SandboxConfig(signing_secret="s", bot_token="xoxb-1").ack_timeout
    3.0
    """

    signing_secret: str
    bot_token: str
    events_url: str | None = None
    # The app's interactivity Request URL: button clicks (block_actions) are POSTed here.
    interactivity_url: str | None = None
    # The responder's /routines push endpoint: the page's "Run due routines now" (routines_tick.py).
    routines_tick_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 3300
    data_dir: Path | None = None
    fresh: bool = False
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    ack_timeout: float = 3.0
    # Slack puts this legacy field in every envelope; bots should ignore it.
    verification_token: str = "sandbox-verification-token"
    # Overrides the origin used in file URLs (default: the request's own origin).
    public_url: str | None = None
    # Deliver `message` events for the bot's own DM posts, as Slack does when the
    # app subscribes to message.im: a bot must recognise and drop its own echoes.
    bot_echo: bool = False
    # Act as an app subscribed to message.channels and message.groups (the real app
    # is): every message in a channel is delivered as a `message` event, and a
    # mention of the bot as an `app_mention` too. Off: app_mention (and message.im) only.
    message_events: bool = True
    # Which model answers, for the page (the sandbox itself never talks to it).
    model_name: str = ""
    model_note: str = ""


def _delays(text: str) -> tuple[float, ...]:
    delays = tuple(float(part) for part in text.split(",") if part.strip())
    if any(delay < 0 for delay in delays):
        raise argparse.ArgumentTypeError("retry delays must be >= 0")
    return delays


def parse_args(argv: list[str] | None = None) -> SandboxConfig:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.slack_sandbox",
        description="Local Slack Web API + Events API sandbox.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3300)
    parser.add_argument("--events-url", help="where signed event_callbacks are POSTed")
    parser.add_argument("--interactivity-url", help="where signed button clicks are POSTed")
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--bot-token", required=True)
    parser.add_argument("--data-dir", type=Path, help="persist workspace + files here")
    parser.add_argument("--fresh", action="store_true", help="ignore saved state")
    parser.add_argument(
        "--retry-delays",
        type=_delays,
        default=DEFAULT_RETRY_DELAYS,
        help="seconds before retries 1..3, comma separated (default 0,60,300)",
    )
    parser.add_argument("--ack-timeout", type=float, default=3.0)
    parser.add_argument("--verification-token", default="sandbox-verification-token")
    parser.add_argument("--public-url", help="origin used in file URLs")
    parser.add_argument("--bot-echo", action="store_true", help="echo bot DM posts as events")
    parser.add_argument(
        "--message-events",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="deliver every channel message as a message event (default on)",
    )
    parser.add_argument("--model-name", default="", help="the model answering, shown on the page")
    parser.add_argument("--model-note", default="", help="a sentence about it, shown on the page")
    parser.add_argument(
        "--routines-tick-url", help="the responder's /routines: 'Run due routines now'"
    )
    ns = parser.parse_args(argv)
    return SandboxConfig(
        signing_secret=ns.signing_secret,
        bot_token=ns.bot_token,
        events_url=ns.events_url,
        interactivity_url=ns.interactivity_url,
        host=ns.host,
        port=ns.port,
        data_dir=ns.data_dir,
        fresh=ns.fresh,
        retry_delays=ns.retry_delays,
        ack_timeout=ns.ack_timeout,
        verification_token=ns.verification_token,
        public_url=ns.public_url,
        bot_echo=ns.bot_echo,
        message_events=ns.message_events,
        model_name=ns.model_name,
        model_note=ns.model_note,
        routines_tick_url=ns.routines_tick_url,
    )
