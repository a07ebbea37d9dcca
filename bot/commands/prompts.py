"""``/prompt``: moderators create, list, read, export and close feedback prompts.

Members never type a command to answer; they press the prompt's buttons or fill its form, which
adapters turn into ``PromptAnswered`` events. The handlers stay thin: every rule lives in
``PromptService`` so the console, Discord and Slack behave the same.
"""

from __future__ import annotations

from bot.commands.spec import Option, Registry
from bot.context import Context
from bot.ports.prompts import PROMPT_KINDS
from bot.replies import Reply
from bot.services.prompts import MAX_QUESTION, MAX_SUBJECT, PromptService


def _prompt_option(description: str) -> Option:
    return Option(
        "prompt", description, "integer", required=True, min_value=1, autocomplete="prompt"
    )


def register(registry: Registry, prompts: PromptService) -> None:
    """Add the /prompt commands to the registry."""

    @registry.command(
        "prompt",
        "create",
        "Ask members for feedback: a rating, an NPS score, a choice or free text",
        Option("kind", "What kind of answer", "choice", required=True, choices=PROMPT_KINDS),
        Option("question", "What to ask", required=True, max_length=MAX_QUESTION),
        Option("options", "Choices for single/multiple, separated by commas or |", max_length=2100),
        Option("anonymous", "Hide who answered, also in exports", "boolean"),
        Option("subject", "An idea id, a campaign name or a product name", max_length=MAX_SUBJECT),
        Option("audience", "Only members with this role may answer (role id)"),
        Option("closes", "When answers close: 30m, 2h, 7d or 2026-03-01 18:00"),
        moderator=True,
        form_when_empty=True,
    )
    async def create(ctx: Context, **options: object) -> Reply:
        return await prompts.create(
            ctx,
            kind=str(options["kind"]),
            question=str(options["question"]),
            options=_text(options.get("options")),
            anonymous=bool(options.get("anonymous", False)),
            subject=_text(options.get("subject")),
            audience=_text(options.get("audience")),
            closes=_text(options.get("closes")),
        )

    @registry.command("prompt", "list", "Recent prompts with their response counts", moderator=True)
    async def list_prompts(ctx: Context) -> Reply:
        return await prompts.list(ctx)

    @registry.command(
        "prompt",
        "results",
        "Response count, average, distribution, NPS and text answers",
        _prompt_option("The prompt to summarise"),
        moderator=True,
    )
    async def results(ctx: Context, prompt: int) -> Reply:
        return await prompts.results(ctx, prompt)

    @registry.command(
        "prompt",
        "export",
        "Every response as a CSV file",
        _prompt_option("The prompt to export"),
        moderator=True,
    )
    async def export(ctx: Context, prompt: int) -> Reply:
        return await prompts.export(ctx, prompt)

    @registry.command(
        "prompt",
        "close",
        "Stop taking answers now",
        _prompt_option("The prompt to close"),
        moderator=True,
    )
    async def close(ctx: Context, prompt: int) -> Reply:
        return await prompts.close(ctx, prompt)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
