"""Discord's size limits, and cutting user text to fit them.

Discord rejects a whole message (400) when one field is too long, so every piece of text the bot
sends is cut here first. Cuts end with an ellipsis so a reader can tell something was left out.
"""

from __future__ import annotations

CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR_NAME = 256
EMBED_TOTAL = 6000
THREAD_NAME = 100
ATTACHMENT_DESCRIPTION = 1024
COMMAND_DESCRIPTION = 100
CHOICE_NAME = 100
CHOICE_VALUE = 100
MAX_CHOICES = 25
BUTTON_LABEL = 80
SELECT_OPTION = 100
MODAL_TITLE = 45
TEXT_INPUT_LABEL = 45
TEXT_INPUT_PLACEHOLDER = 100
TEXT_INPUT_MAX = 4000
MODAL_INPUTS = 5
BUTTONS_PER_ROW = 5
ROWS = 5


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters; longer text ends with an ellipsis.

    Never splits a surrogate pair or leaves a lone combining mark first in line: Python strings
    are code points, so slicing is safe, and Discord counts characters the same way.
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def one_line(text: str, limit: int) -> str:
    """For names and labels, where Discord refuses newlines."""
    return cut(" ".join(text.split()), limit)


def code_block(lines: list[str], limit: int) -> str:
    """Lines as a fenced block that fits in ``limit``, dropping rows (and saying so) if needed.

    Cutting a fenced block in the middle would leave the fence open and garble everything after
    it, so whole lines are dropped instead.
    """
    fence_cost = len("```\n") + len("\n```")
    kept: list[str] = []
    used = fence_cost
    for index, line in enumerate(lines):
        line = line.replace("```", "'''")
        more = len(lines) - index
        note = f"… {more} more"
        if used + len(line) + 1 > limit - (len(note) + 1 if more > 1 else 0):
            kept.append(note)
            break
        kept.append(line)
        used += len(line) + 1
    return "```\n" + "\n".join(kept) + "\n```"
