"""Returning freed native memory to the system between large model steps.

CTranslate2 frees its buffers after each call, but glibc's allocator keeps freed blocks
of up to 32 MB in the process for reuse, so each step's peak (the encoder's attention, the
beams' cross-attention keys and values, the alignment's attention) would stay counted in
the process's memory on top of the next one. ``malloc_trim`` hands free pages back; it
takes milliseconds. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return None


def return_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim(0)``)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


__all__ = ["return_free_memory"]
