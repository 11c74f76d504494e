"""`create_app(config)`: the aiohttp application serving the whole sandbox."""

from __future__ import annotations

from aiohttp import web

from .admin import AdminRoutes
from .config import SandboxConfig
from .file_routes import FileRoutes
from .guard import Guard, guard_middleware
from .live import LiveRoutes
from .page import PageRoutes
from .sandbox import Sandbox
from .web_api import base_url_of

__all__ = ["SANDBOX_KEY", "create_app"]

SANDBOX_KEY = web.AppKey("sandbox", Sandbox)
# Slack accepts large uploads; aiohttp's default limit is 1 MiB.
MAX_BODY_BYTES = 1024**3


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

    # The guard first: a refused request must not even be remembered as the origin.
    guard = Guard.for_server(host=config.host, public_url=config.public_url)
    app = web.Application(
        middlewares=[guard_middleware(guard), remember_origin], client_max_size=MAX_BODY_BYTES
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

    async def on_shutdown(app: web.Application) -> None:
        sandbox.hub.close()  # ends open SSE streams and long polls

    async def on_cleanup(app: web.Application) -> None:
        await sandbox.close()

    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app
