"""Training losses of the three SampleNet networks.

Matting (as the reference's ``utils/loss_func.py`` and ``train.py``): on
the unknown region, L1 of alpha, L1 of the composite rebuilt from the
predicted alpha and the sampled colours against the input image, and L1 of
the alpha-gradient magnitudes; total ``(alpha + composition) / 2 +
gradient``.  Masked means divide by the number of masked *pixels* (the
mask has one channel), as the reference does, so a three-channel difference
weighs its channels summed.

Samplers (DeepFill-style reconstruction): L1 on the hole, where the
network has to invent colours, plus L1 on the whole image at a lower
weight, for both the coarse and the refined output.
"""
from __future__ import annotations

import torch

EPSILON = 1.001e-5  # the reference's guard against empty masks and sqrt(0)


def masked_l1(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean absolute difference over the pixels where ``mask`` is 1
    (``mask`` Bx1xHxW); plain mean without a mask.  An empty mask gives 0,
    not NaN."""
    diff = (pred - target).abs()
    if mask is None:
        return diff.mean()
    return (diff * mask).sum() / mask.sum().clamp(min=EPSILON)


def image_gradients(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward differences along x and y, zero in the last column/row so the
    outputs keep the input's size."""
    dx = torch.zeros_like(x)
    dy = torch.zeros_like(x)
    dx[..., :, :-1] = x[..., :, 1:] - x[..., :, :-1]
    dy[..., :-1, :] = x[..., 1:, :] - x[..., :-1, :]
    return dx, dy


def gradient_l1(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """L1 between gradient magnitudes, which punishes blurry or noisy mattes
    that a plain alpha L1 tolerates."""
    pdx, pdy = image_gradients(pred)
    tdx, tdy = image_gradients(target)
    pred_mag = torch.sqrt(pdx**2 + pdy**2 + EPSILON)
    target_mag = torch.sqrt(tdx**2 + tdy**2 + EPSILON)
    return masked_l1(pred_mag, target_mag, mask)


def matting_losses(
    alpha: torch.Tensor,
    alpha_true: torch.Tensor,
    fg: torch.Tensor,
    bg: torch.Tensor,
    image: torch.Tensor,
    unknown: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """The matting network's losses.

    Args:
        alpha: predicted alpha Bx1xHxW (already trimap-pasted outside the
            unknown region).
        alpha_true: ground truth Bx1xHxW.
        fg, bg: sampled colours Bx3xHxW in [0, 1].
        image: the input image Bx3xHxW in [0, 1] (same channel order).
        unknown: Bx1xHxW float, 1 on the trimap's unknown region.
    """
    composite = fg * alpha + bg * (1.0 - alpha)
    losses = {
        "alpha": masked_l1(alpha, alpha_true, unknown),
        "composition": masked_l1(composite, image, unknown),
        "gradient": gradient_l1(alpha, alpha_true, unknown),
    }
    losses["total"] = (losses["alpha"] + losses["composition"]) * 0.5 + losses["gradient"]
    return losses


def inpainting_losses(
    coarse: torch.Tensor,
    refined: torch.Tensor,
    target: torch.Tensor,
    hole: torch.Tensor,
    valid: torch.Tensor | None = None,
    whole_image_weight: float = 0.1,
    coarse_weight: float = 1.0,
) -> dict[str, torch.Tensor]:
    """A sampler's reconstruction losses.

    Args:
        coarse, refined: the two outputs of the DeepFill-style generator.
        target: the true colours (same range as the outputs).
        hole: Bx1xHxW, 1 where the network must invent colours.
        valid: optional Bx1xHxW, 1 where ``target`` means something (the
            foreground colour is unobservable, hence arbitrary, where
            alpha is 0); both terms are restricted to it.
    """
    region = hole if valid is None else hole * valid
    everywhere = torch.ones_like(hole) if valid is None else valid  # same normalisation as the hole term
    hole_loss = masked_l1(refined, target, region) + coarse_weight * masked_l1(coarse, target, region)
    whole_loss = masked_l1(refined, target, everywhere) + coarse_weight * masked_l1(coarse, target, everywhere)
    return {"hole": hole_loss, "whole": whole_loss, "total": hole_loss + whole_image_weight * whole_loss}
