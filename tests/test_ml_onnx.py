"""The ONNX Runtime encoder: the same numbers and scores as the PyTorch modules, results
independent of batching, no torch at run time, and a cache that two processes build once
and that rebuilds a damaged graph."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time
from pathlib import Path

import numpy as np
import pytest

from qa_coach.domain.errors import QACoachError
from qa_coach.evaluation.scorer_accuracy import load_labelled
from qa_coach.ml import onnx_encoder
from qa_coach.ml.text_signals import LocalTextSignals, load_text_signals

pytestmark = pytest.mark.slow  # exports and runs the real encoder graphs

@pytest.fixture(scope="module")
def signals():
    from qa_coach.ml.encoder import load_encoder, load_tokenizer
    from qa_coach.ml.sentiment_model import load_branch
    from qa_coach.ml.text_signals import TorchBackend

    encoder = load_encoder()
    torch_signals = LocalTextSignals(load_tokenizer(), TorchBackend(encoder, load_branch(encoder.model)))
    return {"torch": torch_signals, "onnx": load_text_signals()}


@pytest.fixture(scope="module")
def labelled():
    return load_labelled()


@pytest.fixture(scope="module")
def sentences(labelled):
    from qa_coach.domain.detectors.base import build_units

    texts = list(dict.fromkeys(u.text for c in labelled for u in build_units(c.interaction)))
    assert len(texts) > 1000
    return texts


def _probs(analysis) -> np.ndarray:
    return np.array([[s.negative, s.neutral, s.positive] for s in analysis.sentiments])


def test_onnx_graphs_compute_what_pytorch_computes(signals, sentences):
    ours, ref = signals["onnx"].analyze(sentences), signals["torch"].analyze(sentences)
    np.testing.assert_allclose(ours.embeddings, ref.embeddings, atol=2e-5)
    np.testing.assert_allclose(_probs(ours), _probs(ref), atol=2e-4)


def test_scores_equal_the_pytorch_path(signals, labelled):
    from qa_coach.domain.scoring import Scorer
    from qa_coach.rubric.loader import load_rubric

    rubric = load_rubric()
    items = [c.interaction for c in labelled]
    onnx, ref = (Scorer(rubric, signals[name]).score_many(items) for name in ("onnx", "torch"))
    assert [[r.answer for r in card.results] for card in onnx] == [[r.answer for r in card.results] for card in ref]
    assert [card.score for card in onnx] == pytest.approx([card.score for card in ref], abs=1e-6)


def test_a_text_gets_the_same_result_whatever_it_is_batched_with(signals):
    """The same conversation must get the same scorecard whatever else is scored with it."""
    backend, tokenizer = signals["onnx"].backend, signals["onnx"]._tokenizer
    texts = ["I was charged twice", "thanks for holding", "what's the postcode on the account?",
             "I've been on hold for forty minutes and the line keeps dropping, third time I've called"]
    alone = np.stack([LocalTextSignals(tokenizer, backend).analyze([t]).embeddings[0] for t in texts])
    together = LocalTextSignals(tokenizer, backend).analyze(texts).embeddings
    np.testing.assert_allclose(alone, together, atol=1e-5)


def test_analyze_and_embed_give_the_same_embeddings(signals):
    texts = ["Thank you for calling, how can I help?", "ok", "my router keeps dropping the line every evening"]
    backend, tokenizer = signals["onnx"].backend, signals["onnx"]._tokenizer
    np.testing.assert_allclose(
        LocalTextSignals(tokenizer, backend).analyze(texts).embeddings,
        LocalTextSignals(tokenizer, backend).embed(texts),
        atol=1e-5,
    )


def test_scoring_needs_neither_torch_nor_transformers_once_the_graphs_exist(signals):
    import subprocess
    import sys

    code = (
        "import sys, qa_coach; from qa_coach.ingest import import_text;"
        "c = qa_coach.score(import_text('Agent: Hi, how can I help?\\nCustomer: my bill is wrong', format='text'));"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def _worker(cache_root: str, start_at: float, out) -> None:
    os.environ["QA_COACH_CACHE_DIR"] = cache_root
    while time.time() < start_at:
        time.sleep(0.005)
    out.put(str(onnx_encoder.model_dir()))


def test_two_processes_build_the_cache_once_and_a_damaged_graph_is_rebuilt(tmp_path, monkeypatch):
    """Both processes get the same verified folder and no temporary folder is left; a graph
    damaged later fails its checksum and is rebuilt, not loaded."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 8  # both spawned interpreters are up and waiting by then
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), start_at, out)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    folders = {out.get(timeout=5), out.get(timeout=5)}
    assert len(folders) == 1
    folder = Path(folders.pop())
    graphs = sorted(onnx_encoder.graph_file(g) for g in onnx_encoder.GRAPHS)
    assert sorted(p.name for p in folder.iterdir()) == sorted(graphs + ["manifest.json"])
    assert not [p for p in folder.parent.iterdir() if p.name.endswith(".tmp")]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(manifest) == graphs

    monkeypatch.setenv("QA_COACH_CACHE_DIR", str(tmp_path))
    graph = folder / onnx_encoder.graph_file("embed")
    graph.write_bytes(graph.read_bytes()[: graph.stat().st_size // 2])  # a truncated copy
    assert not onnx_encoder._valid(folder)
    assert onnx_encoder.model_dir() == folder
    assert onnx_encoder._valid(folder)
    rebuilt = json.loads((folder / "manifest.json").read_text())
    assert rebuilt[graph.name] == manifest[graph.name]  # the export is reproducible
