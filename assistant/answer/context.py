"""One delivery's answer in the making: everything the steps after the claim read and write.

Built once per delivery, after the claim, and handed to every step (`steps.py`), the
assembler, the generator and the recorder, instead of each taking the same ten arguments.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from assistant.answer.claims import Claim, Claims, Lease
from assistant.answer.delivery import Delivery
from assistant.answer.meter import Meter
from assistant.answer.plan import AnswerPlan
from assistant.mention import Mention
from assistant.slack.reply import ThreadReply
from assistant.usage.policy import Spent

__all__ = ["AnswerContext"]


@dataclasses.dataclass(kw_only=True)
class AnswerContext:
    delivery: Delivery
    claim: Claim
    lease: Lease
    plan: AnswerPlan
    reply: ThreadReply
    meter: Meter
    claims: Claims
    # What had been spent before this answer, as admission found it: for the 80 % note.
    spent_before: Spent = dataclasses.field(default_factory=Spent)

    @property
    def mention(self) -> Mention:
        return self.delivery.mention

    def finish(self, **details: Any) -> None:
        """The claim is done: nothing about this mention will be retried."""
        self.claims.finish(self.lease, **details)

    def say(self, text: str, **details: Any) -> None:
        """A reply that needs no model (a command's answer, a refusal), and the claim done."""
        self.reply.say(text)
        self.finish(**details)

    def log_fields(self) -> dict[str, Any]:
        return {"model": self.plan.model, "fence": self.lease.fence, "attempt": self.attempt}

    @property
    def attempt(self) -> int:
        return self.delivery.attempt or self.claim.attempts
