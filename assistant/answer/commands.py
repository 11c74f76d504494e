"""`@assistant settings` and `@assistant usage`: answered from our own records, no model call.

>>> command_of("  Usage. ")
'usage'
"""

from __future__ import annotations

import yaml

from assistant.channels.settings import ChannelSettings
from assistant.feedback.store import FeedbackStore
from assistant.feedback.votes import FeedbackCounts
from assistant.usage.ledger import Ledger
from assistant.usage.notices import usd
from assistant.usage.stores import Totals, UsageStatement

__all__ = ["COMMANDS", "Commands", "command_of", "settings_text", "usage_text"]

COMMANDS = ("settings", "usage")
_PROMPT_SHOWN = 400  # characters of the persona's system prompt shown


def command_of(question: str) -> str | None:
    word = question.lower().strip(" .!?")
    return word if word in COMMANDS else None


class Commands:
    def __init__(self, *, ledger: Ledger, feedback: FeedbackStore) -> None:
        self._ledger = ledger
        self._feedback = feedback

    def run(
        self, command: str, *, team: str, channel: str, user: str, settings: ChannelSettings
    ) -> str:
        if command == "settings":
            return settings_text(settings)
        report = self._ledger.report(team=team, channel=channel, user=user)
        counts = self._feedback.counts(team=team, channel=channel, month=report.month)
        return usage_text(report, settings, counts)


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
