"""`python -m devstack.slack_sandbox --signing-secret S --bot-token xoxb-... [...]`."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from .app import create_app
from .config import parse_args


def main(argv: list[str] | None = None) -> None:
    config = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    print(f"slack sandbox on http://{config.host}:{config.port}/api/", file=sys.stderr, flush=True)
    web.run_app(
        create_app(config), host=config.host, port=config.port, print=None, shutdown_timeout=2.0
    )


if __name__ == "__main__":
    main()
