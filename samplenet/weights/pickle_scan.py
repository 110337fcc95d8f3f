"""Which Python callables a pickled checkpoint would call, read without unpickling.

A ``.pth`` file is a pickle (inside a zip archive since PyTorch 1.6, as
``<archive>/data.pkl``; a sequence of pickles in the older "legacy" format).
Unpickling calls every function the pickle names in its ``GLOBAL`` /
``STACK_GLOBAL`` / ``INST`` opcodes, so a file can run ``os.system`` the
moment it is loaded.  ``torch.load(weights_only=True)`` refuses such files,
but the reason it gives varies between versions and comes with the advice to
load the file unrestricted.  We therefore list the names ourselves with
:mod:`pickletools` (which only parses) before ``torch.load`` sees the file,
and refuse any name outside :data:`TENSOR_GLOBALS` by name.
"""
from __future__ import annotations

import io
import os
import pickletools
import zipfile
from collections.abc import Iterator
from pathlib import Path

#: What a checkpoint of tensors in plain containers needs: ordered dicts,
#: the functions that rebuild tensors and parameters, and the storage types.
#: Everything else (a training script's classes, ``posix.system``,
#: ``builtins.eval``...) is refused.
TENSOR_GLOBALS = frozenset(
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._tensor._rebuild_from_type_v2",
        "torch.nn.parameter.Parameter",
        "torch.Tensor",
        "torch.Size",
        "torch.device",
        "torch.storage.UntypedStorage",
        "torch.storage.TypedStorage",
        "_codecs.encode",  # how protocol-2 pickles spell a bytes object
    }
    | {
        f"torch.{kind}Storage"
        for kind in ("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool",
                     "ComplexFloat", "ComplexDouble")
    }
)

#: The first pickle of a legacy (pre-zip) ``torch.save`` file holds this number.
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
#: Pickles at the start of a legacy file: magic number, protocol, system
#: info, the object, the storage keys (raw storage bytes follow).
LEGACY_PICKLES = 5

_STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING", "STRING"}
_MEMO_GETS = {"GET", "BINGET", "LONG_BINGET"}
_MEMO_PUTS = {"PUT", "BINPUT", "LONG_BINPUT"}


class UnsafePickleError(ValueError):
    """The pickle names a callable outside :data:`TENSOR_GLOBALS` (``name``),
    or hides which one it calls."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _globals_in(stream: io.BufferedIOBase) -> Iterator[str]:
    """``module.name`` of every global one pickle (read from ``stream`` up
    to its STOP) would look up.  ``STACK_GLOBAL`` takes its two strings
    from the stack; they are followed through the memo, and anything else
    in their place is refused rather than guessed."""
    memo: dict[int, object] = {}
    recent: list[object] = []  # what the last opcodes pushed: strings, or None for anything else
    for opcode, arg, _ in pickletools.genops(stream):
        name = opcode.name
        if name in ("GLOBAL", "INST"):
            module, _, attribute = str(arg).partition(" ")
            yield f"{module}.{attribute}"
            recent.append(None)
        elif name == "STACK_GLOBAL":
            if len(recent) < 2 or not all(isinstance(v, str) for v in recent[-2:]):
                raise UnsafePickleError(
                    "STACK_GLOBAL", "it looks up a callable whose name is computed, not written out"
                )
            yield f"{recent[-2]}.{recent[-1]}"
            recent[-2:] = [None]
        elif name in ("EXT1", "EXT2", "EXT4"):
            raise UnsafePickleError(name, "it calls a callable through the copyreg extension registry")
        elif name in _STRING_OPS:
            recent.append(arg if isinstance(arg, str) else None)
        elif name in _MEMO_GETS:
            recent.append(memo.get(arg))
        elif name in _MEMO_PUTS or name == "MEMOIZE":
            # they store the top of the stack without changing it
            memo[arg if name != "MEMOIZE" else len(memo)] = recent[-1] if recent else None
        elif name == "STOP":
            return
        elif name in ("FRAME", "PROTO"):
            continue  # framing, not the stack
        else:
            recent.append(None)


def _first_int(data: bytes) -> object:
    """The value of a pickle that is a single integer (the legacy magic
    number), read with pickletools only."""
    ops = list(pickletools.genops(io.BytesIO(data)))
    values = [
        arg
        for opcode, arg, _ in ops
        if opcode.name in ("LONG1", "LONG4", "LONG", "INT", "BININT", "BININT1", "BININT2")
    ]
    return values[0] if len(values) == 1 else None


def checkpoint_globals(path: str | os.PathLike) -> list[str]:
    """Every ``module.name`` the checkpoint at ``path`` would call when
    unpickled, in order, without unpickling anything.

    Handles the zip format (``*/data.pkl``), the legacy format (its first
    five pickles) and a plain pickle.

    Raises:
        UnsafePickleError: the pickle hides the callable it looks up.
        ValueError: not a pickle at all (``pickletools`` cannot parse it).
    """
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            pickles = [name for name in archive.namelist() if name == "data.pkl" or name.endswith("/data.pkl")]
            found: list[str] = []
            for name in pickles:
                found += _globals_in(io.BytesIO(archive.read(name)))
            return found
    with open(path, "rb") as handle:
        found = list(_globals_in(handle))
        end_of_first = handle.tell()
        handle.seek(0)
        if _first_int(handle.read(end_of_first)) != LEGACY_MAGIC_NUMBER:
            return found  # a plain pickle: that was all of it
        handle.seek(end_of_first)
        for _ in range(LEGACY_PICKLES - 1):
            found += _globals_in(handle)
    return found


def check_checkpoint_globals(path: str | os.PathLike) -> None:
    """Refuse a checkpoint that would call anything but what tensors need.

    Raises:
        UnsafePickleError: naming such callables (e.g. ``posix.system``), the
            first few in file order.
    """
    refused = list(dict.fromkeys(name for name in checkpoint_globals(path) if name not in TENSOR_GLOBALS))
    if refused:
        more = f" and {len(refused) - 3} more" if len(refused) > 3 else ""
        plural = "callables" if len(refused) > 1 else "a callable"
        raise UnsafePickleError(", ".join(refused[:3]) + more, f"{plural} that rebuilding tensors does not need")
