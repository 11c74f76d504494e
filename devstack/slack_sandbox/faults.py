"""Injected Web API failures: the next N calls of a method fail a chosen way."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Fault", "FaultBook"]


@dataclass
class Fault:
    """One failure plan. `error="ratelimited"` answers 429 with Retry-After, as Slack does."""

    method: str
    count: int = 1
    error: str | None = None
    status: int | None = None
    retry_after: int = 1
    delay: float = 0.0

    @classmethod
    def parse(cls, spec: dict) -> Fault:
        if not isinstance(spec.get("method"), str):
            raise ValueError("method is required")
        fault = cls(
            method=spec["method"],
            count=int(spec.get("count", 1)),
            error=spec.get("error"),
            status=None if spec.get("status") is None else int(spec["status"]),
            retry_after=int(spec.get("retry_after", 1)),
            delay=float(spec.get("delay", 0.0)),
        )
        if fault.count < 1:
            raise ValueError("count must be >= 1")
        if fault.error is None and fault.status is None and not fault.delay:
            raise ValueError("give error, status or delay")
        return fault

    def answer(self) -> tuple[int, dict, dict] | None:
        """(HTTP status, headers, body), or None for a delay-only fault."""
        if self.error == "ratelimited" or self.status == 429:
            headers = {"Retry-After": str(self.retry_after)}
            return 429, headers, {"ok": False, "error": "ratelimited"}
        if self.status is not None and self.status >= 300:
            return self.status, {}, {"ok": False, "error": self.error or "internal_error"}
        if self.error is not None:
            return 200, {}, {"ok": False, "error": self.error}
        return None


class FaultBook:
    def __init__(self):
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def take(self, method: str) -> Fault | None:
        """Consume one use of the oldest fault planned for `method`."""
        for fault in self._faults:
            if fault.method == method:
                fault.count -= 1
                if fault.count == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()

    def pending(self) -> list[dict]:
        return [asdict(f) for f in self._faults]
