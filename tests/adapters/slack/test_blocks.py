"""Block Kit rendering: member text can never ping, and Slack's size limits always hold."""

from __future__ import annotations

import json

from adapters.slack import blocks, emoji, forms
from bot.replies import IdeaCard, PromptView, Reply, Table
from tests.command_model import command_model

PINGS = "<!channel> <!here> <!everyone> <!subteam^S123|team> <@U999> <https://x|y>"


def card(**changes: object) -> IdeaCard:
    base = {
        "idea_id": 3,
        "title": "Oat latte",
        "description": "Warm",
        "author_id": "U1",
        "author_name": "Ana",
        "status": "new",
        "campaign": "Winter",
        "tally": "2 votes",
        "vote_emojis": ("👍", "👎"),
    }
    base.update(changes)
    return IdeaCard(**base)  # type: ignore[arg-type]


def all_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def parsed_texts(value: object) -> list[str]:
    """Every string Slack parses for mentions: mrkdwn objects and fallback text."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for item in value for t in parsed_texts(item)]
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return []  # shown literally, never parsed (headers, buttons, options)
        return [t for item in value.values() for t in parsed_texts(item)]
    return []


def test_no_member_text_reaches_slack_as_a_control_sequence() -> None:
    rendered = [
        blocks.card_blocks(card(title=PINGS, description=PINGS, author_name=PINGS, campaign=PINGS)),
        blocks.card_fallback(card(title=PINGS)),
        blocks.reply_blocks(Reply(PINGS, table=Table(PINGS, (PINGS,), ((PINGS,),)))),
        blocks.prompt_blocks(PromptView(1, "single", PINGS, PINGS, ("a", "b"), False, None)),
        blocks.fallback(PINGS),
    ]
    texts = parsed_texts(rendered)
    assert len(texts) > 8
    for text in texts:
        assert "<!" not in text and "<@" not in text and "<http" not in text
    assert "&lt;!channel&gt;" in all_text(rendered[0])
    header = blocks.card_blocks(card(title=PINGS))[0]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"


def test_engine_bold_becomes_slack_bold() -> None:
    assert blocks.mrkdwn("🏁 **Winter** is closed") == "🏁 *Winter* is closed"


def test_every_limit_holds_for_huge_content() -> None:
    huge = card(title="t" * 500, description="d" * 5000, author_name="a" * 3000)
    rows = tuple((str(n), "x" * 60, "y" * 60) for n in range(2000))
    reply = Reply("w " * 4000, card=huge, table=Table("Everything", ("n", "a", "b"), rows))
    rendered = blocks.reply_blocks(reply)
    assert len(rendered) <= blocks.MAX_MESSAGE_BLOCKS
    assert "cocreate export" in all_text(rendered[-1]), "the cut is explained"
    for block in rendered:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= blocks.HEADER_TEXT
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= blocks.SECTION_TEXT
        for element in block.get("elements", []):
            assert len(element.get("text", "")) <= blocks.CONTEXT_TEXT


def test_prompt_controls_fit_slack_and_carry_the_prompt_id() -> None:
    nps = blocks.prompt_blocks(PromptView(9, "nps", "Recommend us?", None, (), False, None))
    buttons = nps[-1]["elements"]
    assert [b["value"] for b in buttons] == [str(n) for n in range(11)]
    assert len({b["action_id"] for b in buttons}) == 11, "action ids are unique in a block"
    long_options = tuple(f"{n} " + "o" * 140 for n in range(25))
    multi = blocks.prompt_blocks(PromptView(4, "multiple", "Pick", None, long_options, False, None))
    menu = multi[-1]["elements"][0]
    assert menu["type"] == "multi_static_select" and menu["action_id"] == "cocreate_answer:4"
    assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in menu["options"])
    closed = blocks.prompt_blocks(PromptView(4, "rating", "Q", None, (), False, None, closed=True))
    assert all(b["type"] != "actions" for b in closed)


def test_the_idea_form_is_built_from_the_command_model() -> None:
    registry = command_model()
    command = registry.get("idea", "submit")
    assert command is not None
    view = forms.command_modal(command, "C1")
    by_id = {b["block_id"]: b for b in view["blocks"]}
    assert by_id["title"]["optional"] is False and by_id["title"]["element"]["max_length"] == 100
    assert by_id["description"]["element"]["multiline"] is True
    assert by_id["campaign"]["element"]["type"] == "external_select"
    assert len(view["title"]["text"]) <= 24
    prompt = registry.get("prompt", "create")
    assert prompt is not None
    kinds = {b["block_id"]: b["element"]["type"] for b in forms.command_modal(prompt, "")["blocks"]}
    assert kinds["kind"] == "static_select" and kinds["anonymous"] == "static_select"


def test_vote_emojis_map_both_ways_by_an_explicit_table() -> None:
    assert emoji.to_unicode("+1") == emoji.to_unicode("thumbsup") == "👍"
    assert emoji.to_unicode("-1::skin-tone-6") == "👎"
    assert emoji.to_unicode("three") == "3️⃣"
    assert emoji.to_name("👍") == "+1" and emoji.to_name("3️⃣") == "three"
    assert emoji.to_name(":partyparrot:") == "partyparrot"
    assert emoji.to_name("🦄") is None


def test_app_home_draws_the_engines_view_with_the_one_prompt_renderer() -> None:
    from adapters.slack.home import home_blocks
    from bot.replies import CampaignLine, HomeView, IdeaLine

    prompt = PromptView(7, "text", "Anything else?", None, (), False, None)
    view = HomeView(
        points=1,
        rank=None,
        campaigns=(CampaignLine(f"Winter {PINGS}", "pick", "voting", "voting closes in 2d"),),
        prompts=(prompt,),
        ideas=(IdeaLine(3, f"Oat {PINGS}", "new", "1 vote"),),
    )
    home = home_blocks(view)
    text = all_text(home)
    assert home["type"] == "home" and "You have *1* point." in text and "all-time" not in text
    assert "voting closes in 2d" in text and "#3 *Oat" in text and "· new · 1 vote" in text
    assert blocks.prompt_blocks(prompt)[0] in home["blocks"]  # drawn as the prompt's own post
    assert "<!channel>" not in text and "<@U999>" not in text
    # the free-text prompt's button carries its question, for the answer form
    button = blocks.prompt_blocks(prompt)[-1]["elements"][0]
    assert button["value"] == "Anything else?"
    rich = home_blocks(HomeView(1200, 2, (), (), ()))
    assert "You have *1,200* points, 2nd all-time." in all_text(rich)
    assert "No campaign is running right now." in all_text(rich)
