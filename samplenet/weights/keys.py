"""Comparing a set of weights with the tensors SampleNet expects.

Every loader in this package (our own folders, the reference's ``.pth``
checkpoints, a folder about to be uploaded) goes through one comparison so
that a mismatch is always reported the same way: by naming the missing,
unexpected and mis-shaped keys, not with PyTorch's long ``load_state_dict``
traceback or, worse, a half-loaded model.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..errors import WeightsFormatError

Shape = tuple[int, ...]

#: How many keys of each kind an error message lists before summarising.
MAX_KEYS_LISTED = 12


@dataclass
class KeyMismatch:
    """What separates a set of weights from the expected one."""

    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    misshaped: list[tuple[str, Shape, Shape]] = field(default_factory=list)  # key, expected, found

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.misshaped)

    def describe(self) -> str:
        """One readable paragraph naming the offending keys."""
        parts = []
        if self.missing:
            parts.append(f"{len(self.missing)} missing key(s): {_listing(self.missing)}")
        if self.unexpected:
            parts.append(f"{len(self.unexpected)} unexpected key(s): {_listing(self.unexpected)}")
        if self.misshaped:
            shapes = [f"{key} (expected {list(want)}, found {list(got)})" for key, want, got in self.misshaped]
            parts.append(f"{len(self.misshaped)} mis-shaped key(s): {_listing(shapes)}")
        return "; ".join(parts)


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:MAX_KEYS_LISTED])
    if len(items) > MAX_KEYS_LISTED:
        shown += f", ... and {len(items) - MAX_KEYS_LISTED} more"
    return shown


def compare_shapes(expected: Mapping[str, Sequence[int]], found: Mapping[str, Sequence[int]]) -> KeyMismatch:
    """Key-by-key comparison of two ``{name: shape}`` tables."""
    mismatch = KeyMismatch(
        missing=sorted(set(expected) - set(found)),
        unexpected=sorted(set(found) - set(expected)),
    )
    for key in sorted(set(expected) & set(found)):
        want, got = tuple(expected[key]), tuple(found[key])
        if want != got:
            mismatch.misshaped.append((key, want, got))
    return mismatch


def require_matching_shapes(
    expected: Mapping[str, Sequence[int]], found: Mapping[str, Sequence[int]], source: str
) -> None:
    """Raise :class:`WeightsFormatError` naming the keys unless ``found``
    has exactly the keys and shapes of ``expected``.

    ``source`` says what was checked (a file name), so the message can be
    acted upon.
    """
    mismatch = compare_shapes(expected, found)
    if mismatch:
        raise WeightsFormatError(f"{source} does not match the SampleNet architecture: {mismatch.describe()}.")
