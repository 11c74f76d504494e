"""Run the fake server: ``python -m devstack.fake_openai --host 127.0.0.1 --port 0``.

Prints ``listening on http://HOST:PORT`` once bound, so a caller that asked
for port 0 can read the port it got.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from aiohttp import web

from .server import create_app


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.fake_openai", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010, help="0 picks a free port")
    parser.add_argument(
        "--context-window",
        type=int,
        default=None,
        help="reject prompts above this many (approximate) tokens with context_length_exceeded",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    # A short shutdown timeout: in-flight stalls are test fixtures, not work
    # worth waiting a minute for.
    runner = web.AppRunner(create_app(context_window=args.context_window), shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, args.host, args.port).start()
    host, port = runner.addresses[0][:2]
    print(f"listening on http://{host}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(_serve(_arguments(argv)))


if __name__ == "__main__":
    main()
