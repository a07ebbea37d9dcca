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
    (
        'as mod /campaign create name:"Winter flavour" mode:contest winners:1 '
        'brief:"Which drink should we launch this winter?"',
        True,
    ),
    ("# Members submit ideas (each earns points)", True),
    ('as alice /idea submit title:"Oat latte" description:"Creamy, vegan and warm."', True),
    ('as bob /idea submit title:"Gingerbread cold brew" description:"Winter in a glass."', True),
    ('as carol /idea submit title:"Maple pecan mocha"', True),
    ("# A feedback prompt: members answer, and may change their answer", True),
    ('as mod /prompt create kind:rating question:"How do you like our winter menu so far?"', True),
    ("as alice answer 1 4", True),
    ("as bob answer 1 5", True),
    ("as carol answer 1 3", True),
    ("as carol answer 1 4", True),
    ("as dave answer 1 9", False),
    ("# Two days later, voting opens", True),
    ("advance 2d", True),
    ('as mod /campaign vote "Winter flavour"', True),
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
    ("# A day later the round closes: results, then the leaderboard", True),
    ("advance 1d", True),
    ('as mod /campaign close "Winter flavour"', True),
    ("as alice /leaderboard", True),
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
