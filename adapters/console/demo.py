"""`cocreate demo`: one whole community cycle, typed into the console as a person would.

The demo is a console script rather than calls into services, so it walks the same path as
interactive use (parsing, neutral events, the engine, the platform) and doubles as a smoke test:
each step says whether the bot should accept it, and any surprise fails the demo.
"""

from __future__ import annotations

from typing import TextIO

from adapters.console.adapter import ConsoleSession

#: (line, the engine should accept it). Refusals are part of the story, so they are expected.
SCRIPT: tuple[tuple[str, bool], ...] = (
    ("# A moderator points ideas, announcements and prompts at this channel", True),
    ("as mod /cocreate setup", True),
    ("# A scheduled contest: opens in 1h, ideas for 2 days, votes for 2 days, all on time", True),
    (
        'as mod /campaign create name:"Winter flavour" mode:contest winners:1 starts:1h '
        'submissions:2d voting:2d brief:"Which drink should we launch this winter?"',
        True,
    ),
    ('as alice /idea submit title:"Too early" campaign:"Winter flavour"', False),
    ("advance 1h", True),
    ("# Members submit ideas (each earns points)", True),
    ('as alice /idea submit title:"Oat latte" description:"Creamy, vegan and warm."', True),
    ('as bob /idea submit title:"Gingerbread cold brew" description:"Winter in a glass."', True),
    ('as carol /idea submit title:"Maple pecan mocha"', True),
    ('as carol /campaign show "Winter flavour"', True),
    ("# A feedback prompt: members answer, and may change their answer", True),
    ('as mod /prompt create kind:rating question:"How do you like our winter menu so far?"', True),
    ("as alice answer 1 4", True),
    ("as bob answer 1 5", True),
    ("as carol answer 1 3", True),
    ("as carol answer 1 4", True),
    ("as dave answer 1 9", False),
    ("# Two days later the scheduler opens voting", True),
    ("advance 2d", True),
    ("# Members vote by reacting on the cards", True),
    ("as alice react 👍 2", True),
    ("as carol react 👍 2", True),
    ("as dave react 👍 2", True),
    ("as alice react 👍 3", True),
    ("as bob react 👍 1", True),
    ("as alice react 👍 1", False),
    ("# The platform delivers Dave's reaction twice: the second copy changes nothing", True),
    ("as dave react 👍 1", True),
    ("replay", True),
    ("as carol comment 2", True),
    ("as mod /prompt results 1", True),
    ("# A day later: the reminder that voting closes in 24 hours", True),
    ("advance 1d", True),
    ("as erin /campaign list", True),
    ("# Another day: the scheduler closes the round, pays the winner and posts the results", True),
    ("advance 1d", True),
    ("as erin react 👍 3", False),
    ("as alice /leaderboard", True),
    ('as alice /leaderboard campaign:"Winter flavour"', True),
)


async def run_demo(session: ConsoleSession, out: TextIO) -> list[str]:
    """Play the script; return the steps whose outcome was not the expected one."""
    surprises: list[str] = []
    for line, expected in SCRIPT:
        outcome = await session.handle_line(line)
        for text in outcome.lines:
            out.write(text + "\n")
        if outcome.ok != expected:
            surprises.append(f"{line!r} was {'accepted' if outcome.ok else 'refused'}")
    out.flush()
    return surprises
