"""The fixed workspace: one team, its users and conversations, in Slack's shapes."""

from __future__ import annotations

__all__ = [
    "APP_ID",
    "BOTS",
    "BOT_ID",
    "BOT_USER_ID",
    "CHANNELS",
    "OTHER_BOT_ID",
    "PARTNER_TEAM_ID",
    "TEAM_ID",
    "TEAM_NAME",
    "USERS",
    "bot_is_member",
    "bot_object",
    "bot_profile",
    "channel_object",
    "channel_type",
    "is_dm",
    "is_private",
    "members_of",
    "user_object",
]

TEAM_ID = "T0SANDBOX"
TEAM_NAME = "Sandbox"
TEAM_DOMAIN = "sandbox"
APP_ID = "A0SANDBOX"
BOT_ID = "B0BOT"
BOT_USER_ID = "U0BOT"
# A fixed "creation" time keeps objects identical across restarts.
CREATED = 1732000000

# Another app's bot in the same workspace, whose posts the assistant sees in threads.
OTHER_BOT_ID = "B0DEPLOY"

USERS: dict[str, dict] = {
    "U0BOT": {"name": "assistant", "real_name": "Assistant", "is_bot": True, "bot_id": BOT_ID},
    "U0ALICE": {"name": "alice", "real_name": "Alice Example", "is_bot": False},
    "U0BOB": {"name": "bob", "real_name": "Bob Example", "is_bot": False},
    # Carol administers the workspace (users.info is_admin): she may stop anyone's answer.
    "U0CAROL": {"name": "carol", "real_name": "Carol Example", "is_bot": False, "is_admin": True},
    # A multi-channel guest (users.info is_restricted): answers draw on nothing internal.
    "U0GUEST": {"name": "gail", "real_name": "Gail Guest", "is_bot": False, "guest": True},
    "U0DEPLOY": {
        "name": "deploybot",
        "real_name": "Deploy Bot",
        "is_bot": True,
        "bot_id": OTHER_BOT_ID,
    },
}

# bots.info's view of each bot: which user and app it belongs to.
BOTS: dict[str, dict] = {
    BOT_ID: {"user_id": BOT_USER_ID, "app_id": APP_ID, "name": "assistant"},
    OTHER_BOT_ID: {"user_id": "U0DEPLOY", "app_id": "A0DEPLOY", "name": "deploybot"},
}

# Another organisation, sharing #partner-connect with this workspace (Slack Connect).
PARTNER_TEAM_ID = "T0PARTNER"

# The bot is a member of every conversation but #hidden (Slack sends it nothing from there, and
# answers its reads of it with channel_not_found, as for any private channel it is not in).
CHANNELS: dict[str, dict] = {
    "C0GENERAL": {"name": "general", "is_im": False, "is_general": True},
    "C0RANDOM": {"name": "random", "is_im": False, "is_general": False},
    # A private channel created after March 2021: a C id, is_channel and is_private both true.
    "C0PRIVATE": {
        "name": "private",
        "is_im": False,
        "is_general": False,
        "is_private": True,
        "members": ["U0ALICE", "U0BOB", "U0BOT"],
    },
    # A private channel the bot is in but Alice is not.
    "C0SECRET": {
        "name": "secret",
        "is_im": False,
        "is_general": False,
        "is_private": True,
        "members": ["U0BOB", "U0BOT"],
    },
    # A private channel the bot is not in.
    "C0HIDDEN": {
        "name": "hidden",
        "is_im": False,
        "is_general": False,
        "is_private": True,
        "members": ["U0BOB", "U0CAROL"],
    },
    # A public channel shared with another organisation (Slack Connect): is_ext_shared.
    "C0CONNECT": {
        "name": "partner-connect",
        "is_im": False,
        "is_general": False,
        "shared_with": [PARTNER_TEAM_ID],
        "members": ["U0ALICE", "U0BOB", "U0GUEST", "U0BOT"],
    },
    "D0ALICE": {"name": None, "is_im": True, "user": "U0ALICE"},
}


def is_dm(channel_id: str) -> bool:
    return CHANNELS.get(channel_id, {}).get("is_im", False)


