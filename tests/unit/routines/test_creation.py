"""Creating routines from a mention, in-process: the model's `create_routine` call proposes,
the person's Confirm saves, `routines` lists with Cancel buttons, and only the creator (or an
admin) cancels."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from assistant.answer.delivery import Delivery
from assistant.config import Settings
from assistant.mention import Mention
from assistant.routines.actions import CANCEL, CONFIRM, DISCARD, RoutineAction
from assistant.routines.clicks import ClickOutcome
from assistant.routines.command import NO_ROUTINES
from assistant.routines.routine import State
from assistant.routines.service import build_routines
from tests.e2e.harness import message_text, unique
from tests.responders import TEST_SETTINGS, local_clients, memory_stores, test_responder

TEAM, CHANNEL = "T0SANDBOX", "C0GENERAL"
NOW = datetime(2026, 7, 6, 8, 0, tzinfo=UTC)  # a Monday


class Bot:
    def __init__(self, local_slack, local_model) -> None:
        self.stores = memory_stores()
        clients = local_clients(self.stores, local_slack, local_model)
        self.core = test_responder(clients)
        self.routines = build_routines(
            Settings(**TEST_SETTINGS), clients, publish_run=lambda run: None, clock=lambda: NOW
        )
        self.slack = local_slack

    def ask(self, question: str, *, user: str = "U0ALICE") -> Mention:
        posted = self.slack.post(f"<@U0BOT> {question}", user=user)
        mention = Mention(
            event_id=f"Ev{uuid.uuid4().hex[:10].upper()}", team_id=TEAM, channel=CHANNEL,
            user=user, text=f"<@U0BOT> {question}", ts=posted["ts"], thread_ts=posted["ts"],
            bot_user_id="U0BOT",
        )  # fmt: skip
        self.core.handle(Delivery(mention=mention, delivery_id=f"m-{mention.event_id}"))
        return mention

    def bot_messages(self, mention: Mention) -> list[dict]:
        return self.slack.bot_replies(mention.thread_ts)

    def click(self, message: dict, action_id: str, *, user: str = "U0ALICE") -> ClickOutcome:
        [value] = [
            element["value"]
            for block in message.get("blocks") or ()
            for element in block.get("elements") or ()
            if isinstance(element, dict) and element.get("action_id") == action_id
        ][:1]
        click = RoutineAction(
            action=action_id, value=value, team=TEAM, channel=CHANNEL, user=user,
            message_ts=message["ts"], thread_ts=message.get("thread_ts", ""),
        )  # fmt: skip
        return self.routines.clicks.handle(RoutineAction.from_json(click.to_json()))


def create(sources: list[str], **more) -> str:
    arguments = {"days": ["weekdays"], "time": "09:00", "sources": sources, "target": "here",
                 "window_hours": 24, "instruction": "summarise", **more}  # fmt: skip
    return unique(f"[[tool:create_routine:{json.dumps(arguments)}]] every weekday please")


def proposal(bot: Bot, mention: Mention) -> dict:
    [message] = [m for m in bot.bot_messages(mention) if "New routine" in message_text(m)]
    return message


def test_a_routine_is_proposed_and_saved_only_when_its_creator_confirms(local_slack, local_model):
    bot = Bot(local_slack, local_model)
    mention = bot.ask(create(["<#C0RANDOM|random>"]))
    offered = proposal(bot, mention)
    assert "every weekday at 09:00 (Europe/London)" in message_text(offered)  # the person's zone
    assert bot.stores.routines.routines == {}  # nothing saved yet

    assert bot.click(offered, CONFIRM, user="U0BOB") is ClickOutcome.REFUSED
    assert bot.click(offered, CONFIRM) is ClickOutcome.SAVED
    assert bot.click(offered, CONFIRM) is ClickOutcome.ALREADY_SAVED  # a second click
    [routine] = bot.stores.routines.routines.values()
    assert (routine.sources, routine.target, routine.creator) == (("C0RANDOM",), CHANNEL, "U0ALICE")
    assert routine.next_run == datetime(2026, 7, 6, 8, 0, tzinfo=UTC) or routine.next_run > NOW


def test_a_proposal_cancelled_is_never_saved(local_slack, local_model):
    bot = Bot(local_slack, local_model)
    mention = bot.ask(create(["#random"]))
    assert bot.click(proposal(bot, mention), DISCARD) is ClickOutcome.DISCARDED
    assert bot.stores.routines.routines == {}


def test_a_private_channel_recapped_into_a_public_one_is_refused_at_creation(
    local_slack, local_model
):
    bot = Bot(local_slack, local_model)
    mention = bot.ask(create(["<#C0PRIVATE|private>"]))
    assert not [m for m in bot.bot_messages(mention) if "New routine" in message_text(m)]
    assert bot.stores.routines.routines == {}


def test_routines_lists_with_a_cancel_button_that_only_the_creator_may_use(
    local_slack, local_model
):
    bot = Bot(local_slack, local_model)
    assert NO_ROUTINES in [message_text(m) for m in bot.bot_messages(bot.ask("routines"))]
    bot.click(proposal(bot, bot.ask(create(["#random"]))), CONFIRM)

    listed = bot.ask("routines")
    [listing] = [m for m in bot.bot_messages(listed) if m.get("blocks")]
    assert "every weekday at 09:00" in json.dumps(listing["blocks"])
    assert bot.click(listing, CANCEL, user="U0BOB") is ClickOutcome.REFUSED
    assert bot.click(listing, CANCEL) is ClickOutcome.CANCELLED
    [routine] = bot.stores.routines.routines.values()
    assert routine.state is State.CANCELLED
    assert NO_ROUTINES in [message_text(m) for m in bot.bot_messages(bot.ask("routines"))]
