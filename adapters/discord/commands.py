"""The slash-command tree, built from the command model rather than written out again.

One group per topic (``/idea``), a subcommand per verb (``/idea submit``), and a subcommand
group for two-word verbs (``/cocreate config set``). Option types, limits, choices and
autocomplete come from each ``Option``. The tree is what Discord is told about (sync); when a
command arrives, its callback hands the raw interaction to the adapter, which translates the
payload itself (``translate.command``) so that Discord and the tests read options one way.

Discord lets only a top-level command carry default permissions, so a topic is hidden from
members (Manage Server) when every one of its verbs is for moderators; moderator verbs in mixed
topics are visible but refused by the engine, which checks every moderator command anyway.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import discord
from discord import app_commands

from adapters.discord import limits as L
from bot.commands.spec import Command, Option, Registry

OnCommand = Callable[[discord.Interaction, Command], Awaitable[None]]
OnAutocomplete = Callable[
    [discord.Interaction, Command, Option], Awaitable[list[app_commands.Choice[Any]]]
]
MODERATOR_PERMISSIONS = discord.Permissions(manage_guild=True)


def annotation(option: Option) -> Any:
    """The Python type discord.py turns into the option's Discord type and limits."""
    if option.kind in ("string", "text"):
        if option.min_length is None and option.max_length is None:
            return str
        return app_commands.Range[str, option.min_length, option.max_length]
    if option.kind == "integer":
        if option.min_value is None and option.max_value is None:
            return int
        return app_commands.Range[int, option.min_value, option.max_value]
    if option.kind == "boolean":
        return bool
    if option.kind == "member":
        return discord.User
    if option.kind == "choice" and option.choices:
        return Literal[option.choices]
    return str


def _signature(options: tuple[Option, ...], all_optional: bool) -> inspect.Signature:
    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for option in options:
        required = option.required and not all_optional
        params.append(
            inspect.Parameter(
                option.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotation(option),
                default=inspect.Parameter.empty if required else None,
            )
        )
    return inspect.Signature(params)


def build_command(
    spec: Command, name: str, on_command: OnCommand, on_autocomplete: OnAutocomplete
) -> app_commands.Command[Any, ..., None]:
    async def callback(interaction: discord.Interaction, **_: Any) -> None:
        await on_command(interaction, spec)

    # a form opens when no option is given, so on Discord no option may be required
    callback.__signature__ = _signature(spec.options, spec.form_when_empty)  # type: ignore[attr-defined]
    described = app_commands.describe(
        **{o.name: L.one_line(o.description, L.COMMAND_DESCRIPTION) for o in spec.options}
    )(callback)
    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=name,
        description=L.one_line(spec.description, L.COMMAND_DESCRIPTION),
        callback=described,
    )
    for option in spec.options:
        if option.autocomplete is not None and option.kind in ("string", "text", "integer"):
            command.autocomplete(option.name)(_suggester(spec, option, on_autocomplete))
    return command


def _suggester(spec: Command, option: Option, on_autocomplete: OnAutocomplete) -> Any:
    async def suggest(interaction: discord.Interaction, current: str) -> list[Any]:
        return await on_autocomplete(interaction, spec, option)

    return suggest


def build_groups(
    registry: Registry, on_command: OnCommand, on_autocomplete: OnAutocomplete
) -> list[app_commands.Group]:
    groups: list[app_commands.Group] = []
    for topic, description in registry.topics.items():
        commands = registry.in_topic(topic)
        if not commands:
            continue
        hidden = all(c.moderator for c in commands)
        group = app_commands.Group(
            name=topic,
            description=L.one_line(description, L.COMMAND_DESCRIPTION),
            guild_only=True,
            default_permissions=MODERATOR_PERMISSIONS if hidden else None,
        )
        subgroups: dict[str, app_commands.Group] = {}
        for spec in commands:
            words = spec.verb.split()
            parent = group
            if len(words) == 2:
                parent = subgroups.get(words[0]) or app_commands.Group(
                    name=words[0], description=f"{topic} {words[0]}", parent=group
                )
                subgroups[words[0]] = parent
            parent.add_command(build_command(spec, words[-1], on_command, on_autocomplete))
        groups.append(group)
    return groups


def build_tree(
    client: discord.Client,
    registry: Registry,
    on_command: OnCommand,
    on_autocomplete: OnAutocomplete,
) -> app_commands.CommandTree[Any]:
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    for group in build_groups(registry, on_command, on_autocomplete):
        tree.add_command(group)
    return tree
