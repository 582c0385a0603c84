"""The weeknote draft, a pure function of a member's week."""

from __future__ import annotations

from datetime import date

from bot.domain.weeknote import NoteItem, WeeknoteData, build_weeknote, weeknote_filename

WEEK = dict(name="Ana", week_start=date(2026, 11, 30), week_end=date(2026, 12, 6))


def test_every_item_of_the_week_is_in_the_draft_under_its_heading():
    draft = build_weeknote(
        WeeknoteData(
            **WEEK,
            done=[NoteItem("Drafted the charter response", detail="A12")],
            started=[NoteItem("Plan the show and tell")],
            reflections=[NoteItem("Listening is about being silent")],
            follow_ups=[NoteItem("Followed up with Sam about the API standard")],
            posts=[NoteItem("What we learned from the discovery", link="https://ana.example/p/1")],
        )
    )
    assert draft.startswith("# Weeknote: 30 Nov – 6 Dec 2026\n")
    order = [
        "## What I finished",
        "- Drafted the charter response — A12",
        "## What I started",
        "## Conversations I followed up",
        "## What I learned",
        "- Listening is about being silent",
        "## What I published",
        "- [What we learned from the discovery](https://ana.example/p/1)",
        "## Next week",
    ]
    positions = [draft.index(text) for text in order]
    assert positions == sorted(positions)


def test_empty_sections_are_left_out_and_an_empty_week_says_so():
    draft = build_weeknote(WeeknoteData(**WEEK, done=[NoteItem("One thing")]))
    assert "## What I started" not in draft and "## What I finished" in draft
    assert "A quiet week" in build_weeknote(WeeknoteData(**WEEK))


def test_filename():
    assert weeknote_filename(date(2026, 11, 30)) == "weeknote-2026-11-30.md"
