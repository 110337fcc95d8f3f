"""The brushes of the page's two editors: one table, everything else derived.

The Sketch editor paints trimap levels (its colours are the levels' greys,
read back by :func:`~samplenet.app.trimap_tools.layers_to_trimap`); the Auto
tab's editor paints prompts (read back by nearest colour in
:func:`~samplenet.app.handlers.stroke_masks`).  The page's named brush
choices, the editors' swatches and the stroke reader all come from here, so
a colour changed here changes everywhere; written three times, a change in
one place would misread strokes without a word.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..io import BACKGROUND, FOREGROUND, UNKNOWN


@dataclass(frozen=True)
class Brush:
    """One brush: the words on its button, what its strokes mean and its colour."""

    words: str
    meaning: str
    rgb: tuple[int, int, int]

    @property
    def css(self) -> str:
        """The colour as the editor's swatch buttons write it (``rgb(r, g, b)``)."""
        return "rgb({}, {}, {})".format(*self.rgb)

    @property
    def hex(self) -> str:
        """The colour as ``gr.Brush`` takes it (``#rrggbb``)."""
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


def _grey(level: int) -> tuple[int, int, int]:
    return level, level, level


#: Sketch tab: each brush paints a trimap level in its own grey.
SKETCH_BRUSHES = (
    Brush("Subject (white)", "foreground", _grey(FOREGROUND)),
    Brush("Fuzzy edge (grey)", "unknown", _grey(UNKNOWN)),
    Brush("Background (black)", "background", _grey(BACKGROUND)),
)

#: Auto tab: sure subject, sure background and the red loop whose bounding box is the box.
STROKE_BRUSHES = (
    Brush("Subject (white)", "foreground", _grey(FOREGROUND)),
    Brush("Background (black)", "background", _grey(BACKGROUND)),
    Brush("Box (red)", "box", (255, 0, 0)),
)


def choices(brushes: tuple[Brush, ...]) -> list[tuple[str, str]]:
    """``(words, css colour)`` pairs for the page's brush radio."""
    return [(brush.words, brush.css) for brush in brushes]


def swatches(brushes: tuple[Brush, ...]) -> list[str]:
    """The editor's colours, in the radio's order (the first is the default)."""
    return [brush.hex for brush in brushes]
