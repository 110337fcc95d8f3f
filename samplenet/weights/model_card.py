"""The model card (``README.md``) written next to the weights.

The Hugging Face Hub renders this file as the repository's page; its YAML
front matter sets the licence, the library and the tags the Hub indexes.
The card says where the tensors came from (copied from ``config.json``'s
provenance) so a downloaded folder documents itself.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

FRONT_MATTER = """---
license: mit
library_name: samplenet
tags:
- image-matting
- alpha-matting
- samplenet
- pytorch
---
"""

CITATION = """@inproceedings{tang2019learning,
  title     = {Learning-based Sampling for Natural Image Matting},
  author    = {Tang, Jingwei and Aksoy, Ya{\\u{g}}{\\i}z and {\\"O}ztireli, Cengiz and
               Gross, Markus and Ayd{\\i}n, Tun{\\c{c}} Ozan},
  booktitle = {Proc. CVPR},
  year      = {2019}
}"""


def render_model_card(config: Mapping[str, Any], parameter_count: int) -> str:
    """Markdown text of the model card for weights described by ``config``."""
    provenance = config.get("provenance") or {}
    provenance_text = json.dumps(provenance, indent=2, sort_keys=True)
    summary = provenance.get("description") or provenance.get("source") or "not recorded"
    return f"""{FRONT_MATTER}
# SampleNet weights

Weights for the `samplenet` Python package, an implementation of
**Learning-based Sampling for Natural Image Matting** (Tang, Aksoy, Öztireli, Gross, Aydın, CVPR 2019).
Given a photo and a trimap, SampleNet inpaints the background behind the subject, then the
foreground, and predicts the alpha matte from the image, the trimap and both sampled colours.

- Architecture: `{config.get("architecture")}` (format version {config.get("format_version")}),
  matting network input channels: {config.get("in_channels")}, default contextual-attention
  implementation: `{config.get("attention")}`
- Parameters: {parameter_count:,} in `model.safetensors` (keys `background.*`, `foreground.*`, `matting.*`)
- Origin: {summary}

## Use

With the `samplenet` package installed:

```bash
samplenet predict photo.jpg trimap.png --out out/ --engine samplenet --weights REPO_ID_OR_FOLDER
```

```python
import samplenet

matter = samplenet.load(engine="samplenet", weights="REPO_ID_OR_FOLDER")
result = matter("photo.jpg", "trimap.png")   # trimap: 0 background, 255 foreground, grey unknown
result.cutout()                              # RGBA uint8

from samplenet.weights import load_pretrained
model = load_pretrained("REPO_ID_OR_FOLDER")  # the torch.nn.Module, in eval mode
```

Setting the environment variable `SAMPLENET_WEIGHTS` to the repo id or folder makes it the default.

## Provenance

```json
{provenance_text}
```

## Citation

```bibtex
{CITATION}
```
"""
