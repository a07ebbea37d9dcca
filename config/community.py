"""Per-community settings: one pydantic model with defaults, stored per community.

Moderators read them with ``/cocreate config show`` and change one with
``/cocreate config set KEY VALUE`` where KEY is a dotted path such as ``vote_mode`` or
``points.vote_cast.daily_cap``.
"""

from __future__ import annotations

import json
from typing import Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.models import VoteScheme

VoteMode = Literal["up", "updown", "scale"]

RULES: tuple[str, ...] = (
    "idea_submitted",
    "vote_cast",
    "vote_received",
    "feedback_answered",
    "thread_comment",
    "milestone_reached",
    "round_winner",
    "idea_shipped",
)

#: what each rule is called where people read it ("10 points for submitting an idea")
RULE_NAMES: dict[str, str] = {
    "idea_submitted": "submitting an idea",
    "vote_cast": "casting a vote",
    "vote_received": "a vote on your idea",
    "feedback_answered": "answering a prompt",
    "thread_comment": "commenting in an idea's thread",
    "milestone_reached": "an idea reaching a milestone",
    "round_winner": "winning a round",
    "idea_shipped": "an idea shipping",
    "manual": "a moderator's adjustment",
    "redemption": "redeeming a reward",
}


def rule_name(rule: str) -> str:
    """The human name of a points rule (or other ledger entry kind); never the code word."""
    if rule in RULE_NAMES:
        return RULE_NAMES[rule]
    base = rule.removeprefix("reverse:").removeprefix("reversal:")
    if base != rule and base in RULE_NAMES:
        return f"taking back {RULE_NAMES[base]}"
    return rule.replace("_", " ").replace(":", " ")


