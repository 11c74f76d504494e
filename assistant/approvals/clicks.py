"""What a click on Approve or Deny does, in the responder (ingress only checked and queued it);
and the scheduler's sweep of calls nobody decided in time.

The click moves the stored call on (`pending.decide`, then a compare-and-set in the store), so
of a double click, Slack's retry and a redelivered push exactly one decides. An Approve runs
the call right there, once, and stores its result; then, whatever was decided, the answer
goes on in the thread: a continuation (a `Mention` carrying the call's id) is published to
the mentions topic, and the responder answers it with the call's outcome as the tool's result
(`answer/responder.py`). The continuation's message key comes from the stored decision, so
publishing it again (after a crash between the decision and the publish) answers once.

Anyone but the asker gets a message only they can see; the call stays pending.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.approvals.card import ApprovalClick, decided_blocks
from assistant.approvals.pending import (
    FINAL,
    PendingCall,
    State,
    continuation_question,
    decide,
    expire,
    settle_stale,
)
from assistant.approvals.store import PendingCalls
from assistant.mention import Mention

__all__ = ["NOT_YOURS", "ApprovalClicks", "continuation"]

logger = logging.getLogger(__name__)

NOT_YOURS = "Only <@{asker}>, who asked, can approve or deny this."
ALREADY = {
    State.RUNNING: "This is already approved and running.",
    State.DONE: "This was already approved, and it ran.",
    State.DENIED: "This was already denied.",
    State.EXPIRED: "This request expired before anyone approved it; nothing ran.",
    State.UNKNOWN: "This was already approved.",
}
_SWEEP_LIMIT = 100

# The runner of an approved call: its result for the model (never raises; failures are text).
Runner = Callable[[PendingCall], str]


def continuation(call: PendingCall) -> Mention:
    """The mention that continues the answer once `call` is decided."""
    original = Mention.from_json(json.dumps(dict(call.mention)))
    return dataclasses.replace(
        original,
        event_id=f"EvApproval{call.id[:30]}",
        ts=call.continuation_ts,
        text=continuation_question(call),
        files=(),
        file_refs=(),
        action_token="",
        follow_up=False,
        approval=call.id,
        received_at=time.time(),
    )


class ApprovalClicks:
    def __init__(
        self,
        *,
        calls: PendingCalls,
        run: Runner,
        slack: WebClient,
        publish: Callable[[Mention], object],
        running_for: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._calls = calls
        self._run = run
        self._slack = slack
        self._publish = publish
        self._running_for = running_for  # longer than any call may run
        self._clock = clock

    def handle(self, click: ApprovalClick) -> bool:
        """False when the click must come back later: its call is running elsewhere."""
        call = self._calls.get(click.pending)
        if call is None or (call.team, call.channel) != (click.team, click.channel):
            logger.warning("approval click for an unknown call", extra={"pending": click.pending})
            return True
        if call.state is State.RUNNING:
            return self._running(call)
        decision = decide(call, user=click.user, approve=click.approve, now=self._clock())
        if decision.refusal == "not_asker":
            self._tell(click, NOT_YOURS.format(asker=call.asker))
            return True
        if decision.refusal:
            if click.user == call.asker and call.decided_by != click.user:
                self._tell(click, ALREADY[call.state])
            self._continue(call)  # a retry after a crash between deciding and publishing
            return True
        if not self._calls.transition(decision.call, from_state=State.PENDING):
            return self.handle(click)  # decided elsewhere meanwhile: say what it is now
        call = decision.call
        logger.info("approval decided", extra={"pending": call.id, "state": call.state.value})
        if decision.run:
            self._show(click, call, f"Approved by <@{click.user}>: running…")
            call = self._finish(call)
        self._show(click, call, _outcome(call, click.user))
        self._continue(call)
        return True

    def sweep(self) -> int:
        """Expires the calls nobody decided in time and continues their answers."""
        now, swept = self._clock(), 0
        for call in self._calls.expired(now, limit=_SWEEP_LIMIT):
            expired = expire(call, now=now)
            if expired is not None and self._calls.transition(expired, from_state=State.PENDING):
                self._continue(expired)
                swept += 1
        if swept:
            logger.info("approvals expired", extra={"calls": swept})
        return swept

    def _running(self, call: PendingCall) -> bool:
        settled = settle_stale(call, now=self._clock(), running_for=self._running_for)
        if settled is None:
            return False  # its runner may still be at it: look again after a backoff
        if self._calls.transition(settled, from_state=State.RUNNING):
            logger.warning("approved call's outcome unknown", extra={"pending": call.id})
            self._continue(settled)
        return True

    def _finish(self, call: PendingCall) -> PendingCall:
        started = time.monotonic()
        result = self._run(call)
        logger.info("approved call ran", extra={"pending": call.id, "tool": call.title,
                    "seconds": round(time.monotonic() - started, 3)})  # fmt: skip
        done = dataclasses.replace(call, state=State.DONE, result=result)
        if not self._calls.transition(done, from_state=State.RUNNING):
            # Settled as unknown by a redelivery that thought this instance gone: keep that.
            return self._calls.get(call.id) or done
        return done

    def _continue(self, call: PendingCall) -> None:
        if call.state in FINAL:
            self._publish(continuation(call))

    def _show(self, click: ApprovalClick, call: PendingCall, outcome: str) -> None:
        """The card's buttons become what happened (only the card: the answer stays)."""
        if not click.blocks:
            return
        try:
            self._slack.chat_update(
                channel=click.channel,
                ts=click.message_ts,
                text=click.text or outcome,
                blocks=decided_blocks(click.blocks, call.id, outcome),
            )
        except SlackApiError as error:  # the continuation says it anyway
            logger.warning(
                "approval card not updated", extra={"error": error.response.get("error")}
            )

    def _tell(self, click: ApprovalClick, text: str) -> None:
        try:
            self._slack.chat_postEphemeral(
                channel=click.channel,
                user=click.user,
                thread_ts=click.thread_ts or click.message_ts,
                text=text,
            )
        except SlackApiError:
            logger.warning("could not answer an approval click", exc_info=True)


def _outcome(call: PendingCall, user: str) -> str:
    if call.state is State.DONE:
        return f":white_check_mark: Approved by <@{user}>, and run."
    if call.state is State.DENIED:
        return f":no_entry_sign: Denied by <@{user}>. Nothing ran."
    if call.state is State.EXPIRED:
        return "Expired before anyone approved it. Nothing ran."
    return "Approved; whether it finished is unknown."
