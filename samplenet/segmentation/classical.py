"""The weight-free promptable segmenter: several GrabCuts, then a trial matte.

1. The prompts become GrabCut seeds on a working-size copy: outside the box
   is background, clicks and strokes are hard labels.  A strip inside the
   box's edges starts as *probable* background and only the box's core
   seeds the subject's colours; on sides where the box reaches the photo's
   edge the subject usually goes on past it, so there is no strip there,
   unless every side reaches it (then the strip is the only background
   model there is, and a box covering the photo is still accepted).  A
   side that stops within ``edge_snap`` of the photo's edge can count as
   on it (:func:`snap_to_edges`): a box drawn a few pixels short of the
   frame marks the subject beyond it as sure background.  Off by default:
   two-fold cross-validation on the dev photos chose 0.02-0.03 (their
   subjects all run off the bottom edge), but on the astronaut sample, with
   a box 2 % inside the left and top edges, it pulled the flag between the
   box and the subject into the subject (docs/auto-tool.md).
2. GrabCut's result depends on how it starts, and no single start works on
   every photo, so it runs from a few starts (``cores`` x ``edge_rings``).
   Either the run whose subject and background share the fewest colours is
   kept (``select``) or the runs vote; where they disagree the colours do
   not decide, and that region is left unknown to the first trial matte.
3. Rounds with the weight-free matting engine: each mattes the current mask
   (plus the doubtful region) and the matte's 0.5 level becomes the mask,
   or (``regrab``) its confident values near the outline seed another
   GrabCut.  The last matte tells the band where the outline is fuzzy.
4. Foreground specks are dropped: the pieces a subject click or stroke
   touches are kept, the largest one, and any piece at least
   ``keep_fraction`` of its size.
5. GrabCut is a local method and colour alone confuses a subject with a
   background of its colours, so graph cuts with a focus feature beside
   colour (:mod:`.focus`, :mod:`.graph_cut`) run again from several
   ``starts`` (the result above, and the box alone) and the segmentation
   with the lowest GrabCut energy under the colour + focus models wins:
   the energy is what every start tries to minimise, so comparing it picks
   a start without any rule tuned to photos.
6. Where subject-like and background-like pixels interleave finely (hair,
   leaves against the sky), no outline is right: that region goes to the
   trimap as unknown whatever the band, and a last trial matte sees it.
"""
from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import cv2
import numpy as np

from ..errors import MattingInputError
from ..process import cpu_count
from .band import distance_to_outline
from .focus import focus_map
from .graph_cut import RANDOM_SEED, PixelGrid, energy_of_costs, graph_cut, side_costs
from .prompts import Box, Prompts
from .refine import Working, trial_matte

logger = logging.getLogger("samplenet")


@dataclass
class Segmentation:
    """What a segmenter found: a full-size boolean ``mask``, optionally a
    trial matte ``alpha`` at the working size (see :class:`.refine.Working`),
    the name of the ``segmenter`` that ran and a ``note`` (e.g. why a
    fallback happened)."""

    mask: np.ndarray
    alpha: np.ndarray | None = None
    segmenter: str = ""
    note: str = ""
    unknown: np.ndarray | None = None  # full-size: left to matting whatever the band (see mixed_region)
    prompts: Prompts | None = None  # what it was made from: a correction can start from it (see refine)


#: The starts the graph cut can run from (see SegmenterOptions.starts): the
#: GrabCut vote as it is, refined with focus, and the box alone with and
#: without focus.
STARTS = ("grabcut", "grabcut+focus", "box+focus", "box")


