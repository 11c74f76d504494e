"""python -m devstack.tool_shim --upstream http://127.0.0.1:8080/v1 --port 8090"""

from __future__ import annotations

import argparse

from aiohttp import web

from .server import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.tool_shim", description=__doc__)
    parser.add_argument("--upstream", required=True, help="the model server's OpenAI base URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    web.run_app(create_app(args.upstream), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
