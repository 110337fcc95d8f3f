"""The neural networks of SampleNet: the two inpainting samplers and the matting network."""
