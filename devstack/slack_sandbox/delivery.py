"""Signed HTTP delivery of Events API payloads, with Slack's retry behaviour.

Each attempt is recorded ({event_id, attempt, status, latency_ms, sent_at, signature,
channel, ts, thread_ts, ...}) and reported through `on_record`. As in Slack, a
timed-out request is not abandoned: the retry goes out while the late answer may
still arrive, and the late answer is added to the attempt's record as `late_status`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable

import aiohttp

from .retry_policy import judge, next_retry, retry_delay
from .signing import signed_headers

__all__ = ["Deliverer"]

RECORD_LIMIT = 5000
# How long a late answer is awaited after the ack timeout already counted it failed.
LATE_ANSWER_LIMIT = 60.0
RESPONSE_EXCERPT = 2000


class Deliverer:
    def __init__(
        self,
        *,
        events_url: str | None,
        signing_secret: str,
        retry_delays: tuple[float, ...],
        ack_timeout: float,
        on_record: Callable[[dict], None] = lambda record: None,
        clock: Callable[[], float] = time.time,
    ):
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.retry_delays = retry_delays
        self.ack_timeout = ack_timeout
        self.on_record = on_record
        self.clock = clock
        self.records: deque[dict] = deque(maxlen=RECORD_LIMIT)
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task] = set()
        # Bumped by forget(): work started before then must not record anything,
        # even when a cancellation races with a request finishing.
        self._generation = 0

    def _client(self) -> aiohttp.ClientSession:
        # Created lazily, inside the running loop that will use it.
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    def deliver(self, envelope: dict, *, mode: str = "normal") -> bool:
        """Start delivering in the background; False when no events URL is set."""
        if not self.events_url:
            return False
        body = json.dumps(envelope, ensure_ascii=False).encode()
        self._spawn(self._deliver(str(envelope.get("event_id")), body, mode, _origin(envelope)))
        return True

    def deliver_in_order(self, envelopes: list[dict], *, mode: str = "normal") -> bool:
        """Deliver several events for one message, each sent once the one before it was
        first answered (or timed out): Slack's app_mention goes out before the message
        event. Each then retries on its own. False when no events URL is set."""
        if not self.events_url:
            return False
        items = [
            (str(e.get("event_id")), json.dumps(e, ensure_ascii=False).encode(), _origin(e))
            for e in envelopes
        ]
        self._spawn(self._deliver_each(items, mode))
        return True

    async def _deliver_each(self, items: list[tuple[str, bytes, dict]], mode: str) -> None:
        for event_id, body, origin in items:
            first_answer = asyncio.Event()
            self._spawn(self._deliver(event_id, body, mode, origin, first_answer))
            await first_answer.wait()

    async def verify_url(self, challenge: str, verification_token: str) -> dict:
        """Send Slack's url_verification request and check the challenge comes back."""
        payload = {"token": verification_token, "challenge": challenge, "type": "url_verification"}
        body = json.dumps(payload).encode()
        headers = signed_headers(self.signing_secret, int(self.clock()), body)
        try:
            status, _, text, content_type = await asyncio.wait_for(
                self._post(headers, body), self.ack_timeout
            )
        except TimeoutError:
            return {"ok": False, "status": "timeout", "challenge": challenge}
        except (aiohttp.ClientError, OSError) as error:
            return {
                "ok": False,
                "status": "connection_failed",
                "challenge": challenge,
                "detail": str(error),
            }
        echoed = _echoed(challenge, text, content_type)
        return {
            "ok": echoed and status == 200,
            "status": status,
            "challenge": challenge,
            "response": text[:RESPONSE_EXCERPT],
        }

    def find(self, event_id: str | None = None) -> list[dict]:
        return [r for r in self.records if event_id is None or r["event_id"] == event_id]

    def forget(self) -> None:
        """Stop deliveries and retries under way and drop every record."""
        self._generation += 1
        for task in list(self._tasks):
            task.cancel()
        self.records.clear()

    async def close(self) -> None:
        tasks = list(self._tasks)
        self.forget()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def _spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _deliver(
        self,
        event_id: str,
        body: bytes,
        mode: str,
        origin: dict,
        first_answer: asyncio.Event | None = None,
    ) -> None:
        attempt, reason = 0, None
        generation = self._generation
        try:
            while generation == self._generation:
                outcome = await self._attempt(event_id, body, attempt, reason, mode, origin)
                if first_answer is not None:
                    first_answer.set()
                reason = next_retry(outcome, attempt, mode)
                if reason is None:
                    return
                attempt += 1
                await asyncio.sleep(retry_delay(self.retry_delays, attempt))
        finally:
            if first_answer is not None:
                first_answer.set()  # never leave the next event waiting

    async def _attempt(
        self, event_id: str, body: bytes, attempt: int, reason: str | None, mode: str, origin: dict
    ):
        sent_at = self.clock()
        # Every attempt is signed afresh: the timestamp is part of the signature.
        headers = signed_headers(self.signing_secret, int(sent_at), body)
        if attempt:
            headers["X-Slack-Retry-Num"] = str(attempt)
            headers["X-Slack-Retry-Reason"] = str(reason)
        generation = self._generation
        record = {
            "event_id": event_id,
            "attempt": attempt,
            "retry_reason": reason,
            "mode": mode,
            "sent_at": sent_at,
            "signature": headers["X-Slack-Signature"],
            **origin,
        }
        started = time.monotonic()
        request = self._spawn(self._post(headers, body))
        http_status, no_retry, timed_out = None, False, False
        try:
            http_status, no_retry, _, _ = await asyncio.wait_for(
                asyncio.shield(request), self.ack_timeout
            )
        except TimeoutError:
            timed_out = True
            request.add_done_callback(lambda done: self._late(record, done, started))
        except (aiohttp.ClientError, OSError) as error:
            record["detail"] = str(error)
        outcome = judge(
            http_status=http_status, timed_out=timed_out, no_retry_header=no_retry, mode=mode
        )
        record.update(
            status=outcome.status,
            http_status=http_status,
            latency_ms=round((time.monotonic() - started) * 1000, 1),
        )
        if generation == self._generation:
            self.records.append(record)
            self.on_record(record)
        return outcome

    def _late(self, record: dict, request: asyncio.Task, started: float) -> None:
        if request.cancelled() or request.exception() is not None:
            return
        if not any(kept is record for kept in self.records):
            return  # forgotten by a reset meanwhile
        record["late_status"] = request.result()[0]
        record["late_latency_ms"] = round((time.monotonic() - started) * 1000, 1)
        self.on_record(record)

    async def _post(self, headers: dict, body: bytes) -> tuple[int, bool, str, str]:
        timeout = aiohttp.ClientTimeout(total=self.ack_timeout + LATE_ANSWER_LIMIT)
        async with self._client().post(
            self.events_url, data=body, headers=headers, timeout=timeout, max_redirects=2
        ) as response:
            text = await response.text(errors="replace")
            no_retry = response.headers.get("X-Slack-No-Retry") == "1"
            return response.status, no_retry, text, response.content_type


def _origin(envelope: dict) -> dict:
    """Where the event's message is, so a record can be shown beside it."""
    event = envelope.get("event")
    if not isinstance(event, dict):
        return {}
    return {
        "channel": event.get("channel"),
        "ts": event.get("ts"),
        "thread_ts": event.get("thread_ts") or event.get("ts"),
    }


def _echoed(challenge: str, text: str, content_type: str) -> bool:
    """Slack accepts the challenge as plain text, a form field or JSON."""
    if text.strip() == challenge:
        return True
    if content_type == "application/x-www-form-urlencoded":
        return text.strip() == f"challenge={challenge}"
    try:
        return json.loads(text).get("challenge") == challenge
    except (ValueError, AttributeError):
        return False
