"""The three SampleNet networks and their building blocks.

* :mod:`.background_sampler` / :mod:`.foreground_sampler`: DeepFill-v1
  inpainting generators that guess the colours hidden behind/in front of
  the unknown region (shared parts in :mod:`.inpainting`, conv blocks in
  :mod:`.layers`, the attention in :mod:`.contextual_attention`).
* :mod:`.matting_network`: the alpha network fed with image, F, B and trimap.
* :mod:`.samplenet`: the pipeline tying the three together.
"""
