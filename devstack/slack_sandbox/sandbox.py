"""The long-lived services of one sandbox server, wired together."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .config import SandboxConfig
from .delivery import Deliverer
from .faults import FaultBook
from .files import FileStore
from .hub import ChangeHub
from .inbound import Inbound
from .interactivity import Interactions
from .store import JsonStore
from .trace_book import TraceBook
from .web_api import WebApi
from .workspace import Workspace

__all__ = ["Sandbox"]

# Changes that do not alter saved state (nothing to write to disk).
TRANSIENT = {"status_set", "suggested_prompts_set"}


@dataclass
class Sandbox:
    config: SandboxConfig
    workspace: Workspace = field(init=False)
    hub: ChangeHub = field(init=False)
    faults: FaultBook = field(init=False)
    file_store: FileStore = field(init=False)
    deliverer: Deliverer = field(init=False)
    inbound: Inbound = field(init=False)
    web_api: WebApi = field(init=False)
    # The functions' log lines per event id, for the page's "What happened" panel.
    traces: TraceBook = field(init=False, default_factory=TraceBook)
    store: JsonStore | None = field(init=False, default=None)
    # Last origin a request came in on; used where no request is at hand.
    origin: str = field(init=False, default="")
    _temp_dir: Path | None = field(init=False, default=None)

    def __post_init__(self):
        config = self.config
        self.origin = config.public_url or f"http://{config.host}:{config.port}"
        self.workspace = Workspace()
        self.hub = ChangeHub()
        self.faults = FaultBook()
        if config.data_dir is not None:
            self.store = JsonStore(config.data_dir / "workspace.json")
            self.file_store = FileStore(config.data_dir / "files")
            saved = None if config.fresh else self.store.load()
            if saved is not None:
                self.workspace.restore(saved)
            elif config.fresh:
                # Save the empty state now, so a later restart cannot revive the old one.
                self.file_store.clear()
                self.store.save(self.workspace.snapshot())
        else:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="slack-sandbox-"))
            self.file_store = FileStore(self._temp_dir)
        self.deliverer = Deliverer(
            events_url=config.events_url,
            signing_secret=config.signing_secret,
            retry_delays=config.retry_delays,
            ack_timeout=config.ack_timeout,
            on_record=lambda record: self.hub.publish("delivery", record),
        )
        self.interactions = Interactions(
            url=config.interactivity_url,
            signing_secret=config.signing_secret,
            workspace=self.workspace,
        )
        self.inbound = Inbound(config, self.workspace, self.file_store, self.deliverer)
        self.web_api = WebApi(
            workspace=self.workspace,
            faults=self.faults,
            bot_token=config.bot_token,
            public_url=config.public_url,
            on_call=lambda entry: self.hub.publish("api_call", entry),
        )
        self.workspace.subscribe(self._on_change)

    def _on_change(self, kind: str, payload: dict) -> None:
        if self.store is not None and kind not in TRANSIENT:
            self.store.save(self.workspace.snapshot())
        self.hub.publish(kind, payload)
        if self.config.bot_echo:
            self.inbound.echo_bot_message(self.origin, kind, payload)

    def reset(self) -> None:
        """Empty the workspace; forget deliveries (stopping retries), faults, calls."""
        self.file_store.clear()
        self.faults.clear()
        self.deliverer.forget()
        self.web_api.calls.clear()
        self.traces.clear()
        self.workspace.reset()

    async def close(self) -> None:
        self.hub.close()
        await self.deliverer.close()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
