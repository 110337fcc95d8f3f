"""SAM placeholder (filled in by the next commit)."""
from __future__ import annotations


class SegmenterUnavailable(RuntimeError):
    """No learned segmenter can be loaded here; the message says why."""


def load_sam_segmenter():
    raise SegmenterUnavailable("no SAM segmenter is configured")
