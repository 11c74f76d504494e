"""The two raw-HTTP file endpoints: the upload URL and private downloads.

Downloads answer like files.slack.com: the bytes only with a valid bot token in
`Authorization: Bearer`, otherwise HTTP 200 with an HTML login page. Bots tell
"no access" apart by the text/html content type. A file posted with `access: none`
gets the login page even with the bot token (a file the bot may not see).
"""

from __future__ import annotations

from aiohttp import web

from .directory import TEAM_ID
from .files import FileStore
from .workspace import Workspace

__all__ = ["FileRoutes"]

LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8"><title>Slack</title></head>
<body><h1>Sign in to Sandbox</h1>
<form action="/signin" method="post"><input type="email" name="email">
<button type="submit">Sign In</button></form></body></html>
"""


class FileRoutes:
    def __init__(self, *, workspace: Workspace, file_store: FileStore, bot_token: str):
        self.workspace = workspace
        self.file_store = file_store
        self.bot_token = bot_token

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/upload/v1/{key}", self.upload),
            web.get("/files-pri/{team_file}/download/{name}", self.download),
            web.get("/files-pri/{team_file}/{name}", self.download),
        ]

    async def upload(self, request: web.Request) -> web.Response:
        file_id = self.workspace.uploads.get(request.match_info["key"])
        if file_id is None:
            return web.Response(status=404, text="upload ticket not found")
        if request.content_type == "multipart/form-data":
            # `curl -F file=@x` style: take the first file part.
            data = b""
            async for part in await request.multipart():
                if part.filename is not None:
                    data = await part.read()
                    break
        else:
            data = await request.read()
        self.file_store.write(file_id, data)
        record = self.workspace.files[file_id]
        record.update(size=len(data), uploaded=True)
        self.workspace.emit("file_uploaded", {"file_id": file_id, "size": len(data)})
        return web.Response(text=f"OK - {len(data)}")

    async def download(self, request: web.Request) -> web.StreamResponse:
        header = request.headers.get("Authorization", "")
        team, _, file_id = request.match_info["team_file"].partition("-")
        record = self.workspace.files.get(file_id)
        # `access: none`: shared where the bot is not, so Slack shows even the bot its sign-in page.
        if header != f"Bearer {self.bot_token}" or (record or {}).get("access") == "none":
            return web.Response(text=LOGIN_PAGE, content_type="text/html")
        data = self.file_store.read(file_id) if team == TEAM_ID and record else None
        if data is None:
            return web.Response(status=404, text="file not found")
        # Set as a header: a stored mimetype may carry parameters (charset=...).
        headers = {"Content-Type": record["mimetype"]}
        if request.path.split("/")[3] == "download":
            headers["Content-Disposition"] = f'attachment; filename="{record["name"]}"'
        return web.Response(body=data, headers=headers)
