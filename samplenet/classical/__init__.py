"""Building blocks of the weight-free ("classical") matting engine.

The engine follows SampleNet's idea with classical tools: sample a
foreground and a background colour for every unknown pixel
(:mod:`.sampling`), turn the pair into an alpha estimate with a confidence,
and let a matting-Laplacian smoothness prior spread alpha where the samples
are unreliable (:mod:`.propagation`).  Final colours for the cut-out come
from a proper foreground/background estimation (:mod:`.colours`).
"""
