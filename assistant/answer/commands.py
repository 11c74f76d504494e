"""`@assistant <command>`: the one registry of commands and its one parser.

A command is a word on its own (`reset`, `Usage.`, `help?`): answered from our own records,
never by the model. Each says whether it counts toward the person's rate limit. `help` lists
the registry, so a new command appears there by being registered (`command_registry`).

    >>> registry = CommandRegistry(())
    >>> registry.parse("  Help? ").name, registry.parse("help me with this")
    ('help', None)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol

import yaml

from assistant.answer.plan import AnswerPlan
from assistant.channels.settings import ChannelSettings
from assistant.conversation.thread_state import History
from assistant.feedback.votes import FeedbackCounts, FeedbackVotes
from assistant.mention import Mention
from assistant.usage.notices import usd
from assistant.usage.stores import Totals, UsageLedger, UsageStatement

__all__ = [
    "Command",
    "CommandRegistry",
    "CommandReply",
    "CommandRequest",
    "HelpCommand",
    "ResetCommand",
    "SettingsCommand",
    "SourcesCommand",
    "UsageCommand",
    "command_registry",
    "settings_text",
    "usage_text",
]

RESET_TEXT = "Done: I have forgotten this thread's earlier messages. Ask me anything."
_PROMPT_SHOWN = 400  # characters of the persona's system prompt shown


@dataclasses.dataclass(frozen=True, kw_only=True)
class CommandRequest:
    mention: Mention
    plan: AnswerPlan


@dataclasses.dataclass(frozen=True)
class CommandReply:
    text: str
    details: dict[str, Any] = dataclasses.field(default_factory=dict)  # for the claim's record


class Command(Protocol):
    name: str
    summary: str  # one line in `help`
    counts_toward_rate_limit: bool

    def run(self, request: CommandRequest) -> CommandReply: ...


class CommandRegistry:
    def __init__(self, commands: Sequence[Command]) -> None:
        """`commands`, and `help`, which lists them all."""
        every = (*commands, HelpCommand(self))
        self._commands = {command.name: command for command in every}

    @property
    def commands(self) -> tuple[Command, ...]:
        return tuple(self._commands.values())

    def parse(self, question: str) -> Command | None:
        """The command a question is, if it is one word naming one; else None."""
        return self._commands.get(question.lower().strip(" .!?"))


class ResetCommand:
    name = "reset"
    summary = "forget this thread's earlier messages and start over"
    counts_toward_rate_limit = False

    def __init__(self, history: History) -> None:
        self._history = history

    def run(self, request: CommandRequest) -> CommandReply:
        mention = request.mention
        deleted = self._history.clear(mention.thread_key, read_through=mention.ts)
        return CommandReply(RESET_TEXT, {"deleted_turns": deleted})


class SourcesCommand:
    name = "sources"
    summary = "list the document sets I can search in this channel"
    counts_toward_rate_limit = True  # it reads the knowledge index

    def __init__(self, sources_reply: _SourcesReply) -> None:
        self._sources_reply = sources_reply

    def run(self, request: CommandRequest) -> CommandReply:
        return CommandReply(self._sources_reply(request.plan.document_sets))


class SettingsCommand:
    name = "settings"
    summary = "show this channel's effective settings"
    counts_toward_rate_limit = False

    def run(self, request: CommandRequest) -> CommandReply:
        return CommandReply(settings_text(request.plan.channel))


class UsageCommand:
    name = "usage"
    summary = "show this month's usage and costs, and the feedback given here"
    counts_toward_rate_limit = False

    def __init__(self, ledger: UsageLedger, feedback: FeedbackVotes) -> None:
        self._ledger = ledger
        self._feedback = feedback

    def run(self, request: CommandRequest) -> CommandReply:
        mention = request.mention
        report = self._ledger.report(
            team=mention.team_id, channel=mention.channel, user=mention.user
        )
        counts = self._feedback.counts(
            team=mention.team_id, channel=mention.channel, month=report.month
        )
        return CommandReply(usage_text(report, request.plan.channel, counts))


class HelpCommand:
    name = "help"
    summary = "list these commands"
    counts_toward_rate_limit = False

    def __init__(self, registry: CommandRegistry) -> None:
        self._registry = registry

    def run(self, request: CommandRequest) -> CommandReply:
        commands = self._registry.commands
        lines = ["*Commands* (mention me with just the word):"]
        lines += [f"• `{command.name}`: {command.summary}" for command in commands]
        lines.append("Anything else is a question for me to answer.")
        return CommandReply("\n".join(lines))


class _SourcesReply(Protocol):
    def __call__(self, allowed: Sequence[str] | None) -> str: ...


def command_registry(
    *,
    history: History,
    sources_reply: _SourcesReply,
    ledger: UsageLedger,
    feedback: FeedbackVotes,
    more: Sequence[Command] = (),
) -> CommandRegistry:
    """Every command the responder answers (and `help`): a new one is one entry here, or,
    when it lives with its feature (`routines`), in `more`."""
    return CommandRegistry(
        (
            ResetCommand(history),
            SourcesCommand(sources_reply),
            SettingsCommand(),
            UsageCommand(ledger, feedback),
            *more,
        )
    )


def settings_text(settings: ChannelSettings) -> str:
    shown = settings.to_display()
    prompt = shown["persona"]["system_prompt"]
    if len(prompt) > _PROMPT_SHOWN:
        shown["persona"]["system_prompt"] = prompt[:_PROMPT_SHOWN] + "…"
    body = yaml.safe_dump(shown, sort_keys=False, allow_unicode=True, width=100).strip()
    return (
        "*This channel's settings* (the deployment's defaults, then `config/assistant.yaml`):\n"
        f"```\n{body}\n```"
    )


def usage_text(report: UsageStatement, settings: ChannelSettings, counts: FeedbackCounts) -> str:
    budgets = settings.budgets
    workspace = _line("This workspace", report.workspace_month, budgets.workspace_monthly_usd)
    channel = _line("This channel", report.channel_month, budgets.channel_monthly_usd)
    lines = [
        f"*Usage in {report.month}* (UTC; costs are estimates from the price table)",
        _line("You", report.user_month, 0.0),
        channel,
        workspace,
    ]
    if budgets.user_daily_usd:
        lines.append(f"• Your daily budget: {usd(budgets.user_daily_usd)}")
    lines.append(f"• Feedback in this channel: {counts.positive} 👍, {counts.negative} 👎")
    return "\n".join(lines)


def _line(who: str, totals: Totals, budget: float) -> str:
    text = (
        f"• {who}: {usd(totals.cost_usd)} · {totals.calls:,} model calls · "
        f"{totals.tokens_in:,} tokens in, {totals.tokens_out:,} out"
    )
    if budget:
        text += f" · {totals.cost_usd / budget:.0%} of {usd(budget)}"
    return text
