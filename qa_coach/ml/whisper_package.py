"""openai-whisper's own files, read without importing the package.

``import whisper`` imports PyTorch (about 250 MB of memory on its own), which the fast
engine does not run. What it takes from openai-whisper is plain Python and data: the
tokenizer module (tiktoken and the package's vocabularies) and the mel filter bank. Both
are read here from the installed package, so the fast engine keeps openai-whisper's
tokenizer and features (the engine of record) without PyTorch in the process.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import numpy as np

from qa_coach.domain.errors import ModelMissingError

_TOKENIZER_MODULE = "qa_coach.ml._openai_whisper_tokenizer"


def package_dir() -> Path:
    """The installed openai-whisper package's folder (found, not imported)."""
    spec = importlib.util.find_spec("whisper")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(
            "speech recognition needs the package 'openai-whisper'. Install it with: pip install openai-whisper"
        )
    return Path(list(spec.submodule_search_locations)[0])


@lru_cache(maxsize=1)
def _tokenizer_module() -> ModuleType:
    """openai-whisper's ``tokenizer.py``, run as a module of its own (it imports only the
    standard library and tiktoken, and finds its vocabularies beside itself)."""
    path = package_dir() / "tokenizer.py"
    spec = importlib.util.spec_from_file_location(_TOKENIZER_MODULE, path)
    if spec is None or spec.loader is None:
        raise ModelMissingError(f"openai-whisper's tokenizer is missing ({path}); reinstall openai-whisper")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_TOKENIZER_MODULE] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def get_tokenizer(multilingual: bool, *, num_languages: int, language: str | None, task: str):
    """openai-whisper's ``get_tokenizer``: the same vocabulary, special tokens and word split."""
    return _tokenizer_module().get_tokenizer(multilingual, num_languages=num_languages, language=language,
                                             task=task)


@lru_cache(maxsize=2)
def mel_filters(n_mels: int) -> np.ndarray:
    """openai-whisper's mel filter bank (``assets/mel_filters.npz``), ``n_mels`` × 201."""
    if n_mels not in (80, 128):
        raise ValueError(f"openai-whisper has mel filters for 80 or 128 bands, not {n_mels}")
    with np.load(package_dir() / "assets" / "mel_filters.npz", allow_pickle=False) as f:
        return np.asarray(f[f"mel_{n_mels}"], np.float32)


__all__ = ["get_tokenizer", "mel_filters", "package_dir"]
