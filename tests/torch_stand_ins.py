"""A two-layer torch model whose first layer waits: the stand-in for a
network that is still running when the caller stops waiting (issue 30's
run budget), shared by the tests of the budget and of the app."""
from __future__ import annotations

import threading


def waiting_two_layer_model(release: threading.Event, ran: list[str]):
    """``Sequential(first, second)``: the first layer waits (up to 10 s) for
    ``release`` and each layer appends its name ("first layer", "second
    layer") to ``ran`` when it runs, so a test can see where a run stopped."""
    import torch

    class Waits(torch.nn.Module):
        def forward(self, x):
            release.wait(10)
            ran.append("first layer")
            return x

    class Counts(torch.nn.Module):
        def forward(self, x):
            ran.append("second layer")
            return x

    return torch.nn.Sequential(Waits(), Counts())
