"""A page of stand-in components for testing the page's actions without
Gradio: an action only reads and writes values keyed by component, so any
object with an identity will do."""
from __future__ import annotations

from dataclasses import fields

from samplenet.app.page import Page


class Stand:
    """A component stand-in: only its identity matters to an action."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


def stand_in_page() -> Page:
    """A :class:`Page` whose every component is a :class:`Stand`."""
    return Page(**{f.name: Stand(f.name) for f in fields(Page)})
