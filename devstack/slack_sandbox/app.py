"""`create_app(config)`: the aiohttp application serving the whole sandbox."""

from __future__ import annotations

from aiohttp import web

from .admin import AdminRoutes
from .config import SandboxConfig
from .file_routes import FileRoutes
from .live import LiveRoutes
from .page import PageRoutes
from .sandbox import Sandbox
from .web_api import base_url_of

__all__ = ["SANDBOX_KEY", "create_app"]

SANDBOX_KEY = web.AppKey("sandbox", Sandbox)
# Slack accepts large uploads; aiohttp's default limit is 1 MiB.
MAX_BODY_BYTES = 1024**3


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
}


@web.middleware
async def allow_browsers(request: web.Request, handler):
    """Let a browser UI served from another origin use the admin endpoints."""
    if not request.path.startswith("/_sandbox/"):
        return await handler(request)
    if request.method == "OPTIONS":
        return web.Response(status=204, headers=CORS_HEADERS)
    response = await handler(request)
    response.headers.update(CORS_HEADERS)
    return response


def create_app(config: SandboxConfig) -> web.Application:
    """Build the server; `app[SANDBOX_KEY]` gives tests the live state.

    >>> app = create_app(SandboxConfig(signing_secret="s", bot_token="xoxb-1"))
    """
    sandbox = Sandbox(config)

    @web.middleware
    async def remember_origin(request: web.Request, handler):
        # Remembered for work done outside a request (e.g. --bot-echo events).
        sandbox.origin = base_url_of(request, config.public_url)
        return await handler(request)

    app = web.Application(
        middlewares=[remember_origin, allow_browsers], client_max_size=MAX_BODY_BYTES
    )
    app[SANDBOX_KEY] = sandbox
    app.router.add_route("*", "/api/{method}", sandbox.web_api.handle)
    app.add_routes(
        FileRoutes(
            workspace=sandbox.workspace, file_store=sandbox.file_store, bot_token=config.bot_token
        ).routes()
    )
    app.add_routes(AdminRoutes(sandbox).routes())
    app.add_routes(LiveRoutes(sandbox).routes())
    app.add_routes(PageRoutes(sandbox).routes())
    # Preflight requests are answered by the allow_browsers middleware.
    app.router.add_route("OPTIONS", "/_sandbox/{tail:.*}", _no_content)

    async def on_shutdown(app: web.Application) -> None:
        sandbox.hub.close()  # ends open SSE streams and long polls

    async def on_cleanup(app: web.Application) -> None:
        await sandbox.close()

    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app


async def _no_content(request: web.Request) -> web.Response:
    return web.Response(status=204)
