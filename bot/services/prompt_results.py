"""The pure rules of feedback prompts: what a valid option list and answer are, and results.

Kept free of storage and platform so every rule (ranges, repeated choices, NPS arithmetic, what
an anonymous export may contain) is tested directly and reused by the engine and exports alike.
Anonymous answers are stored without a member (``bot.services.anonymity``); summaries and
exports of them still carry no name, id or time, and list answers in a fixed order that does not
follow who answered when.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from bot.csvsafe import to_csv
from bot.errors import UserError
from bot.ports.prompts import Prompt, PromptResponse
from bot.replies import Chart, Table
from bot.text_clean import one_line
from bot.wording import plural, quoted

#: (lowest, highest) for the numeric kinds
SCALES: dict[str, tuple[int, int]] = {"rating": (1, 5), "nps": (0, 10)}
MIN_OPTIONS = 2
MAX_OPTIONS = 25
MAX_OPTION = 80
MAX_TEXT = 2000
#: text answers shown in a results reply; the export has them all
SHOWN_TEXTS = 50
#: characters that make a spreadsheet treat a cell as a formula


def parse_options(raw: str) -> tuple[str, ...]:
    """Options from ``"Red, Green"`` or ``"Red | Green"`` (with ``|``, options may hold commas)."""
    separator = "|" if "|" in raw else ","
    options = tuple(one_line(part) for part in raw.split(separator))
    options = tuple(o for o in options if o)
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise UserError(
            f"A choice prompt needs {MIN_OPTIONS} to {MAX_OPTIONS} options, separated by commas "
            f"or |; got {len(options)}."
        )
    for option in options:
        if len(option) > MAX_OPTION:
            raise UserError(
                f"Option {quoted(option[:30])}… is longer than {MAX_OPTION} characters."
            )
    folded = [o.casefold() for o in options]
    repeated = sorted({o for o in options if folded.count(o.casefold()) > 1})
    if repeated:
        raise UserError(f"Options must be different; repeated: {', '.join(repeated)}.")
    return options


def normalise_answer(
    prompt: Prompt, values: tuple[str, ...], typed: str | None = None
) -> tuple[tuple[str, ...], int | None]:
    """The answer as stored (canonical option spelling) and its score, or a UserError.

    ``typed`` is the whole answer as one line of command text: a free-text answer is that line
    as typed, and a choice may be one option's label (spaces and all) or its number."""
    if prompt.kind == "text" and typed is not None:
        values = (typed,)
    cleaned = [" ".join(v.split()) if prompt.kind != "text" else v.strip() for v in values]
    if prompt.kind in SCALES:
        low, high = SCALES[prompt.kind]
        label = "A rating" if prompt.kind == "rating" else "A score"
        if len(cleaned) != 1 or not cleaned[0].isdecimal() or not low <= int(cleaned[0]) <= high:
            got = ", ".join(cleaned)[:40] or "nothing"
            raise UserError(
                f"{label} is a whole number from {low} to {high}; {quoted(got)} is not."
            )
        return (str(int(cleaned[0])),), int(cleaned[0])
    if prompt.kind == "text":
        text = " ".join(v for v in cleaned if v)
        if not text:
            raise UserError("Your answer is empty; write something first.")
        if len(text) > MAX_TEXT:
            raise UserError(f"Your answer is {len(text):,} characters; the limit is {MAX_TEXT:,}.")
        return (text,), None
    whole = _option(prompt, " ".join(typed.split())) if typed else None
    if whole is not None:
        cleaned = [whole]
    if not cleaned or not all(cleaned):
        raise UserError("Pick at least one of the options.")
    unknown = [v for v in cleaned if _option(prompt, v) is None]
    if unknown:
        raise UserError(
            f"{quoted(unknown[0][:40])} is not one of the options: {numbered(prompt.options)}."
        )
    chosen = tuple(o for v in cleaned if (o := _option(prompt, v)) is not None)
    if prompt.kind == "single" and len(chosen) != 1:
        raise UserError("Pick exactly one option for this prompt.")
    if len(set(chosen)) != len(chosen):
        raise UserError("Each option can be picked only once.")
    return chosen, None


def _option(prompt: Prompt, value: str) -> str | None:
    """The option a member means: its label (any case) or its number as shown ("2" for the
    second). A label wins over a number, so an option called "2" is always that option."""
    for option in prompt.options:
        if option.casefold() == value.casefold():
            return option
    if value.isdecimal() and 1 <= int(value) <= len(prompt.options):
        return prompt.options[int(value) - 1]
    return None


def numbered(options: tuple[str, ...]) -> str:
    """Options as members see them listed: "1. Small, 2. Medium"."""
    return ", ".join(f"{n}. {o}" for n, o in enumerate(options, start=1))


def show_answer(prompt: Prompt, answer: tuple[str, ...]) -> str:
    if prompt.kind == "rating":
        return f"{answer[0]}/5"
    if prompt.kind == "nps":
        return f"{answer[0]}/10"
    if prompt.kind == "text":
        text = answer[0]
        return quoted(text if len(text) <= 60 else text[:59] + "…")
    return ", ".join(answer)


@dataclass(frozen=True, slots=True)
class Summary:
    count: int
    #: per score ("1".."5", "0".."10") or per option, zeros included, in display order
    distribution: tuple[tuple[str, int], ...]
    average: float | None
    nps: int | None
    #: (name, text); the name is None for anonymous prompts
    texts: tuple[tuple[str | None, str], ...]
    lines: tuple[str, ...]
    table: Table | None
    #: the picture of ``distribution`` (the NPS split for an NPS prompt); None for text answers
    chart: Chart | None = None


