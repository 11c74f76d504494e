"""The responder's check step: may this mention call the model, and what did it cost?

Before the model: the allowlists (a refusal is said once per thread, then the bot stays
quiet there), the person's rate limit, and the budgets against what the ledger has counted.
None of these calls the model. After each model call: its tokens and estimated cost go to the
ledger, and the answer gets a note when a budget is 80 % used.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from google.api_core.exceptions import AlreadyExists, Conflict
from google.cloud import firestore

from assistant.answer.plan import AnswerPlan
from assistant.channels.access import REFUSALS, refusal
from assistant.channels.settings import ChannelSettings
from assistant.llm.rounds import Usage
from assistant.mention import Mention
from assistant.usage.ledger import Ledger
from assistant.usage.notices import near_limit_note, refusal_text
from assistant.usage.policy import Refuse, Spent, check, near_limits
from assistant.usage.pricing import PriceTable
from assistant.usage.rate import RateLimiter
from assistant.usage.stores import ModelCall

__all__ = ["Admitted", "Gate", "Refused"]

logger = logging.getLogger(__name__)

NOTICES = "thread_notices"
RATE_LIMITED = (
    "You are asking faster than {limit} times a minute; please wait a minute and ask again."
)


@dataclasses.dataclass(frozen=True)
class Admitted:
    spent: Spent  # before this answer, for the 80 % note


@dataclasses.dataclass(frozen=True)
class Refused:
    text: str | None  # None: already said in this thread, stay quiet
    reason: str


class Gate:
    def __init__(
        self,
        *,
        db: firestore.Client,
        ledger: Ledger,
        rate: RateLimiter,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self._ledger = ledger
        self._rate = rate
        self._clock = clock

    def access(self, mention: Mention, settings: ChannelSettings) -> Refused | None:
        reason = refusal(
            settings,
            team=mention.team_id,
            channel=mention.channel,
            user=mention.user,
            user_team=mention.user_team,
            is_dm=mention.is_direct_message,
        )
        if reason is None:
            return None
        first = self._first_notice(mention, reason)
        logger.info("refused", extra={"reason": reason, "said": first})
        return Refused(REFUSALS[reason] if first else None, reason)

    def admit(self, mention: Mention, settings: ChannelSettings) -> Admitted | Refused:
        now = self._clock()
        limit = settings.mentions_per_minute
        if not self._rate.admit(
            team=mention.team_id, user=mention.user, event_id=mention.event_id, limit=limit, now=now
        ):
            logger.info("rate limited", extra={"limit": limit})
            return Refused(RATE_LIMITED.format(limit=limit), "rate")
        spent = self.spent(mention)
        verdict = check(settings.budgets, spent, now)
        if isinstance(verdict, Refuse):
            logger.info(
                "over budget",
                extra={"limit": verdict.limit.name, "spent_usd": verdict.limit.spent_usd},
            )
            return Refused(refusal_text(verdict.limit), verdict.limit.name)
        return Admitted(spent)

    def spent(self, mention: Mention) -> Spent:
        return self._ledger.spent(team=mention.team_id, channel=mention.channel, user=mention.user)

    def record(
        self, mention: Mention, plan: AnswerPlan, *, call: str, kind: str, usage: Usage
    ) -> float:
        """Count one model call; returns its estimated cost. Never fails the answer."""
        cost = PriceTable({plan.model: plan.price} if plan.price else {}).cost(
            plan.model, tokens_in=usage.prompt_tokens, tokens_out=usage.completion_tokens
        )
        try:
            self._ledger.record(
                ModelCall(
                    event_id=mention.event_id,
                    call=call,
                    kind=kind,
                    model=plan.model,
                    team=mention.team_id,
                    channel=mention.channel,
                    user=mention.user,
                    tokens_in=usage.prompt_tokens,
                    tokens_out=usage.completion_tokens,
                    cost_usd=cost,
                    at=self._clock(),
                )
            )
        except Exception:
            # The answer matters more than its bookkeeping: logged, and the cost still counts
            # toward this answer's note.
            logger.exception("usage not recorded", extra={"call": call})
        return cost

    def note(self, settings: ChannelSettings, spent_before: Spent, cost: float) -> str:
        return near_limit_note(
            near_limits(settings.budgets, spent_before.plus(cost), self._clock())
        )

    def _first_notice(self, mention: Mention, reason: str) -> bool:
        ref = self._db.collection(NOTICES).document(f"{mention.thread_key}.{reason}")
        try:
            ref.create({"event_id": mention.event_id, "at": firestore.SERVER_TIMESTAMP})
        except (AlreadyExists, Conflict):
            return False
        return True
