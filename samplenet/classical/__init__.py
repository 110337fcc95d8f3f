"""Building blocks of the weight-free ("classical") matting engine.

The engine solves one sparse linear system for alpha built from
information-flow matting's affinities (:mod:`.flows`: colour mixtures,
known-to-unknown, intra-unknown) and the closed-form matting Laplacian,
with a sampled-colour data term where the sampled pair is reliable
(:mod:`.sampling`); :mod:`.solver` runs preconditioned conjugate gradients
within a budget.  Final colours for the cut-out come from a proper
foreground/background estimation (:mod:`.colours`).
"""
from .runtime import prepare_numba_cache

# before any submodule imports pymatting (and with it numba)
prepare_numba_cache()
