"""Who may use the assistant where (pure): the allowlists and Slack Connect.

Empty allowlists mean everyone in the workspace. A person from another organisation (a shared,
Slack Connect channel: their team is not the workspace's) is refused unless their team is in
`allow.external_teams` or they are in `allow.users`. Direct messages are not subject to the
channel list (a DM's id is per person: no admin could list them); `allow.direct_messages`
(ALLOW_DIRECT_MESSAGES, on by default) turns them off, and the user list applies there too.

    >>> from assistant.channels.settings import Allowlist, ChannelSettings
    >>> settings = ChannelSettings(allow=Allowlist(channels=frozenset({"C1"})))
    >>> refusal(settings, team="T1", channel="C2", user="U1", user_team="T1", is_dm=False)
    'channel'
"""

from __future__ import annotations

from assistant.channels.settings import ChannelSettings

__all__ = ["REFUSALS", "refusal"]

REFUSALS = {
    "disabled": "I am switched off in this channel.",
    "channel": "I am not enabled for this channel. An admin can add it to the allowed channels.",
    "user": "Sorry, I can only answer people on this workspace's list of allowed users.",
    "direct_messages": (
        "I do not answer in direct messages in this workspace; please ask me in a channel."
    ),
    "external": (
        "Sorry, I only answer people from this workspace here, not from other organisations "
        "in shared channels."
    ),
}


def refusal(
    settings: ChannelSettings, *, team: str, channel: str, user: str, user_team: str, is_dm: bool
) -> str | None:
    """The reason (a key of REFUSALS) this person may not ask here, or None."""
    allow = settings.allow
    if not settings.enabled:
        return "disabled"
    external = user_team and user_team != team and user_team not in allow.external_teams
    if external and user not in allow.users:
        return "external"
    if is_dm and not allow.direct_messages:
        return "direct_messages"
    # A DM's id is per person, never on the channel list: `allow.direct_messages` decides.
    if allow.channels and not is_dm and channel not in allow.channels:
        return "channel"
    if allow.users and user not in allow.users:
        return "user"
    return None
