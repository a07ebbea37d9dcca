"""Autocomplete: what to offer while a member types an option (idea, campaign, key...).

Read-only and cheap; the adapters ask for it on every keystroke (Discord autocomplete) or to
fill a select menu (Slack). Each choice is (label, value); labels are cut to 100 characters.
"""

from __future__ import annotations

from datetime import datetime

from bot.events import Actor
from bot.ports import Storage
from bot.ports.ideas import IdeaFilter
from bot.wording import plural
from config.community import setting_keys

LIMIT = 25


def _fits(prefix: str, *texts: str) -> bool:
    wanted = prefix.strip().lower().lstrip("#")
    return not wanted or any(wanted in t.lower() for t in texts)


def _label(text: str) -> str:
    return text if len(text) <= 100 else text[:99] + "…"


async def suggest(
    storage: Storage, actor: Actor, kind: str, prefix: str, now: datetime
) -> list[tuple[str, str]]:
    community = actor.community_id
    choices: list[tuple[str, str]] = []
    if kind == "config_key":
        choices = [(k, k) for k in setting_keys() if _fits(prefix, k)]
    elif kind == "campaign":
        for c in await storage.campaigns.in_community(community, include_closed=True):
            if _fits(prefix, c.name):
                choices.append((_label(f"{c.name} ({c.mode.value}, {c.phase.value})"), c.name))
    elif kind == "idea":
        rows = await storage.ideas.search(community, IdeaFilter(), "new", now, limit=200)
        for idea, _ in rows:
            if _fits(prefix, str(idea.id), idea.title):
                choices.append((_label(f"#{idea.id} {idea.title}"), str(idea.id)))
    elif kind == "reward":
        for r in await storage.rewards.catalogue(community):
            if _fits(prefix, str(r.id), r.name):
                choices.append((_label(f"{r.name} — {plural(r.cost, 'point')}"), str(r.id)))
    elif kind == "redemption":
        for d in await storage.rewards.pending(community, limit=LIMIT):
            if _fits(prefix, str(d.id), d.reward_name, d.member_id):
                choices.append((_label(f"#{d.id} {d.reward_name} for {d.member_id}"), str(d.id)))
    elif kind == "prompt":
        for p in await storage.prompts.recent(community, limit=LIMIT):
            if _fits(prefix, str(p.id), p.question):
                choices.append((_label(f"#{p.id} {p.question}"), str(p.id)))
    return choices[:LIMIT]
