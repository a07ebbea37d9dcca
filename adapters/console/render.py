"""Neutral replies and messages as terminal text.

Everything members typed reaches a terminal here, so every string passes through ``safe``:
control characters (an ESC starting a colour or cursor sequence, a bell, a carriage return that
overwrites the line) and bidirectional overrides are dropped before printing.
"""

from __future__ import annotations

import unicodedata

from bot.replies import Attachment, IdeaCard, Message, PromptView, Reply, Table, aligned_lines
from bot.services.cards import card_text

_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

PROMPT_HINTS = {
    "rating": "a rating from 1 to 5",
    "nps": "a score from 0 to 10",
    "single": "one option",
    "multiple": "one or more options",
    "text": "text in quotes",
}


def safe(text: str) -> str:
    """Keep newlines; turn tabs into spaces; drop every other control and bidi character."""
    out = []
    for char in text.replace("\r\n", "\n").replace("\t", "    "):
        if char == "\n" or (unicodedata.category(char) != "Cc" and char not in _BIDI):
            out.append(char)
    return "".join(out)


def width(text: str) -> int:
    """Terminal columns: wide (CJK, most emoji) count two, combining marks and joiners none."""
    total = 0
    for char in text:
        if unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def _cell(text: str) -> str:
    return " ".join(safe(text).split())


def table_lines(table: Table) -> list[str]:
    headers = [_cell(h) for h in table.headers]
    rows = [[_cell(c) for c in row] for row in table.rows]
    return [f"== {_cell(table.title)} ==", *aligned_lines(headers, rows, width)]


def card_lines(card: IdeaCard) -> list[str]:
    lines = safe(card_text(card)).split("\n")
    if card.vote_emojis:
        lines.append(
            f"react: {' '.join(card.vote_emojis)}  (e.g. `react {card.vote_emojis[0]} "
            f"{card.idea_id}`)"
        )
    return lines


def prompt_lines(view: PromptView) -> list[str]:
    state = "closed" if view.closed else f"answer with `answer {view.prompt_id} ...`"
    lines = [f"📝 Prompt #{view.prompt_id} ({view.kind}): {safe(view.question)}"]
    if view.subject:
        lines.append(f"about: {safe(view.subject)}")
    for number, option in enumerate(view.options, start=1):
        lines.append(f"  {number}. {safe(option)}")
    notes = [PROMPT_HINTS.get(view.kind, view.kind)]
    if view.anonymous:
        notes.append("anonymous")
    if view.closes_at and not view.closed:
        notes.append(f"closes {safe(view.closes_at)}")
    lines.append(f"{'; '.join(notes)} — {state}")
    return lines


def attachment_line(attachment: Attachment) -> str:
    return f"[file {safe(attachment.filename)}, {len(attachment.content):,} bytes]"


def content_lines(
    text: str,
    card: IdeaCard | None = None,
    table: Table | None = None,
    prompt: PromptView | None = None,
    attachment: Attachment | None = None,
) -> list[str]:
    """The parts shared by replies and messages, in the order a chat client shows them."""
    lines = safe(text).split("\n") if text else []
    if card is not None and not (text and card_text(card) in text):
        lines.extend(card_lines(card))
    if table is not None:
        lines.extend(table_lines(table))
    if prompt is not None:
        lines.extend(prompt_lines(prompt))
    if attachment is not None:
        lines.append(attachment_line(attachment))
    return lines


def message_lines(message: Message) -> list[str]:
    return content_lines(
        message.text, message.card, message.table, message.prompt, message.attachment
    )


def reply_lines(reply: Reply, member: str) -> list[str]:
    lines = content_lines(reply.text, reply.card, reply.table, reply.prompt, reply.attachment)
    if not lines:
        return []
    if reply.ephemeral:
        lines[0] = f"(only {member} sees) {lines[0]}"
    return lines


def indent(lines: list[str], prefix: str = "  ") -> list[str]:
    return [prefix + line if line else line for line in lines]
