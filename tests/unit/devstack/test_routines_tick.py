"""The page's "Run due routines now": the sandbox pushes a tick to the responder's /routines
in the envelope Pub/Sub sends, which the responder's parser accepts."""

from __future__ import annotations

import requests
from aiohttp import web

from assistant.pubsub.envelope import parse_push
from devstack.slack_sandbox import SandboxConfig
from devstack.slack_sandbox import create_app as create_sandbox
from tests.servers import serve


def test_a_tick_from_the_page_reaches_the_responder_as_a_pubsub_push(servers_loop):
    received: list[bytes] = []

    async def routines(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.Response(status=204)

    responder = web.Application()
    responder.router.add_post("/routines", routines)
    responder_runner, responder_port = servers_loop.run(serve(responder))
    config = SandboxConfig(
        signing_secret="s", bot_token="xoxb-t",
        routines_tick_url=f"http://127.0.0.1:{responder_port}/routines",
    )  # fmt: skip
    sandbox_runner, sandbox_port = servers_loop.run(serve(create_sandbox(config)))
    try:
        response = requests.post(
            f"http://127.0.0.1:{sandbox_port}/_sandbox/routines/tick", json={}, timeout=10
        )
        assert response.json() == {"ok": True, "status": 204}
        [body] = received
        assert parse_push(body).data == b"tick"
    finally:
        servers_loop.run(sandbox_runner.cleanup())
        servers_loop.run(responder_runner.cleanup())


def test_without_a_responder_url_the_page_is_told_why(local_slack):
    response = requests.post(f"{local_slack.base_url}/_sandbox/routines/tick", json={}, timeout=10)
    assert response.status_code == 400 and "routines-tick-url" in response.json()["error"]
