"""Keeping a claim alive while an answer is in hand, on a timer of its own.

Renewing only when the model sends text would let a long silence (a slow first token, a tool
that runs for a minute) look like a dead holder. The timer thread only writes the claim; it
never touches Slack. When the claim turns out to be someone else's, `check()` raises
`LostLease` in the answering thread before its next Slack write.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

from assistant.answer.claims import LostLease

__all__ = ["Heartbeat"]

logger = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, renew: Callable[[], None], *, interval: float) -> None:
        self._renew = renew
        self._interval = interval
        self._stop = threading.Event()
        self._lost: LostLease | None = None
        self._thread = threading.Thread(target=self._run, name="claim-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def check(self) -> None:
        """Raise LostLease once another delivery holds the claim."""
        if self._lost is not None:
            raise self._lost

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._renew()
            except LostLease as lost:
                logger.warning("the claim was taken over; stopping", extra={"error": str(lost)})
                self._lost = lost
                return
            except Exception:  # a transient Firestore error: the next beat tries again
                logger.warning("could not renew the claim", exc_info=True)
