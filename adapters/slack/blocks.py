"""Neutral replies, messages, cards, tables and prompts as Block Kit.

Every string that may hold member text goes through ``mrkdwn`` (or ``plain``), which escapes
``&``, ``<`` and ``>``: Slack only turns ``<!channel>``, ``<!here>``, ``<!everyone>``,
``<!subteam^…>`` and ``<@U…>`` into pings when they arrive as those control sequences, so
escaped text can never ping anyone. Nothing we send sets ``link_names`` or ``parse``.

Block Kit limits are enforced here, not hoped for: 50 blocks per message (100 per view), 3000
characters per section, 150 per header, 75 per button or option label. What does not fit is
cut, and the reader is told to use the export.
"""

from __future__ import annotations

import re
from typing import Any

from adapters.slack.emoji import to_name
from bot.replies import IdeaCard, Message, PromptView, Reply, Table, aligned_lines

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT = 3000
HEADER_TEXT = 150
BUTTON_TEXT = 75
OPTION_TEXT = 75
OPTION_VALUE = 150
BUTTON_VALUE = 2000
CONTEXT_TEXT = 2000
FALLBACK_TEXT = 3000
TABLE_CELL = 40

TRUNCATED = "… more than fits in one Slack message. Use `/cocreate export` for everything."
ANSWER_ACTION = "cocreate_answer"
TEXT_ACTION = "cocreate_text"

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def escape(text: str) -> str:
    """Slack's three control characters; after this no text can form a mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Engine text (Discord-flavoured ``**bold**``) as safe Slack mrkdwn."""
    return _BOLD.sub(r"*\1*", escape(text))


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    """A plain_text object: never parsed for mentions, but Slack still rejects empty text."""
    return {"type": "plain_text", "text": clip(text or " ", limit), "emoji": True}


def fallback(text: str) -> str:
    """The notification text sent beside blocks: parsed like mrkdwn, so escaped too."""
    return clip(mrkdwn(text), FALLBACK_TEXT) or " "


def sections(text: str) -> list[Block]:
    """Text as mrkdwn sections of at most 3000 characters, split at line ends when possible."""
    body = mrkdwn(text)
    out: list[Block] = []
    while body:
        if len(body) <= SECTION_TEXT:
            chunk, body = body, ""
        else:
            cut = body.rfind("\n", 0, SECTION_TEXT)
            cut = cut if cut > 0 else SECTION_TEXT
            chunk, body = body[:cut], body[cut:].lstrip("\n")
        if chunk.strip():
            out.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    return out


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, CONTEXT_TEXT)}]}


# -- cards ------------------------------------------------------------------------------------
def card_title(card: IdeaCard) -> str:
    return f"💡 #{card.idea_id} {card.title}"


def card_blocks(card: IdeaCard) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain(card_title(card), HEADER_TEXT)}]
    if card.description:
        blocks.extend(sections(card.description)[:2])
    meta = [f"by {card.author_name}", card.status, card.tally]
    if card.campaign:
        meta.append(f"campaign {card.campaign}")
    if card.merged_into:
        meta.append(f"merged into #{card.merged_into}")
    blocks.append(context(" · ".join(mrkdwn(m) for m in meta)))
    if card.vote_emojis:
        shown = " ".join(_emoji_code(e) for e in card.vote_emojis)
        blocks.append(context(f"Vote by reacting {shown} · discuss in the thread"))
    return blocks


def card_fallback(card: IdeaCard) -> str:
    return fallback(f"{card_title(card)} [{card.status}] · {card.tally}")


def _emoji_code(emoji: str) -> str:
    name = to_name(emoji)
    return f":{name}:" if name else escape(emoji)


# -- tables -----------------------------------------------------------------------------------
def _cell(text: str) -> str:
    # a backtick would end the code block early; keep cells on one line
    return clip(" ".join(text.replace("`", "'").split()), TABLE_CELL)