#: the NPS groups, in the order they are shown
NPS_GROUPS = ("Promoters (9–10)", "Passives (7–8)", "Detractors (0–6)")


def nps_split(scores: list[int]) -> tuple[int, int, int]:
    """(promoters 9-10, passives 7-8, detractors 0-6): every score in exactly one group."""
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return promoters, len(scores) - promoters - detractors, detractors


def nps_score(scores: list[int]) -> int | None:
    """% promoters (9-10) minus % detractors (0-6), rounded; None without answers."""
    if not scores:
        return None
    promoters, _, detractors = nps_split(scores)
    return round(100 * (promoters - detractors) / len(scores))


def distribution_chart(prompt: Prompt, distribution: tuple[tuple[str, int], ...]) -> Chart | None:
    """The chart of a prompt's answers, from its distribution (counts per score or option);
    None for free text. Only counts: nothing in it can point at a member."""
    title = f"Prompt #{prompt.id}: {one_line(prompt.question)}"
    title = title if len(title) <= 90 else title[:89] + "…"
    if prompt.kind == "nps":
        scores = scores_of(distribution)
        return Chart("nps", title, NPS_GROUPS, nps_split(scores), "response", nps_score(scores))
    if prompt.kind in SCALES or prompt.kind in ("single", "multiple"):
        labels = tuple(k for k, _ in distribution)
        return Chart("bars", title, labels, tuple(n for _, n in distribution), "response")
    return None


def summarise(prompt: Prompt, responses: list[PromptResponse]) -> Summary:
    count = len(responses)
    lines = [f"{plural(count, 'response')}."]
    average: float | None = None
    nps: int | None = None
    texts: tuple[tuple[str | None, str], ...] = ()
    distribution: tuple[tuple[str, int], ...] = ()
    table: Table | None = None
    if prompt.kind in SCALES:
        high = SCALES[prompt.kind][1]
        scores = [r.score for r in responses if r.score is not None]
        distribution = distribution_of(prompt, Counter(str(s) for s in scores))
        if scores:
            average = sum(scores) / len(scores)
            lines.append(f"Average {average:.2f} out of {high}.")
        if prompt.kind == "nps":
            nps = nps_score(scores)
            if nps is not None:
                promoters, passives, detractors = nps_split(scores)
                lines.append(
                    f"NPS {nps:+d} (promoters {promoters}, passives {passives}, "
                    f"detractors {detractors})."
                )
        table = _distribution_table("score", distribution, count)
    elif prompt.kind in ("single", "multiple"):
        distribution = distribution_of(prompt, Counter(v for r in responses for v in r.values))
        table = _distribution_table("option", distribution, count)
    else:
        texts = _texts(prompt, responses)
        shown = texts[:SHOWN_TEXTS]
        if len(texts) > len(shown):
            lines.append(f"Showing {len(shown)} of {plural(len(texts), 'answer')}; export for all.")
        if prompt.anonymous:
            table = Table("Answers", ("answer",), tuple((t,) for _, t in shown))
        else:
            table = Table("Answers", ("member", "answer"), tuple((n or "", t) for n, t in shown))
    chart = distribution_chart(prompt, distribution) if count else None
    return Summary(count, distribution, average, nps, texts, tuple(lines), table, chart)


def distribution_of(prompt: Prompt, per_value: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """Counts per score ("1".."5", "0".."10") or per option, zeros included, in display order,
    from how often each stored answer value was given; empty for free text."""
    if prompt.kind in SCALES:
        low, high = SCALES[prompt.kind]
        return tuple((str(s), int(per_value.get(str(s), 0))) for s in range(low, high + 1))
    if prompt.kind in ("single", "multiple"):
        return tuple((o, int(per_value.get(o, 0))) for o in prompt.options)
    return ()


def scores_of(distribution: tuple[tuple[str, int], ...]) -> list[int]:
    """Every score of a numeric prompt's distribution, once per answer (for the NPS)."""
    return [int(score) for score, n in distribution for _ in range(n)]


def _texts(prompt: Prompt, responses: list[PromptResponse]) -> tuple[tuple[str | None, str], ...]:
    if prompt.anonymous:
        return tuple((None, t) for t in sorted(r.values[0] for r in responses))
    return tuple((r.member_name or r.member_id, r.values[0]) for r in responses)


def _distribution_table(label: str, rows: tuple[tuple[str, int], ...], total: int) -> Table:
    def share(n: int) -> str:
        return f"{round(100 * n / total)}%" if total else "-"

    return Table(
        "Results", (label, "responses", "share"), tuple((k, str(n), share(n)) for k, n in rows)
    )


def export_csv(prompt: Prompt, responses: list[PromptResponse]) -> bytes:
    """UTF-8 CSV of every response; anonymous prompts get no member columns and no times."""
    if prompt.anonymous:
        answers = sorted((" | ".join(r.values), r.score) for r in responses)
        return to_csv(
            ("prompt_id", "answer", "score"),
            ((prompt.id, answer, score) for answer, score in answers),
        )
    return to_csv(
        ("prompt_id", "member_id", "member_name", "answer", "score", "answered_at", "changed_at"),
        (
            (
                prompt.id,
                r.member_id,
                r.member_name,
                " | ".join(r.values),
                r.score,
                r.created_at.isoformat(),
                r.updated_at.isoformat(),
            )
            for r in responses
        ),
    )
