"""Running one slot of one routine, once: claim the slot, check it may still run, read the
window, write the recap, post it into the target channel, record the slot as done.

Its model and persona come from the target channel's plan (`Planner`), its costs go to the
routine's creator and the target channel in the usage ledger, and the budgets are checked
before anything is read: over budget, the routine posts one note and pauses. The audience
decision (`recap_policy.py`) is made again on every run, since a channel can turn private or
shared after the routine was created.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant import settings_registry as registry
from assistant.answer.plan import Planner
from assistant.llm.events import ModelError
from assistant.llm.rounds import Usage
from assistant.mention import Mention
from assistant.routines import recap
from assistant.routines.recap_policy import REFUSALS, Conversation, conversation, recap_verdict
from assistant.routines.routine import Routine, RoutineRun, SlotVerdict, State, slot_verdict
from assistant.routines.stores import Routines, SlotClaim
from assistant.routines.window import WindowReader
from assistant.routines.writer import RecapWriter
from assistant.slack.markdown import split_markdown
from assistant.slack.neutralise import neutralise
from assistant.usage.policy import Refuse, check
from assistant.usage.stores import ModelCall, UsageLedger

__all__ = ["RoutineRunner", "RunOutcome", "routine_mention", "when"]

logger = logging.getLogger(__name__)


class RunOutcome(enum.Enum):
    POSTED = "posted"
    EMPTY = "empty"  # nothing said in the window: said so briefly
    ALREADY_RUN = "already_run"  # a duplicate: someone ran this slot
    BUSY = "busy"  # someone is running it now: Pub/Sub should try again later
    REQUEUED = "requeued"  # still busy on the push's last attempt: published again, acked
    SKIPPED = "skipped"  # paused, cancelled, gone, or off in the channel
    LATE = "late"  # missed by too long: a note instead
    OVER_BUDGET = "over_budget"  # a note, and the routine paused
    REFUSED = "refused"  # the audience policy no longer allows it: a note, and paused
    FAILED = "failed"  # the model failed: a short note


LATE_TEXT = (
    "I skipped the recap due {slot}: I was not running then, and it is more than {hours:g} "
    "hours late. The next one is due {next}."
)
BUDGET_TEXT = (
    "I paused the routine “{instruction}”: {what} is used up. Create it again once the budget "
    "allows (`@assistant routines` lists routines)."
)
REFUSED_TEXT = "I paused the routine “{instruction}”: {reason}"
FAILED_TEXT = "I could not write the recap due {slot}: {reason}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunLimits:
    late: timedelta  # a slot older than this is skipped with a note


class RoutineRunner:
    def __init__(
        self,
        *,
        routines: Routines,
        slack: WebClient,
        window: WindowReader,
        writer: RecapWriter,
        planner: Planner,
        ledger: UsageLedger,
        limits: RunLimits,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._routines = routines
        self._slack = slack
        self._window = window
        self._writer = writer
        self._planner = planner
        self._ledger = ledger
        self._limits = limits
        self._clock = clock

    def run(self, run: RoutineRun, *, holder: str) -> RunOutcome:
        routine = self._routines.get(run.routine_id)
        if routine is None:
            return RunOutcome.SKIPPED
        claim = self._routines.claim_slot(run, holder=holder)
        if claim is SlotClaim.DONE:
            return RunOutcome.ALREADY_RUN
        if claim is SlotClaim.BUSY:
            return RunOutcome.BUSY
        try:
            outcome, ts = self._run(routine, run, holder)
        except BaseException:
            self._routines.release_slot(run)  # so Pub/Sub's redelivery can run it at once
            raise
        self._routines.finish_slot(run, outcome=outcome.value, message_ts=ts)
        logger.info(
            "routine slot run",
            extra={"routine": routine.id, "slot": run.slot_id, "outcome": outcome.value},
        )
        return outcome

    def _run(self, routine: Routine, run: RoutineRun, holder: str) -> tuple[RunOutcome, str]:
        now = self._clock()
        verdict = slot_verdict(routine, run.slot, now=now, late=self._limits.late)
        if verdict is SlotVerdict.NOT_ACTIVE:
            return RunOutcome.SKIPPED, ""
        mention = routine_mention(routine, run)
        plan = self._planner.plan(mention)
        if not plan.channel.get(registry.ROUTINES_ALLOWED):
            return RunOutcome.SKIPPED, ""
        identity = plan.identity()
        if verdict is SlotVerdict.SKIP_LATE:
            text = LATE_TEXT.format(
                slot=when(run.slot),
                hours=self._limits.late.total_seconds() / 3600,
                next=when(routine.next_run),
            )
            return RunOutcome.LATE, self._post(routine.target, text, identity)
        spent = self._ledger.spent(
            team=routine.team, channel=routine.target, user=routine.creator, now=now
        )
        decision = check(plan.channel.budgets, spent, now)
        if isinstance(decision, Refuse):
            self._routines.set_state(routine.id, State.PAUSED, note="over budget")
            text = BUDGET_TEXT.format(instruction=_short(routine), what=decision.limit.what)
            return RunOutcome.OVER_BUDGET, self._post(routine.target, text, identity)
        facts = {channel: self._facts(channel) for channel in {*routine.sources, routine.target}}
        for source in routine.sources:
            allowed = recap_verdict(source=facts[source], target=facts[routine.target])
            if not allowed.allowed:
                reason = REFUSALS[allowed.reason].format(
                    source=_name(facts[source]), target=_name(facts[routine.target])
                )
                self._routines.set_state(routine.id, State.PAUSED, note=allowed.reason)
                text = REFUSED_TEXT.format(instruction=_short(routine), reason=reason)
                return RunOutcome.REFUSED, self._post(routine.target, text, identity)
        start, end = routine.window(run.slot)
        messages = [
            message
            for source in routine.sources
            for message in self._window.read(source, start=start, end=end).messages
        ]
        names = {channel: facts[channel].name or channel for channel in facts}
        channels = ", ".join(f"#{names[source]}" for source in routine.sources)
        if not messages:
            text = recap.EMPTY_TEXT.format(
                channels=channels, hours=routine.window_hours, slot=when(run.slot)
            )
            return RunOutcome.EMPTY, self._post(routine.target, text, identity)
        lines = [
            recap.line(number, message, names.get(message.channel, message.channel))
            for number, message in enumerate(messages, 1)
        ]
        window = f"from {channels}, the {routine.window_hours} hours before {when(run.slot)}"
        try:
            written = self._writer.write(
                plan,
                instruction=routine.instruction,
                window=window,
                lines=lines,
                record=self._recorder(routine, mention, holder, plan.prices.cost),
            )
        except ModelError as error:
            text = FAILED_TEXT.format(slot=when(run.slot), reason=str(error))
            return RunOutcome.FAILED, self._post(routine.target, text, identity)
        heading = f"*Recap* of {channels}, the {routine.window_hours} hours to {when(run.slot)}"
        text = recap.final_text(heading=heading, recap=written.text, messages=messages, names=names)
        return RunOutcome.POSTED, self._post(routine.target, text, identity, markdown=True)

    def _facts(self, channel: str) -> Conversation:
        try:
            info = self._slack.conversations_info(channel=channel)
        except SlackApiError:
            return conversation({})
        return conversation(info.get("channel") or {})

    def _recorder(
        self, routine: Routine, mention: Mention, holder: str, cost: Callable[..., float]
    ) -> Callable[[str, str, Usage], None]:
        def record(name: str, model: str, usage: Usage) -> None:
            if usage == Usage():
                return
            call = ModelCall(
                event_id=mention.event_id,
                call=f"{holder}.{name}",
                kind="routine",
                model=model,
                team=routine.team,
                channel=routine.target,
                user=routine.creator,
                tokens_in=usage.prompt_tokens,
                tokens_out=usage.completion_tokens,
                cost_usd=cost(
                    model, tokens_in=usage.prompt_tokens, tokens_out=usage.completion_tokens
                ),
                at=self._clock(),
            )
            try:
                self._ledger.record(call)
            except Exception:
                logger.exception("routine usage not recorded", extra={"call": name})

        return record

    def _post(
        self, channel: str, text: str, identity: dict[str, str], *, markdown: bool = False
    ) -> str:
        first = ""
        pieces = split_markdown(text) if markdown else [neutralise(text)]
        for piece in pieces:
            response = self._slack.chat_postMessage(
                channel=channel,
                text=None if markdown else piece,
                markdown_text=piece if markdown else None,
                unfurl_links=False,
                unfurl_media=False,
                username=identity.get("username"),
                icon_emoji=identity.get("icon_emoji"),
                icon_url=identity.get("icon_url"),
            )
            first = first or str(response.get("ts") or "")
        return first


def routine_mention(routine: Routine, run: RoutineRun) -> Mention:
    """The routine's run as the answer path's `Mention`: what the planner and the ledger key
    on (its workspace, the target channel, the creator), with an event id of its own."""
    epoch = int(run.slot.timestamp())
    return Mention(
        event_id=f"EvR{routine.id[:24]}{epoch}",
        team_id=routine.team,
        channel=routine.target,
        user=routine.creator,
        text=routine.instruction,
        ts=f"{epoch}.000000",
        thread_ts=f"{epoch}.000000",
    )


def when(moment: datetime) -> str:
    """A slot as people read it (UTC, since a channel's readers sit in many zones)."""
    return f"{moment.astimezone(UTC):%a %d %b %H:%M} UTC"


def _short(routine: Routine) -> str:
    text = " ".join(routine.instruction.split())
    return text if len(text) <= 80 else text[:79] + "…"


def _name(facts: Conversation) -> str:
    return f"#{facts.name}" if facts.name else "that conversation"
