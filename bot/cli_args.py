"""The `cocreate` command line's verbs and options (argparse), apart from what they do."""

from __future__ import annotations

import argparse
from typing import NoReturn

DESCRIPTION = (
    "Cocreate: a customer co-creation bot. Settings come from environment variables "
    "(DATABASE_URL, LOG_LEVEL, HTTP_PORT, DISCORD_TOKEN, SLACK_BOT_TOKEN, ...) and an optional "
    "TOML file."
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake on the command line is one line, like every other failure."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cocreate", description=DESCRIPTION)
    parser.add_argument(
        "--config", metavar="FILE", help="a TOML settings file (environment variables win)"
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    verbs.add_parser(
        "run",
        help="run the bot: the HTTP server and the platforms whose credentials are set",
        description=(
            "Apply migrations, serve the public side (board, dashboard, /healthz) on "
            "HTTP_HOST:HTTP_PORT and /metrics on OPS_HOST:OPS_PORT, and start "
            "Discord (DISCORD_TOKEN) and/or Slack (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET). "
            "With no platform credentials, open the console on standard input: at a terminal, "
            "`quit` or Ctrl-D ends the program; with piped input the bot keeps serving after the "
            "input ends, until SIGTERM/SIGINT or a `quit` line."
        ),
    )
    demo = verbs.add_parser(
        "demo",
        help="play a whole community cycle through the real engine on a fresh database",
        description=(
            "A scheduled contest round (opened, moved to voting, reminded and closed by the "
            "scheduler as the demo's clock advances), ideas, votes (with a refused self-vote and "
            "a replayed event), a feedback prompt, the results and the leaderboards, typed into "
            "the console adapter."
        ),
    )
    demo.add_argument(
        "--database",
        metavar="PATH",
        help="keep the demo's SQLite file here (it must not exist yet); default: a temp file",
    )
    verbs.add_parser(
        "migrate",
        help="apply pending database migrations and list them",
        description="Apply every pending migration to DATABASE_URL and print what was applied.",
    )
    export = verbs.add_parser(
        "export",
        help="write ideas, votes, responses, ledger, balances and results as CSV or JSON files",
        description=(
            "Write one file per table (ideas, votes, responses, ledger, balances, results: a row "
            "per place of each closed round) into DIR. "
            "Anonymous prompts' responses carry no member."
        ),
    )
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="default: csv")
    export.add_argument("--out", metavar="DIR", required=True, help="the directory to write to")
    export.add_argument(
        "--community", metavar="ID", help="only this community (e.g. console:local); default: all"
    )
    invite = verbs.add_parser(
        "discord-invite",
        help="print the Discord invite URL with exactly the permissions the bot needs",
        description=(
            "Print the OAuth2 URL that adds the bot to a server (scopes bot and "
            "applications.commands). The application id comes from --client-id, or else from "
            "DISCORD_TOKEN (a bot token starts with it)."
        ),
    )
    invite.add_argument(
        "--client-id", metavar="ID", help="the Application ID from the Developer Portal"
    )
    verbs.add_parser(
        "healthcheck",
        help="exit 0 if the running bot's /healthz answers 200, else 1",
        description="Probe http://127.0.0.1:HTTP_PORT/healthz, for a container HEALTHCHECK.",
    )
    return parser