@dataclass
class SegmenterOptions:
    """Parameters of the classical segmenter, in working-size pixels where
    they are lengths.  (Named apart from the matting engine's
    :class:`samplenet.classical.options.ClassicalOptions`, an unrelated class.)  ``focus_weight`` was chosen by two-fold
    cross-validation, earlier ones (the GrabCut vote's) likewise; the rest
    are GrabCut's own values or set once (see README, "Automatic trimaps")."""

    work_side: int = 400  # the band's trial matte runs at this size (and the band's lengths are in its pixels)
    cut_side: int = 400  # the GrabCuts and graph cuts run at this size (at most work_side)
    rounds: int = 1
    grabcut_iterations: int = 5
    click_radius: float = 0.015  # fraction of the working size's longer side
    border: float = 0.02  # same: border strip used when the box leaves no background
    ring: float = 0.02  # same: strip inside the box's edges that starts as probable background
    core: float = 0.0  # fraction of the box cut from each side: only this core seeds the subject's colours
    cores: tuple[float, ...] = (0.0, 0.1, 0.2)  # GrabCut runs with each of these cores
    edge_ring: bool = False  # also a ring (and core inset) along sides where the box reaches the photo's edge
    edge_snap: float = 0.0  # a box side this near the photo's edge (share of its side) is on it (off: see docstring)
    edge_rings: tuple[bool, ...] = (False, True)  # ... and each of these edge_ring values
    select: bool = False  # with several runs: keep the one separating colours best (else: vote)
    doubt: bool = True  # where the runs disagree is unknown to the first trial matte
    regrab: bool = True  # each round re-runs GrabCut seeded by the matte (else: the matte's 0.5 level)
    starts: tuple[str, ...] = STARTS  # graph cuts compared by energy (empty: the GrabCut vote alone)
    focus_weight: float = 2.5  # the focus feature against RGB, in units of a colour channel's 0-255 range
    focus_sigma: float = 4.0  # window of the focus map
    components: int = 5  # Gaussians per side, as GrabCut
    smoothness: float = 50.0  # GrabCut's gamma
    refine_iterations: int = 3  # graph-cut rounds from the GrabCut result
    box_iterations: int = 5  # ... and from the box
    mixed_radius: int = 6  # window (2r+1 pixels) in which a mixed region is looked for
    mixed_level: float = 0.1  # share of pixels against the cut's side that makes a window mixed
    mixed_reach: float = 40.0  # mixed regions count up to this far from the outline
    min_band: float = 3.0
    probe_band: float = 6.0  # band of the trial mattes: wider lets them find fuzz farther out
    fuzzy_reach: float = 3.0
    max_band: float = 20.0
    keep_fraction: float = 0.2

    def __post_init__(self) -> None:
        unknown = [start for start in self.starts if start not in STARTS]
        if unknown:
            raise ValueError(f"unknown graph-cut start(s) {unknown}; known: {', '.join(STARTS)}")
        if not 0.0 <= self.edge_snap < 0.5:  # also refuses NaN
            raise ValueError(f"edge_snap must be a share of the photo's side from 0 up to 0.5, got {self.edge_snap}")


def scaled_lengths(options: SegmenterOptions, factor: float) -> SegmenterOptions:
    """``options`` with its lengths in pixels (bands, mixed-region window and
    reach) multiplied by ``factor``, for a copy of the photo at another size."""
    if factor == 1.0:
        return options
    return replace(
        options,
        min_band=options.min_band * factor,
        probe_band=options.probe_band * factor,
        fuzzy_reach=options.fuzzy_reach * factor,
        max_band=options.max_band * factor,
        mixed_reach=options.mixed_reach * factor,
        mixed_radius=max(1, int(round(options.mixed_radius * factor))),
    )


def snap_to_edges(box: Box, size: tuple[int, int], reach: float) -> Box:
    """``box`` with each side that stops within ``reach`` of the photo's
    width (left, right) or height (top, bottom) from the photo's edge moved
    onto that edge.

    Why: the seeds treat a side on the photo's edge unlike any other (no
    hard background beyond it, no probable-background ring inside it: the
    subject goes on past the frame), so without this a visitor's box that
    stops a few pixels short of the frame marks a strip of the subject as
    sure background and rings it, and the segmentation changes completely
    (issue 29, "Steadiness under a jittered box" in docs/auto-tool.md).
    Nobody drags a box to the exact pixel; a side that close to the frame
    means the frame."""
    width, height = size
    x0, y0, x1, y1 = box
    near_x, near_y = reach * width, reach * height
    return (
        0 if x0 <= near_x else x0,
        0 if y0 <= near_y else y0,
        width if width - x1 <= near_x else x1,
        height if height - y1 <= near_y else y1,
    )


