"""The responder's core: one delivered mention in, one answer (or one clear error) in its thread."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import time
from collections.abc import Callable

import openai
from google.cloud import firestore
from slack_sdk import WebClient

from assistant.answer.claims import ClaimStore, Verdict
from assistant.config import Settings
from assistant.conversation.history import HistoryStore, StoredTurn
from assistant.conversation.prompt import Prompt, build_prompt, turn_order
from assistant.files.context import notes_text
from assistant.files.loader import ThreadFiles
from assistant.files.produced import AnswerFiles
from assistant.llm.models import input_budget, model_spec
from assistant.llm.stream import Completion, ModelError, stream_completion
from assistant.llm.tokens import count_message
from assistant.mention import Mention
from assistant.slack.reply import ThreadReply

__all__ = ["Delivery", "Outcome", "Responder"]

logger = logging.getLogger(__name__)

RESET_TEXT = "Done: I have forgotten this thread's earlier messages. Ask me anything."
EMPTY_ANSWER = "_The model returned an empty answer._"
INTERNAL_ERROR = (
    "Something went wrong on my side and I could not answer this message, even after retrying."
)


class Outcome(enum.Enum):
    ACK = "ack"  # done, or nothing to do: Pub/Sub must not redeliver
    RETRY = "retry"  # transient failure: Pub/Sub redelivers (with backoff, then dead-letters)


@dataclasses.dataclass(frozen=True)
class Delivery:
    mention: Mention
    delivery_id: str  # the Pub/Sub message id: the same across redeliveries of one message
    attempt: int | None = None  # Pub/Sub's deliveryAttempt, when the subscription reports it


class Responder:
    def __init__(
        self,
        settings: Settings,
        *,
        db: firestore.Client,
        slack: WebClient,
        model_client: openai.OpenAI,
        dead_letter: Callable[[Mention], object],
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._settings = settings
        self._slack = slack
        self._model_client = model_client
        self._dead_letter = dead_letter
        self._now = now
        self.claims = ClaimStore(db, lease_seconds=settings.claim_lease_seconds)
        self.history = HistoryStore(db)
        self.spec = model_spec(
            settings.openai_model, context_override=settings.model_context_tokens
        )
        self.budget = input_budget(self.spec, reserved_output=settings.reserved_output_tokens)
        self.files = ThreadFiles(settings, spec=self.spec, budget=self.budget)
        self.answer_files = AnswerFiles(settings, slack=slack)

    def handle(self, delivery: Delivery) -> Outcome:
        mention = delivery.mention
        log = {"event_id": mention.event_id, "thread_key": mention.thread_key}
        logger.info(
            "delivery received",
            extra={
                **log,
                "message_id": delivery.delivery_id,
                "delivery_attempt": delivery.attempt,
                "seconds_since_mention": _since_mention(mention),
            },
        )
        claim = self.claims.acquire(
            mention.event_id, delivery_id=delivery.delivery_id, now=self._now()
        )
        if claim.verdict is Verdict.STAND_DOWN:
            logger.info("already handled or in hand", extra={**log, "state": claim.state})
            return Outcome.ACK

        attempt = delivery.attempt or claim.attempts
        reply = ThreadReply(
            self._slack,
            channel=mention.channel,
            thread_ts=mention.thread_ts,
            message_ts=claim.message_ts,
            on_new_message=lambda ts: self.claims.record_messages(
                mention.event_id, ts, now=self._now()
            ),
            min_interval=self._settings.slack_update_interval_seconds,
        )
        try:
            return self._answer(mention, reply, log)
        except Exception:
            last = attempt >= self._settings.max_delivery_attempts
            logger.exception("answering failed", extra={**log, "attempt": attempt, "last": last})
            if not last:
                return Outcome.RETRY
            self._give_up(mention, reply)
            # Filed by us rather than left to the subscription's dead-letter policy: the same
            # path in production and on the emulator (whose push mode does not dead-letter).
            self._dead_letter(mention)
            return Outcome.ACK

    def _answer(self, mention: Mention, reply: ThreadReply, log: dict[str, str]) -> Outcome:
        if mention.is_reset:
            deleted = self.history.clear(mention.thread_key)
            reply.say(RESET_TEXT)
            self.claims.finish(mention.event_id, deleted_turns=deleted)
            return Outcome.ACK

        reply.show_progress()
        started = time.monotonic()
        prompt = self.build_prompt(mention)
        completion = Completion()
        self._log_request(prompt, log)
        renewed = started
        try:
            for text in stream_completion(
                self._model_client,
                model=self._settings.openai_model,
                messages=prompt.messages,
                output_limit={self.spec.output_limit_param: self.spec.context_window - self.budget},
                deadline=started + self._settings.response_time_budget_seconds,
                completion=completion,
            ):
                if not reply.streamed:
                    logger.info(
                        "first token",
                        extra={**log, "seconds_since_mention": _since_mention(mention)},
                    )
                reply.stream(text)
                if time.monotonic() - renewed > self._settings.claim_lease_seconds / 3:
                    # A long answer keeps its lease; only a dead holder's claim is taken over.
                    self.claims.renew(mention.event_id, now=self._now())
                    renewed = time.monotonic()
        except ModelError as error:
            reply.fail(str(error), partial_text=completion.text)
            self.claims.finish(mention.event_id, state="failed", error=str(error))
            logger.warning("model failed", extra={**log, "reason": str(error)})
            return Outcome.ACK

        answer = (completion.text.strip() or EMPTY_ANSWER) + notes_text(prompt.notes)
        reply.finish(answer)
        self.history.append(
            mention.thread_key,
            [prompt.current, self._answer_turn(mention, answer)],
            keep_tokens=self.budget,
        )
        self.answer_files.share(mention, completion.text)
        self.claims.finish(mention.event_id, message_ts=reply.message_ts)
        logger.info(
            "answered",
            extra={
                **log,
                "seconds": round(time.monotonic() - started, 3),
                "seconds_since_mention": _since_mention(mention),
                "first_token_seconds": _since(started, completion.first_token_at),
                "usage": completion.usage,
                "slack_edits": reply.edits,
                "stream_restarts": completion.stream_restarts,
            },
        )
        return Outcome.ACK

    def _log_request(self, prompt: Prompt, log: dict[str, str]) -> None:
        fields: dict[str, object] = {
            "model": self._settings.openai_model,
            "turns": [{"role": t.role, "tokens": t.tokens} for t in prompt.turns],
            "prompt_tokens_estimate": prompt.tokens,
            "budget": self.budget,
        }
        if self._settings.log_prompts:
            fields["prompt"] = [_loggable(t.as_message()) for t in prompt.turns]
        logger.info("model request", extra={**log, **fields})

    def build_prompt(self, mention: Mention) -> Prompt:
        files = self.files.user_turn(mention)
        prompt = build_prompt(
            mention,
            history=self.history,
            spec=self.spec,
            budget=self.budget,
            system_prompt=self._settings.system_prompt,
            user_content=files.content if files else None,
            file_refs=files.refs if files else (),
            expand=self.files.expander(mention),
        )
        return dataclasses.replace(prompt, notes=files.notes) if files else prompt

    def _answer_turn(self, mention: Mention, answer: str) -> StoredTurn:
        return StoredTurn(
            order=turn_order(mention, 1),
            role="assistant",
            content=answer,
            tokens=count_message(answer, self.spec),
            encoding=self.spec.count_key,
            event_id=mention.event_id,
        )

    def _give_up(self, mention: Mention, reply: ThreadReply) -> None:
        """Last attempt: tell the person, then let the message go to the dead-letter topic."""
        try:
            reply.fail(INTERNAL_ERROR)
            self.claims.finish(mention.event_id, state="failed", error="gave up")
        except Exception:
            logger.exception("could not report the failure", extra={"event_id": mention.event_id})


def _since(start: float, moment: float | None) -> float | None:
    return None if moment is None else round(moment - start, 3)


def _since_mention(mention: Mention) -> float | None:
    return round(time.time() - mention.received_at, 3) if mention.received_at else None


def _loggable(message: dict[str, object]) -> dict[str, object]:
    content = message["content"]
    if not isinstance(content, str):
        content = " ".join(
            part.get("text", "") if part.get("type") == "text" else "[image]" for part in content
        )
    return {"role": message["role"], "content": content[:4000]}
