"""The local stand-in for Cloud Scheduler's routines job: a tick on the `routines` topic every
minute (terraform/routines.tf), on the Pub/Sub emulator, from a daemon thread; `tick()` fires
one now (the tests, or `python -m devstack.routine_ticker --host …` by hand)."""

from __future__ import annotations

import argparse
import logging
import threading

from devstack.pubsub_wiring import emulator_clients

__all__ = ["RoutineTicker"]

logger = logging.getLogger(__name__)

TOPIC = "routines"  # assistant/topics.py; locally a topic is its own name


class RoutineTicker:
    def __init__(self, *, pubsub_host: str, project: str, every_seconds: float = 60.0) -> None:
        self._publisher, _ = emulator_clients(pubsub_host)
        self._topic = self._publisher.topic_path(project, TOPIC)
        self._every = every_seconds
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="routine-ticker", daemon=True)

    def start(self) -> RoutineTicker:
        if self._every > 0:
            self._thread.start()
        return self

    def tick(self) -> str:
        """Publish one tick now; returns its message id."""
        return self._publisher.publish(self._topic, b"tick").result(timeout=10)

    def stop(self) -> None:
        self._stopped.set()

    def _loop(self) -> None:
        while not self._stopped.wait(self._every):
            try:
                self.tick()
            except Exception:  # the emulator is stopping, or busy: the next minute ticks again
                logger.warning("routines tick not published", exc_info=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Publish one routines tick now.")
    parser.add_argument("--host", required=True, help="the Pub/Sub emulator, host:port")
    parser.add_argument("--project", default="local-project")
    args = parser.parse_args()
    print(RoutineTicker(pubsub_host=args.host, project=args.project).tick())


if __name__ == "__main__":
    main()