def grabcut_seeds(prompts: Prompts, working: Working, options: SegmenterOptions) -> np.ndarray:
    """GrabCut labels at the working size from the prompts."""
    height, width = working.shape
    scale = working.scale
    side = max(height, width)
    labels = np.full((height, width), cv2.GC_PR_BGD, np.uint8)
    if prompts.box is not None:
        x0, y0, x1, y1 = snap_to_edges(prompts.box, prompts.size, options.edge_snap)
        labels[:] = cv2.GC_BGD
        sx0, sy0 = int(np.floor(x0 * scale)), int(np.floor(y0 * scale))
        sx1, sy1 = max(sx0 + 1, int(np.ceil(x1 * scale))), max(sy0 + 1, int(np.ceil(y1 * scale)))
        labels[sy0:sy1, sx0:sx1] = cv2.GC_PR_BGD
        # A box drawn around a subject leaves a margin of background inside
        # its edges: that ring starts as probable background, and only the
        # box's core seeds the subject's colours.  Where the box reaches the
        # photo's edge the subject usually goes on past it (a portrait's
        # shoulders), so those sides keep no ring, unless every side reaches
        # the edge: then the ring is the only background model there is.
        box_w, box_h = sx1 - sx0, sy1 - sy0
        at_edge = (sx0 <= 0, sy0 <= 0, sx1 >= width, sy1 >= height)  # left, top, right, bottom
        if options.edge_ring or all(at_edge):
            at_edge = (False,) * 4
        ring = options.ring * side
        insets = [
            0 if touching else int(round(max(ring, options.core * extent)))
            for touching, extent in zip(at_edge, (box_w, box_h, box_w, box_h), strict=True)
        ]
        left, top, right, bottom = insets
        if box_w > left + right + 2 and box_h > top + bottom + 2:
            labels[sy0 + top : sy1 - bottom, sx0 + left : sx1 - right] = cv2.GC_PR_FGD
        else:
            labels[sy0:sy1, sx0:sx1] = cv2.GC_PR_FGD
    if prompts.bg_strokes is not None:
        labels[working.down_mask(prompts.bg_strokes)] = cv2.GC_BGD
    radius = max(2, int(round(options.click_radius * side)))
    for points, label in ((prompts.negative_points, cv2.GC_BGD), (prompts.positive_points, cv2.GC_FGD)):
        for x, y in points:
            cv2.circle(labels, (int(x * scale), int(y * scale)), radius, int(label), -1)
    if prompts.fg_strokes is not None:
        labels[working.down_mask(prompts.fg_strokes)] = cv2.GC_FGD
    if prompts.box is None:
        _start_by_colour(working.image, labels, options)
    if not np.any((labels == cv2.GC_BGD) | (labels == cv2.GC_PR_BGD)):
        # The box covers the photo: the border strip is probable background.
        strip = max(1, int(round(options.border * side)))
        border = np.ones((height, width), bool)
        border[strip:-strip, strip:-strip] = False
        labels[border & (labels == cv2.GC_PR_FGD)] = cv2.GC_PR_BGD
    return labels


