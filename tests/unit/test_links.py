"""The board's URL scheme: a community id and its slug read back into each other."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.links import Links, community_of, slug

PLATFORMS = st.sampled_from(["discord", "slack", "console"])
IDS = st.text(
    st.characters(whitelist_categories=("Ll", "Lu", "Nd"), max_codepoint=127)
    | st.sampled_from("-_."),
    min_size=1,
    max_size=30,
)


@given(platform=PLATFORMS, ident=IDS)
def test_a_slug_reads_back_into_its_community(platform: str, ident: str) -> None:
    community = f"{platform}:{ident}"
    made = slug(community)
    assert ":" not in made and "/" not in made
    assert community_of(made) == community


def test_examples() -> None:
    assert slug("console:local") == "console-local"
    assert community_of("console-local") == "console:local"
    assert community_of("slack-T0123") == "slack:T0123"
    for bad in ("", "console", "-local", "../etc", "console-a/b", "console-%2e"):
        assert community_of(bad) is None, bad


def test_links_ask_for_the_base_each_time() -> None:
    port = [8080]
    links = Links(lambda: f"http://127.0.0.1:{port[0]}/")
    assert links.board("console:local") == "http://127.0.0.1:8080/board/console-local/"
    port[0] = 9999
    assert links.idea("discord:42", 7) == "http://127.0.0.1:9999/board/discord-42/ideas/7"
    assert links.dashboard("slack:T1") == "http://127.0.0.1:9999/dashboard/slack-T1/"
