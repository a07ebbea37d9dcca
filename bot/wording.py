"""How numbers, names and quoted text read in replies: one place for the small grammar.

Every reply, notice, card, announcement and results table builds its counts, places and
quotations with these helpers, so "1 votes", "vote(s)", "place 1" or a Python-quoted
``'Oat milk'`` cannot creep back in one message at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.ports.community import MemberRepo

#: nouns whose plural is not the noun plus "s"
_IRREGULAR = {
    "reply": "replies",
    "entry": "entries",
    "person": "people",
    "was": "were",
    "is": "are",
    "has": "have",
}


def plural_of(noun: str) -> str:
    """The plural of a (lower-case) English noun used in our replies."""
    if noun in _IRREGULAR:
        return _IRREGULAR[noun]
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``plural(1, "vote")`` → "1 vote", ``plural(2, "vote")`` → "2 votes", thousands grouped."""
    word = noun if abs(count) == 1 else (many or plural_of(noun))
    return f"{count:,} {word}"


def ordinal(n: int) -> str:
    """1 → "1st", 2 → "2nd", 3 → "3rd", 11 → "11th", 22 → "22nd", 113 → "113th"."""
    if 10 <= abs(n) % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(abs(n) % 10, "th")
    return f"{n}{suffix}"


#: words starting with a vowel letter but a consonant sound, and the reverse
_A_WORDS = ("one", "once", "unique", "unit", "univers", "use", "user", "usual", "euro")
_AN_WORDS = ("hour", "honest", "honour", "honor", "nps")


def a_an(word: str) -> str:
    """``a_an("idea")`` → "an idea", ``a_an("reward")`` → "a reward"."""
    lowered = word.strip().lower()
    if lowered.startswith(_AN_WORDS):
        article = "an"
    elif lowered.startswith(_A_WORDS):
        article = "a"
    else:
        article = "an" if lowered[:1] in ("a", "e", "i", "o", "u") else "a"
    return f"{article} {word}"


def join_names(names: Iterable[str], last: str = "and") -> str:
    """["A", "B", "C"] → "A, B and C"; one name alone; "" for none."""
    items = [n for n in names if n]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def quoted(text: str) -> str:
    """Text a member typed, shown inside typographic quotes (“Oat milk”), never as a repr."""
    return f"“{text}”"


def page_of(page: int, pages: int) -> str:
    """ "page 1 of 3"."""
    return f"page {page} of {max(pages, 1)}"


def past_the_end(what: str, page: int, pages: int) -> str:
    """The honest reply for a page beyond the last one."""
    return (
        f"There are no {what} on page {page}; there {'is' if pages == 1 else 'are'} "
        f"{plural(pages, 'page')}."
    )


async def member_names(
    members: MemberRepo, community_id: str, member_ids: Iterable[str]
) -> dict[str, str]:
    """The one name each member goes by in every reply: the display name stored in members
    (kept fresh from each event the member causes), or the platform id when none is known."""
    ids = list(dict.fromkeys(member_ids))
    stored = await members.names(community_id, ids) if ids else {}
    return {m: stored.get(m) or m for m in ids}


async def member_name(members: MemberRepo, community_id: str, member_id: str) -> str:
    """``member_names`` for one member."""
    return (await member_names(members, community_id, [member_id]))[member_id]