class RuleSetting(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    value: int = Field(ge=0, le=100_000)
    daily_cap: int | None = Field(default=None, ge=0, description="points per member per day")


def _default_rules() -> dict[str, RuleSetting]:
    return {
        "idea_submitted": RuleSetting(value=10, daily_cap=30),
        "vote_cast": RuleSetting(value=1, daily_cap=20),
        "vote_received": RuleSetting(value=2, daily_cap=100),
        "feedback_answered": RuleSetting(value=5, daily_cap=25),
        "thread_comment": RuleSetting(value=1, daily_cap=10),
        "milestone_reached": RuleSetting(value=25, daily_cap=None),
        "round_winner": RuleSetting(value=100, daily_cap=None),
        "idea_shipped": RuleSetting(value=200, daily_cap=None),
    }


class PointRules(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    idea_submitted: RuleSetting = Field(default_factory=lambda: _default_rules()["idea_submitted"])
    vote_cast: RuleSetting = Field(default_factory=lambda: _default_rules()["vote_cast"])
    vote_received: RuleSetting = Field(default_factory=lambda: _default_rules()["vote_received"])
    feedback_answered: RuleSetting = Field(
        default_factory=lambda: _default_rules()["feedback_answered"]
    )
    thread_comment: RuleSetting = Field(default_factory=lambda: _default_rules()["thread_comment"])
    milestone_reached: RuleSetting = Field(
        default_factory=lambda: _default_rules()["milestone_reached"]
    )
    round_winner: RuleSetting = Field(default_factory=lambda: _default_rules()["round_winner"])
    idea_shipped: RuleSetting = Field(default_factory=lambda: _default_rules()["idea_shipped"])

    def rule(self, name: str) -> RuleSetting:
        setting = getattr(self, name, None)
        if not isinstance(setting, RuleSetting):
            raise KeyError(name)
        return setting


class CommunitySettings(BaseModel):
    """Everything a community can tune. A channel of ``None`` means "where the command was used"."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    moderator_role: str | None = Field(
        default=None, description="role id whose members are moderators (besides server admins)"
    )
    ideas_channel: str | None = Field(default=None, description="where idea cards are posted")
    announcements_channel: str | None = Field(
        default=None, description="where milestones, phase changes and results are announced"
    )
    prompts_channel: str | None = Field(default=None, description="where feedback prompts go")
    timezone: str = Field(default="UTC", description="IANA zone for days, weeks and schedules")

    vote_mode: VoteMode = Field(default="up", description="up, updown or scale")
    emoji_up: str = "👍"
    emoji_down: str = "👎"
    scale_emojis: list[str] = Field(default_factory=lambda: ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"])

    allow_self_votes: bool = False
    voter_role: str | None = Field(default=None, description="role id required to vote")
    min_account_age_days: int = Field(default=0, ge=0, le=3650)
    min_member_days: int = Field(default=0, ge=0, le=3650)
    voting_only_in_voting_phase: bool = Field(
        default=True,
        description="ideas in a contest or pick campaign take votes only in its voting phase",
    )

    reminder_hours: int = Field(
        default=24,
        ge=0,
        le=720,
        description="hours before voting closes to remind members (0: no reminder)",
    )

    milestones: list[int] = Field(default_factory=lambda: [10, 50, 100])
    review_threshold: int | None = Field(
        default=100, ge=1, description="support at which a new idea moves to under review"
    )

    review_queue: bool = Field(default=False, description="new ideas wait for approval")
    submission_cooldown_minutes: int = Field(default=1, ge=0, le=10_080)
    max_open_ideas_per_member: int = Field(default=10, ge=1, le=1000)

    public_board: bool = Field(
        default=False, description="the public web board with ideas, roadmap and leaderboard"
    )
    board_name: str | None = Field(
        default=None, max_length=80, description="the community's name on the public board"
    )

    points: PointRules = Field(default_factory=PointRules)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                "it is not a timezone I know; use an IANA name like Europe/Paris"
            ) from exc
        return value

    @field_validator("milestones")
    @classmethod
    def _sorted_positive(cls, value: list[int]) -> list[int]:
        if any(v < 1 for v in value) or len(value) > 20:
            raise ValueError("it takes up to 20 positive whole numbers")
        return sorted(set(value))

    @field_validator("scale_emojis")
    @classmethod
    def _five_emojis(cls, value: list[str]) -> list[str]:
        if len(value) != 5 or len(set(value)) != 5 or any(not v.strip() for v in value):
            raise ValueError("it takes five different emojis")
        return value

    @model_validator(mode="after")
    def _distinct_updown(self) -> CommunitySettings:
        if self.emoji_up == self.emoji_down:
            raise ValueError("emoji_up and emoji_down must differ")
        return self

    # -- vote emoji mapping -------------------------------------------------------------
    def vote_emojis(self) -> tuple[str, ...]:
        if self.vote_mode == "up":
            return (self.emoji_up,)
        if self.vote_mode == "updown":
            return (self.emoji_up, self.emoji_down)
        return tuple(self.scale_emojis)

    def vote_scheme(self) -> VoteScheme:
        """The voting new ideas are created with; an idea keeps its own afterwards."""
        return VoteScheme(self.vote_mode, self.vote_emojis())


class SettingError(ValueError):
    """A ``config set`` that names an unknown key or gives a value that does not validate."""


def setting_keys(model: type[BaseModel] = CommunitySettings, prefix: str = "") -> list[str]:
    keys: list[str] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.extend(setting_keys(annotation, f"{prefix}{name}."))
        else:
            keys.append(f"{prefix}{name}")
    return keys


def _parse_value(raw: str) -> Any:
    text = raw.strip()
    lowered = text.lower()
    if lowered in {"none", "null", "off", "default", ""}:
        return None
    if lowered in {"true", "yes", "on"}:
        return True
    if lowered in {"false", "no"}:
        return False
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingError(
                f"I could not read the list “{text}”; write it like [1, 2, 3] or 1, 2, 3."
            ) from exc
    if "," in text:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def apply_setting(current: CommunitySettings, key: str, raw: str) -> CommunitySettings:
    """Return new settings with KEY set to the value RAW, or raise SettingError (no change)."""
    key = key.strip().lower()
    if key not in setting_keys():
        raise SettingError(
            f"There is no setting called “{key}”. `/cocreate config show` lists every setting."
        )
    data = current.model_dump()
    value = _parse_value(raw)
    parts = key.split(".")
    target = data
    for part in parts[:-1]:
        target = target[part]
    leaf = parts[-1]
    if isinstance(target.get(leaf), bool) and raw.strip().lower() == "off":
        value = False  # "off" clears a value, but a switch is turned off
    if isinstance(target.get(leaf), list) and not isinstance(value, list) and value is not None:
        value = [value]
    target[leaf] = value
    try:
        return CommunitySettings.model_validate(data)
    except ValidationError as exc:
        if value is None:
            raise SettingError(
                f"{key} needs a value (it cannot be cleared); it takes {accepts(key)}."
            ) from exc
        raise SettingError(setting_problem(key, raw, exc)) from exc


def accepts(key: str) -> str:
    """What a setting takes, in words, read from its field (type, bounds, choices)."""
    model: type[BaseModel] = CommunitySettings
    parts = key.split(".")
    for part in parts[:-1]:
        inner = model.model_fields[part].annotation
        assert isinstance(inner, type) and issubclass(inner, BaseModel)
        model = inner
    info = model.model_fields[parts[-1]]
    annotation = info.annotation
    args = [a for a in get_args(annotation) if a is not type(None)]
    optional = type(None) in get_args(annotation)
    if get_origin(annotation) is Literal:
        what = " or ".join([", ".join(str(a) for a in args[:-1]), str(args[-1])])
    elif annotation is bool:
        what = "yes or no"
    elif get_origin(annotation) is list:
        what = "a list of " + ("whole numbers" if args == [int] else "values") + ", comma-separated"
    elif annotation is int or args == [int]:
        low = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
        high = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
        if low is not None and high is not None:
            what = f"a whole number from {low:,} to {high:,}"
        elif low is not None:
            what = f"a whole number of at least {low:,}"
        else:
            what = "a whole number"
    else:
        what = "text"
    return what + (", or none to clear it" if optional else "")


def setting_problem(key: str, raw: str, exc: ValidationError) -> str:
    """One sentence naming the setting and what it accepts, built from a validation error
    (never pydantic's own wording, which names types and inputs the way a programmer would)."""
    error = exc.errors()[0]
    shown = " ".join(raw.split())[:60]
    if error["type"] == "value_error":
        # our own validators word their reason for people; pydantic prefixes "Value error, "
        reason = str(error["msg"]).removeprefix("Value error, ")
        return f"{key} can't be “{shown}”: {reason}."
    return f"{key} can't be “{shown}”: it takes {accepts(key)}."


def describe_setting(key: str) -> str:
    """What a setting means, for ``config show``: the rule's human name for point rules."""
    parts = key.split(".")
    if parts[0] == "points" and len(parts) == 3:
        what = rule_name(parts[1])
        return f"points for {what}" if parts[2] == "value" else f"most points a day for {what}"
    info = CommunitySettings.model_fields.get(key)
    return (info.description or "") if info else ""


def flatten(settings: CommunitySettings) -> list[tuple[str, str]]:
    """(key, value) pairs for ``config show``."""
    rows: list[tuple[str, str]] = []
    data = settings.model_dump()
    for key in setting_keys():
        value: Any = data
        for part in key.split("."):
            value = value[part]
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        elif value is None:
            shown = "(not set)"
        else:
            shown = ("on" if value else "off") if isinstance(value, bool) else str(value)
        rows.append((key, shown))
    return rows
