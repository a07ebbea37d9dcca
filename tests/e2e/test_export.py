"""The exports: one CSV writer (bot/csvsafe.py) behind `/cocreate export`, `cocreate export`
and prompt exports; the community export reads in the command's short transaction and builds
its zip after the commit in a worker thread, so votes go on meanwhile."""

from __future__ import annotations

import asyncio
import csv
import io
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bot.commands import cocreate
from bot.csvsafe import records_csv
from storage.sqlite.export import export_tables, write_csv
from tests.harness import Harness


def unzip(content: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {name: archive.read(name) for name in archive.namelist()}


async def test_votes_go_on_while_the_export_zip_is_built(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    idea = await h.submit(h.member("alice"), "Oat latte")
    loop = asyncio.get_running_loop()
    seen: dict[str, Any] = {}
    build = cocreate.export_zip

    def export_zip_while_bob_votes(tables: Any) -> bytes:
        seen["off the loop"] = threading.current_thread() is not threading.main_thread()
        # a vote while the zip is being built: it needs the database, so it would wait
        # forever (here: time out) if the export still held the transaction
        vote = asyncio.run_coroutine_threadsafe(h.react(h.member("bob"), idea), loop)
        seen["vote"] = vote.result(timeout=10)
        return build(tables)

    monkeypatch.setattr(cocreate, "export_zip", export_zip_while_bob_votes)
    reply = await h.cmd(h.moderator(), "cocreate export")
    assert reply.ok and reply.attachment is not None
    assert seen["off the loop"] and seen["vote"].ok
    assert (await h.storage.votes.tally(idea)).up == 1
    # the export is the moment it was read: before Bob's vote
    votes = list(csv.DictReader(io.StringIO(unzip(reply.attachment.content)["votes.csv"].decode())))
    assert votes == []


async def test_the_export_reply_counts_in_words(harness: Harness) -> None:
    h = harness
    idea = await h.submit(h.member("alice"), "Oat latte")
    await h.react(h.member("bob"), idea)
    reply = await h.cmd(h.moderator(), "cocreate export")
    assert reply.text.startswith("Export ready: 1 idea, 1 vote, 0 responses, ")
    assert "ledger entries" in reply.text and "ideas" not in reply.text


async def test_the_zip_and_the_cli_files_come_from_one_writer(
    harness: Harness, tmp_path: Path
) -> None:
    h = harness
    for n, title in enumerate(("=HYPERLINK(evil)", "+1 latte", "-minus", "@at", "Plain")):
        await h.submit(h.member(f"m{n}"), title, description="=1+1")
    reply = await h.cmd(h.moderator(), "cocreate export")
    assert reply.attachment is not None
    zipped = unzip(reply.attachment.content)
    files = dict(write_csv(await export_tables(h.db, h.community), tmp_path))
    for path in files:
        assert path.read_bytes() == zipped[path.name], path.name
    titles = [r["title"] for r in csv.DictReader(io.StringIO(zipped["ideas.csv"].decode()))]
    assert titles == ["'=HYPERLINK(evil)", "'+1 latte", "'-minus", "'@at", "Plain"]


def test_a_row_with_a_column_outside_the_header_is_refused() -> None:
    assert records_csv(["a", "b"], [{"a": "=x", "b": None}]) == b"a,b\n'=x,\n"
    with pytest.raises(ValueError, match="not in the header"):
        records_csv(["a"], [{"a": 1, "b": 2}])
