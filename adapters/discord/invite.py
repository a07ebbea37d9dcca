"""The invite link: the two OAuth2 scopes and exactly the permissions the bot uses."""

from __future__ import annotations

import base64
import binascii

import discord

SCOPES = ("bot", "applications.commands")

#: each permission and why the bot needs it (shown by `cocreate discord-invite`)
NEEDED = {
    "view_channel": "see the channels it posts in",
    "send_messages": "post idea cards, announcements, prompts and forum posts",
    "send_messages_in_threads": "write in idea threads",
    "create_public_threads": "open a discussion thread per idea card",
    "embed_links": "show cards, tables and prompts as embeds",
    "attach_files": "send CSV exports and the result charts",
    "add_reactions": "add the vote emojis to each card",
    "read_message_history": "read a card's reactions for the recount at a round's close",
    "manage_messages": "take off votes the rules refuse (optional: else they stay, uncounted)",
}


def permissions() -> discord.Permissions:
    return discord.Permissions(**dict.fromkeys(NEEDED, True))


def client_id_from_token(token: str) -> str | None:
    """A bot token starts with the bot's user id in base64, and for every application made
    since 2016 the bot's user id is the application id; None if the token does not parse."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if decoded.isdecimal() else None


def invite_url(client_id: str) -> str:
    return discord.utils.oauth_url(int(client_id), permissions=permissions(), scopes=SCOPES)