def _start_by_colour(image: np.ndarray, labels: np.ndarray, options: SegmenterOptions, clusters: int = 5) -> None:
    """Without a box, start each unmarked pixel on the side whose marked
    colours (a few k-means centres per side) are nearer.  With no background
    mark, the photo's border strip stands for the background colours."""
    pixels = image.reshape(-1, 3).astype(np.float32)
    flat = labels.reshape(-1)
    fg_samples = pixels[flat == cv2.GC_FGD]
    bg_marked = flat == cv2.GC_BGD
    if not bg_marked.any():
        height, width = labels.shape
        strip = max(1, int(round(options.border * max(height, width))))
        border = np.ones((height, width), bool)
        border[strip:-strip, strip:-strip] = False
        bg_marked = border.reshape(-1) & (flat != cv2.GC_FGD)
    bg_samples = pixels[bg_marked]
    if len(fg_samples) == 0 or len(bg_samples) == 0:
        return
    centres = []
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    for samples in (fg_samples, bg_samples):
        k = min(clusters, len(samples))
        cv2.setRNGSeed(RANDOM_SEED)  # same photo and prompts, same clusters (see RANDOM_SEED)
        _, _, found = cv2.kmeans(samples, k, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
        centres.append(found)
    unmarked = np.flatnonzero(flat == cv2.GC_PR_BGD)
    candidates = pixels[unmarked]
    near_fg = np.min(((candidates[:, None, :] - centres[0][None]) ** 2).sum(-1), axis=1)
    near_bg = np.min(((candidates[:, None, :] - centres[1][None]) ** 2).sum(-1), axis=1)
    flat[unmarked[near_fg < near_bg]] = cv2.GC_PR_FGD


def _grabcut(image: np.ndarray, labels: np.ndarray, iterations: int) -> np.ndarray:
    if not np.any((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)):
        raise MattingInputError("The prompts mark no subject; click on the subject or draw a box around it.")
    bgd_model = np.zeros((1, 65), np.float64)
    fgd_model = np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(image[..., ::-1])
    try:
        cv2.setRNGSeed(RANDOM_SEED)  # GrabCut seeds its colour models with k-means
        cv2.grabCut(bgr, labels, None, bgd_model, fgd_model, iterations, cv2.GC_INIT_WITH_MASK)
    except cv2.error as exc:  # e.g. a colour model with too few distinct samples
        raise MattingInputError(
            "Automatic segmentation failed on these prompts; add a click on the subject and one on the "
            f"background ({str(exc).strip().splitlines()[-1]})."
        ) from None
    return (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)


def in_parallel(jobs: list[Callable[[], np.ndarray]]) -> list[np.ndarray]:
    """Each job's result, in order, the jobs run on up to one thread per CPU.

    OpenCV's GrabCut releases Python's lock while it runs, so the
    independent GrabCut starts of one segmentation run side by side: on
    2 cores, 1.7 times quicker for the same masks (each call seeds its own
    thread's random generator, see :func:`_grabcut`)."""
    workers = min(len(jobs), cpu_count())
    if workers <= 1:
        return [job() for job in jobs]
    with ThreadPoolExecutor(workers, thread_name_prefix="grabcut") as pool:
        return list(pool.map(lambda job: job(), jobs))


def colour_overlap(image: np.ndarray, mask: np.ndarray, bins: int = 8) -> float:
    """How much the subject's and the background's colour histograms overlap
    (histogram intersection, 0 = no shared colour, 1 = the same colours); a
    segmentation that puts a background chunk on the subject's side, or
    cuts the subject, shares more colours between the sides."""
    if not mask.any() or mask.all():
        return 1.0
    codes = (image.astype(np.int32) * bins // 256)
    codes = (codes[..., 0] * bins + codes[..., 1]) * bins + codes[..., 2]
    fg = np.bincount(codes[mask], minlength=bins**3) / mask.sum()
    bg = np.bincount(codes[~mask], minlength=bins**3) / (~mask).sum()
    return float(np.minimum(fg, bg).sum())


def keep_subject_pieces(mask: np.ndarray, positive: np.ndarray, keep_fraction: float) -> np.ndarray:
    """Drop foreground specks: keep the pieces touching ``positive`` seeds,
    the largest piece, and pieces at least ``keep_fraction`` of its size."""
    count, pieces = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask
    sizes = np.bincount(pieces.ravel())
    sizes[0] = 0
    keep = set(np.flatnonzero(sizes >= keep_fraction * sizes.max()).tolist())
    keep |= set(np.unique(pieces[positive & mask]).tolist())
    keep.discard(0)
    return np.isin(pieces, sorted(keep))


class ClassicalSegmenter:
    """Promptable segmentation without weights (name ``"classical"``)."""

    name = "classical"

    def __init__(self, options: SegmenterOptions | None = None) -> None:
        self.options = options or SegmenterOptions()

    def segment(self, image: np.ndarray, prompts: Prompts) -> Segmentation:
        """Segment ``image`` (``HxWx3 uint8`` RGB) from checked ``prompts``.

        The cuts run on a copy whose longer side is ``cut_side`` (their cost
        grows with its pixels, and the band's trial matte, at ``work_side``,
        redraws the outline's detail anyway); lengths in the options are
        scaled to it."""
        opts = self.options
        working, cut, cut_opts, base = self._copies_and_seeds(image, prompts)
        hard_fg, hard_bg = base == cv2.GC_FGD, base == cv2.GC_BGD
        mask, alpha = self._grabcut_rounds(cut, prompts, hard_fg, hard_bg, cut_opts)
        unknown = None
        if opts.starts:
            mask, unknown = self._best_start(cut, base, mask, hard_fg, hard_bg, cut_opts)
        if cut.scale != working.scale:
            alpha = None  # at the cut's size: the band needs one at the working size
        if opts.starts or alpha is None:
            alpha = self._band_matte(working, cut, mask, unknown)
        return self._at_photo_size(cut, mask, unknown, alpha, prompts, (image.shape[1], image.shape[0]))

    def refine(self, image: np.ndarray, prompts: Prompts, previous: Segmentation) -> Segmentation:
        """A segmentation for ``prompts`` that add clicks or strokes to
        ``previous``'s (see :meth:`Prompts.extends`), starting from what that
        run found: its mask is the start of the colour + focus graph cut
        (the mixtures are fitted to its sides, then to the cut's), the new
        marks are hard labels, and only that cut and the band's trial matte
        run again (no GrabCut starts, no comparison of starts)."""
        working, cut, cut_opts, base = self._copies_and_seeds(image, prompts)
        hard_fg, hard_bg = base == cv2.GC_FGD, base == cv2.GC_BGD
        # The majority of each cut pixel (Working.down_mask keeps any touched pixel, for thin strokes).
        start = cv2.resize(previous.mask.astype(np.float32), cut.shape[::-1], interpolation=cv2.INTER_AREA) >= 0.5
        features = self._features(cut, cut_opts)
        grid = PixelGrid(cut.image, cut_opts.smoothness)
        found = graph_cut(features, grid, start, hard_fg, hard_bg, cut_opts.refine_iterations, cut_opts.components)
        mask = keep_subject_pieces(found, hard_fg, cut_opts.keep_fraction)
        unknown = None
        if mask.any() and not mask.all():
            unknown = mixed_region(side_costs(features, mask, cut_opts.components), mask, hard_bg, cut_opts)
        alpha = self._band_matte(working, cut, mask, unknown)
        return self._at_photo_size(cut, mask, unknown, alpha, prompts, (image.shape[1], image.shape[0]))

    def _copies_and_seeds(
        self, image: np.ndarray, prompts: Prompts
    ) -> tuple[Working, Working, SegmenterOptions, np.ndarray]:
        """What :meth:`segment` and :meth:`refine` both start from: the
        working copy (the band's trial matte), the cut's copy, the options'
        lengths scaled to the cut, and the GrabCut labels of the prompts there."""
        opts = self.options
        working = Working.of(image, opts.work_side)
        cut = Working.of(image, min(opts.cut_side, opts.work_side))
        cut_opts = scaled_lengths(opts, cut.scale / working.scale)
        return working, cut, cut_opts, grabcut_seeds(prompts, cut, cut_opts)

    def _at_photo_size(
        self, cut: Working, mask: np.ndarray, unknown: np.ndarray | None, alpha: np.ndarray | None,
        prompts: Prompts, size: tuple[int, int],
    ) -> Segmentation:
        """The cut's mask and mixed region at the photo's ``size`` (width,
        height), with the strokes' last word: they are sure whatever the cut said."""
        full = cut.up(mask, size) >= 0.5
        if prompts.fg_strokes is not None:
            full |= prompts.fg_strokes
        if prompts.bg_strokes is not None:
            full &= ~prompts.bg_strokes
        full_unknown = None
        if unknown is not None and unknown.any():
            full_unknown = cut.up(unknown.astype(np.float32), size) >= 0.5
        return Segmentation(full, alpha, self.name, unknown=full_unknown, prompts=prompts)

    @staticmethod
    def _features(cut: Working, opts: SegmenterOptions) -> np.ndarray:
        """Colour and the focus feature (:mod:`.focus`), as the graph cuts see them."""
        colour = cut.image.astype(np.float32)
        return np.dstack([colour, focus_map(cut.image, opts.focus_sigma) * (255.0 * opts.focus_weight)])

    def _band_matte(
        self, working: Working, cut: Working, mask: np.ndarray, unknown: np.ndarray | None
    ) -> np.ndarray | None:
        """The last trial matte, at the working size, around the cut's mask
        (and the mixed region): the band follows where it is fuzzy."""
        opts = self.options
        if working.scale != cut.scale:
            size = working.shape[::-1]
            mask = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_LINEAR) >= 0.5
            if unknown is not None:
                unknown = cv2.resize(unknown.astype(np.float32), size, interpolation=cv2.INTER_LINEAR) >= 0.5
        if not mask.any() or mask.all():
            return None
        alpha, _ = trial_matte(
            working.image, mask, None, opts.probe_band, opts.fuzzy_reach, opts.max_band, extra_unknown=unknown
        )
        return alpha

    def _grabcut_rounds(
        self, working: Working, prompts: Prompts, hard_fg: np.ndarray, hard_bg: np.ndarray, opts: SegmenterOptions
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Steps 1-4 of the module's recipe: GrabCuts from several starts
        vote, then trial mattes correct the outline."""
        def one_start(core: float, edge_ring: bool) -> np.ndarray:
            labels = grabcut_seeds(prompts, working, replace(opts, core=core, edge_ring=edge_ring))
            found = _grabcut(working.image, labels, opts.grabcut_iterations)
            return keep_subject_pieces(found, hard_fg, opts.keep_fraction)

        starts = list(itertools.product(opts.cores or (opts.core,), opts.edge_rings or (opts.edge_ring,)))
        masks = in_parallel([functools.partial(one_start, core, edge_ring) for core, edge_ring in starts])
        vote = np.mean(masks, axis=0)
        mask = vote >= 0.5
        if opts.select and len(masks) > 1:
            # The run whose subject and background share the fewest colours.
            mask = masks[int(np.argmin([colour_overlap(working.image, m) for m in masks]))]
        # Where the runs disagree the colours do not decide: the first trial
        # matte gets it as unknown and decides it from the sure regions.
        uncertain = (vote > 0) & (vote < 1) if opts.doubt else None
        alpha = None
        for _ in range(opts.rounds):
            if not mask.any() or mask.all():
                break
            alpha, band = trial_matte(
                working.image, mask, alpha, opts.probe_band, opts.fuzzy_reach, opts.max_band, extra_unknown=uncertain
            )
            uncertain = None
            if not (alpha >= 0.5).any():
                # The band and the doubtful region left the matte no sure
                # subject pixel (a small or thin subject), so it could only
                # say "background": it knows less than the GrabCuts, whose
                # mask stays.
                alpha = None
                break
            if not opts.regrab:
                mask = keep_subject_pieces((alpha >= 0.5) | hard_fg, hard_fg, opts.keep_fraction)
                continue
            # The matte decides the band; the rest stays probable, so GrabCut
            # may still drop a background chunk or add a missed part.
            labels = np.where(alpha >= 0.5, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
            labels[band & (alpha > 0.97)] = cv2.GC_FGD
            labels[band & (alpha < 0.03)] = cv2.GC_BGD
            labels[hard_bg] = cv2.GC_BGD
            labels[hard_fg] = cv2.GC_FGD
            if not np.isin(labels, (cv2.GC_BGD, cv2.GC_PR_BGD)).any():
                # The matte calls every pixel subject (a subject that fills
                # the frame, such as threads hanging across the whole photo,
                # inside a box that covers it): GrabCut cannot start without
                # a background sample, and the matte adds nothing the
                # GrabCuts' mask did not say, so that mask stays.
                break
            mask = keep_subject_pieces(
                _grabcut(working.image, labels, max(1, opts.grabcut_iterations // 2)), hard_fg, opts.keep_fraction
            )
        return mask, alpha

    def _best_start(
        self,
        working: Working,
        base: np.ndarray,
        grabcut_mask: np.ndarray,
        hard_fg: np.ndarray,
        hard_bg: np.ndarray,
        opts: SegmenterOptions,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Steps 5-6: graph cuts with the focus feature from several starts;
        the lowest energy wins.  Returns the mask and the region left to
        matting (where both sides' pixels mix finely)."""
        grid = PixelGrid(working.image, opts.smoothness)
        colour = working.image.astype(np.float32)
        with_focus = self._features(working, opts)
        box_core = ((base == cv2.GC_PR_FGD) | hard_fg) & ~hard_bg
        candidates: dict[str, np.ndarray] = {}
        for start in opts.starts:
            if start == "grabcut":
                found = grabcut_mask
            elif start == "grabcut+focus":
                found = graph_cut(
                    with_focus, grid, grabcut_mask, hard_fg, hard_bg, opts.refine_iterations, opts.components
                )
            elif start == "box+focus":
                found = graph_cut(with_focus, grid, box_core, hard_fg, hard_bg, opts.box_iterations, opts.components)
            else:  # "box" (SegmenterOptions checks the names)
                found = graph_cut(colour, grid, box_core, hard_fg, hard_bg, opts.box_iterations, opts.components)
            candidates[start] = keep_subject_pieces(found, hard_fg, opts.keep_fraction)
        # Each result's side costs serve its energy, and the winner's the mixed region.
        costs = {
            name: side_costs(with_focus, found, opts.components)
            for name, found in candidates.items()
            if found.any() and not found.all()
        }
        energies = {
            name: energy_of_costs(grid, found, *costs[name]) if name in costs else float("inf")
            for name, found in candidates.items()
        }
        best = min(energies, key=energies.get)
        logger.debug("graph-cut energies %s; kept %s", {k: round(v, 3) for k, v in energies.items()}, best)
        mask = candidates[best]
        if best not in costs:
            return mask, np.zeros_like(mask)
        return mask, mixed_region(costs[best], mask, hard_bg, opts)


def mixed_region(
    costs: tuple[np.ndarray, np.ndarray], mask: np.ndarray, hard_bg: np.ndarray, opts: SegmenterOptions
) -> np.ndarray:
    """Where subject-like and background-like pixels interleave at a fine
    scale (hair over a lawn, leaves with sky between them): no hard outline
    is right there, so matting should decide.  Each pixel is classed by the
    final mixtures alone (no smoothness); a window of ``2 * mixed_radius +
    1`` pixels in which more than ``mixed_level`` of the pixels are classed
    against the side the cut gave them, within ``mixed_reach`` of the
    outline, is mixed.  A clean edge has no such pixels on either side of
    it, so it keeps its thin band.  ``costs`` are the subject's and the
    background's per-pixel costs under mixtures fitted to ``mask``'s sides
    (:func:`.graph_cut.side_costs`)."""
    fg_cost, bg_cost = costs
    against = ((fg_cost < bg_cost) != mask).astype(np.float32)
    size = 2 * int(opts.mixed_radius) + 1
    share = cv2.blur(against, (size, size))
    near = distance_to_outline(mask) <= opts.mixed_reach
    return (share > opts.mixed_level) & near & ~hard_bg