def is_private(channel_id: str) -> bool:
    """A private channel (not a DM): Slack calls its events' channel_type `group`."""
    return CHANNELS.get(channel_id, {}).get("is_private", False)


def bot_is_member(channel_id: str) -> bool:
    return BOT_USER_ID in members_of(channel_id)


def members_of(channel_id: str) -> list[str]:
    """Who is in a conversation: a private channel's members, else everyone."""
    channel = CHANNELS[channel_id]
    if channel["is_im"]:
        return [channel["user"], BOT_USER_ID]
    return channel.get("members", list(USERS))


def channel_type(channel_id: str) -> str:
    """The `channel_type` of a message event in this conversation."""
    if is_dm(channel_id):
        return "im"
    return "group" if is_private(channel_id) else "channel"


def bot_profile(bot_id: str = BOT_ID) -> dict:
    """The `bot_profile` Slack puts on a bot's messages."""
    bot = BOTS[bot_id]
    return {
        "id": bot_id,
        "app_id": bot["app_id"],
        "name": bot["name"],
        "icons": {"image_48": "https://a.slack-edge.com/80588/img/plugins/app/bot_48.png"},
        "deleted": False,
        "updated": CREATED,
        "team_id": TEAM_ID,
    }


def bot_object(bot_id: str) -> dict | None:
    """bots.info's `bot`, or None when the id is unknown."""
    bot = BOTS.get(bot_id)
    if bot is None:
        return None
    profile = bot_profile(bot_id)
    return {
        "id": bot_id,
        "deleted": False,
        "name": bot["name"],
        "updated": CREATED,
        "app_id": bot["app_id"],
        "user_id": bot["user_id"],
        "icons": profile["icons"],
    }


def user_object(user_id: str) -> dict | None:
    """users.info's `user`, or None when the id is unknown."""
    user = USERS.get(user_id)
    if user is None:
        return None
    profile = {
        "real_name": user["real_name"],
        "display_name": user["name"],
        "real_name_normalized": user["real_name"],
        "display_name_normalized": user["name"],
        "team": TEAM_ID,
        "image_48": f"https://secure.gravatar.com/avatar/{user_id}.png?s=48",
    }
    if user["is_bot"]:
        bot = BOTS[user["bot_id"]]
        profile.update(
            {"bot_id": user["bot_id"], "api_app_id": bot["app_id"], "always_active": True}
        )
    else:
        profile["email"] = f"{user['name']}@sandbox.example"
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": user["name"],
        "deleted": False,
        "color": "9f69e7",
        "real_name": user["real_name"],
        "tz": "Europe/London",
        "tz_label": "Greenwich Mean Time",
        "tz_offset": 0,
        "profile": profile,
        "is_admin": bool(user.get("is_admin")),
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": user.get("guest", False),
        "is_ultra_restricted": False,
        "is_bot": user["is_bot"],
        "is_app_user": False,
        "updated": CREATED,
    }


def channel_object(channel_id: str) -> dict | None:
    """conversations.info's `channel`, or None when the id is unknown."""
    channel = CHANNELS.get(channel_id)
    if channel is None:
        return None
    if channel["is_im"]:
        return {
            "id": channel_id,
            "created": CREATED,
            "is_im": True,
            "is_org_shared": False,
            "context_team_id": TEAM_ID,
            "user": channel["user"],
            "is_user_deleted": False,
            "priority": 0,
        }
    name = channel["name"]
    private = channel.get("is_private", False)
    partners = channel.get("shared_with", [])
    return {
        "id": channel_id,
        "name": name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": private,
        "created": CREATED,
        "is_archived": False,
        "is_general": channel["is_general"],
        "unlinked": 0,
        "name_normalized": name,
        "is_shared": bool(partners),
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "context_team_id": TEAM_ID,
        "creator": "U0ALICE",
        "is_ext_shared": bool(partners),
        "shared_team_ids": [TEAM_ID, *partners],
        "is_member": bot_is_member(channel_id),
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": f"The #{name} channel", "creator": "U0ALICE", "last_set": CREATED},
        "previous_names": [],
        "num_members": len(members_of(channel_id)),
    }
