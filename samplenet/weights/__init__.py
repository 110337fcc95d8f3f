"""SampleNet weights: where they come from, how they are stored and loaded.

* :func:`locate_weights` finds a weights folder (argument, ``SAMPLENET_WEIGHTS``
  or a Hugging Face Hub repo id).
* :func:`load_pretrained` / :func:`save_pretrained` read and write it
  (``model.safetensors`` + ``config.json`` + ``README.md``).
* :func:`convert_reference_checkpoints` turns the reference implementation's
  ``.pth`` files into such a folder (``samplenet convert``).
* :func:`push_to_hub` uploads one (``samplenet push``).
"""
from .folder import CONFIG_NAME, FORMAT_VERSION, WEIGHTS_NAME
from .hub import check_weights_folder, push_to_hub
from .locate import ENV_VAR, HOW_TO_GET_WEIGHTS, locate_weights
from .pretrained import load_pretrained, save_pretrained
from .reference import convert_reference_checkpoints, read_reference_state_dict

__all__ = [
    "CONFIG_NAME",
    "ENV_VAR",
    "FORMAT_VERSION",
    "HOW_TO_GET_WEIGHTS",
    "WEIGHTS_NAME",
    "check_weights_folder",
    "convert_reference_checkpoints",
    "load_pretrained",
    "locate_weights",
    "push_to_hub",
    "read_reference_state_dict",
    "save_pretrained",
]