def table_blocks(table: Table, budget: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """A table as aligned monospace lines, several sections if long, cut to ``budget`` blocks."""
    headers = [_cell(h) for h in table.headers]
    rows = [[_cell(c) for c in row] for row in table.rows]
    lines = aligned_lines(headers, rows)
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{mrkdwn(table.title)}*"}}
    ]
    chunk: list[str] = []
    size = 0
    for text in (escape(ln) for ln in lines):
        if chunk and size + len(text) + 1 > SECTION_TEXT - 8:
            blocks.append(_code(chunk))
            chunk, size = [], 0
        chunk.append(clip(text, SECTION_TEXT - 8))
        size += len(chunk[-1]) + 1
    if chunk:
        blocks.append(_code(chunk))
    if len(blocks) > budget:
        blocks = [*blocks[: budget - 1], context(TRUNCATED)]
    return blocks


def _code(lines: list[str]) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": "```" + "\n".join(lines) + "```"}}


# -- prompts ----------------------------------------------------------------------------------
def prompt_blocks(view: PromptView) -> list[Block]:
    blocks: list[Block] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": clip(f"📝 *Prompt #{view.prompt_id}*: {mrkdwn(view.question)}", 3000),
            },
        }
    ]
    notes = []
    if view.subject:
        notes.append(f"about {mrkdwn(view.subject)}")
    if view.anonymous:
        notes.append("anonymous")
    if view.closes_at and not view.closed:
        notes.append(f"closes {mrkdwn(view.closes_at)}")
    if view.closed:
        notes.append("closed: answers are no longer taken")
    if notes:
        blocks.append(context(" · ".join(notes)))
    if not view.closed:
        blocks.append(_answer_controls(view))
    return blocks


def _answer_controls(view: PromptView) -> Block:
    pid = view.prompt_id
    block_id = f"prompt:{pid}"
    if view.kind in ("rating", "nps"):
        low, high = (1, 5) if view.kind == "rating" else (0, 10)
        buttons = [
            {
                "type": "button",
                "action_id": f"{ANSWER_ACTION}:{pid}:{n}",
                "text": plain(str(n), BUTTON_TEXT),
                "value": str(n),
            }
            for n in range(low, high + 1)
        ]
        return {"type": "actions", "block_id": block_id, "elements": buttons}
    if view.kind in ("single", "multiple"):
        options = [
            {"text": plain(o, OPTION_TEXT), "value": clip(o, OPTION_VALUE)} for o in view.options
        ]
        select = {
            "type": "static_select" if view.kind == "single" else "multi_static_select",
            "action_id": f"{ANSWER_ACTION}:{pid}",
            "placeholder": plain("Pick one" if view.kind == "single" else "Pick any", 150),
            "options": options,
        }
        return {"type": "actions", "block_id": block_id, "elements": [select]}
    button = {
        "type": "button",
        "action_id": f"{TEXT_ACTION}:{pid}",
        "text": plain("Answer", BUTTON_TEXT),
        # the question travels with the button, so the answer form can show it without a
        # lookup (the adapter reads no storage)
        "value": clip(view.question, BUTTON_VALUE) or str(pid),
        "style": "primary",
    }
    return {"type": "actions", "block_id": block_id, "elements": [button]}


# -- whole messages ---------------------------------------------------------------------------
def content_blocks(
    text: str,
    card: IdeaCard | None = None,
    table: Table | None = None,
    prompt: PromptView | None = None,
    budget: int = MAX_MESSAGE_BLOCKS,
) -> list[Block]:
    blocks: list[Block] = sections(text) if text else []
    if card is not None:
        blocks.extend(card_blocks(card))
    if prompt is not None:
        blocks.extend(prompt_blocks(prompt))
    if table is not None:
        room = max(2, budget - len(blocks))
        blocks.extend(table_blocks(table, room))
    if len(blocks) > budget:
        blocks = [*blocks[: budget - 1], context(TRUNCATED)]
    return blocks


def message_blocks(message: Message) -> list[Block]:
    return content_blocks(message.text, message.card, message.table, message.prompt)


def reply_blocks(reply: Reply) -> list[Block]:
    return content_blocks(reply.text, reply.card, reply.table, reply.prompt)


def summary(text: str, card: IdeaCard | None, table: Table | None) -> str:
    """The notification line for a message with blocks."""
    if text:
        return fallback(text)
    if card is not None:
        return card_fallback(card)
    if table is not None:
        return fallback(table.title)
    return " "
