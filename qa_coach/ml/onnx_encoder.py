"""The scoring encoder as ONNX Runtime graphs, exported once into the user's cache.

The packaged MiniLM and the sentiment branch are exported from
:class:`qa_coach.ml.sentiment_model.ScoringGraph` into two graphs: ``embed`` (embeddings)
and ``analyze`` (embeddings and sentiment probabilities, sharing the trunk). Running them
in ONNX Runtime gives the same numbers as PyTorch (cosine 1.0000) without importing torch
or transformers at run time: a cold start is about a second instead of six.

``int8`` (``QA_COACH_PRECISION=int8``) adds quantised copies: int8 weights per output
channel and uint8 activations with one scale per token. ONNX Runtime's own dynamic
quantisation uses one scale per batch, which makes a sentence's embedding depend on the
other sentences batched with it (up to 0.08 apart here), so a conversation's score would
depend on what else was scored at the same time; per-token scales keep every text's result
independent of its batch and are closer to fp32 (median cosine 0.995). See
``bench/bench_scoring.py`` for what each precision buys.

The graphs are derived files: built from the verified weights into a temporary folder,
their SHA-256s written to a manifest, the folder renamed into place under a file lock, so
two processes starting at once build it once and a reader sees a whole, checked set or
nothing. The cache key covers what the files depend on (weights, torch, onnx,
onnxruntime and :data:`EXPORT_VERSION`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

from qa_coach.domain.errors import ModelMissingError
from qa_coach.ml.cache import cache_dir

EXPORT_VERSION = 2
GRAPHS = ("embed", "analyze")  # embeddings only; embeddings + sentiment probabilities
PRECISIONS = ("fp32", "int8")
MANIFEST = "manifest.json"
INSTALL_HINT = "Install the runtime with: pip install onnxruntime onnx (both are dependencies of qa-coach)."


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def cache_key() -> str:
    from qa_coach.ml.encoder import ENCODER_SHA256
    from qa_coach.ml.paths import MANIFEST_FILE

    sentiment = json.loads(MANIFEST_FILE.read_text(encoding="utf-8"))["sha256"]
    parts = [ENCODER_SHA256, sentiment, _version("torch"), _version("onnxruntime"), _version("onnx"), str(EXPORT_VERSION)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def graph_file(name: str, precision: str) -> str:
    return f"{name}.{precision}.onnx"


def model_dir() -> Path:
    """The folder with the graphs, built on first use (about 30 s, needs torch) and verified."""
    from filelock import FileLock

    target = cache_dir() / "onnx" / cache_key()
    if _valid(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if _valid(target):  # another process built it while we waited
            return target
        shutil.rmtree(target, ignore_errors=True)  # a folder that failed its check
        tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent))
        try:
            build(tmp)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if not _valid(target):
        raise ModelMissingError(f"the ONNX encoder built in {target} fails its checksum; delete the folder and retry")
    return target


def _valid(folder: Path) -> bool:
    from qa_coach.ml.encoder import verify_file

    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        for name in GRAPHS:
            for precision in PRECISIONS:
                file = graph_file(name, precision)
                verify_file(folder / file, manifest[file], how_to_fix="")
    except (OSError, ValueError, KeyError, ModelMissingError):
        return False
    return True


def build(folder: Path) -> None:
    """Export both graphs from the verified PyTorch models, and their int8 copies, into ``folder``."""
    import warnings

    import torch

    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelMissingError(f"cannot build the ONNX encoder: {exc}. {INSTALL_HINT}") from exc
    from qa_coach.ml.encoder import load_encoder
    from qa_coach.ml.sentiment_model import ScoringGraph, load_branch

    encoder = load_encoder()
    branch = load_branch(encoder.model)
    example = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
    manifest = {}
    for name in GRAPHS:
        graph = ScoringGraph(encoder.model, branch, with_sentiment=name == "analyze").eval()
        outputs = ["embeddings", "probabilities"] if name == "analyze" else ["embeddings"]
        fp32 = folder / graph_file(name, "fp32")
        axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
        axes.update({out: {0: "batch"} for out in outputs})
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                graph, example, str(fp32), input_names=["input_ids", "attention_mask"], output_names=outputs,
                dynamic_axes=axes, opset_version=17, dynamo=False,
            )
        int8 = folder / graph_file(name, "int8")
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # the quantiser logs advice about pre-processing on every call
        try:
            quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.setLevel(level)
        per_token_activations(int8)
        for path in (fp32, int8):
            manifest[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def per_token_activations(path: Path) -> None:
    """Rewrite each ``DynamicQuantizeLinear`` (one scale per batch) into a symmetric
    per-token quantiser: scale = max|x| / 127 over the token's features, zero point 128.

    ``MatMulInteger`` takes a scalar activation zero point, so the symmetric form with a
    fixed zero point keeps ONNX Runtime's uint8 x int8 kernel; the per-token scale flows
    into the existing rescaling ``Mul`` by broadcasting.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    consts = {
        "pt_eps": np.array(1e-8, np.float32),
        "pt_127": np.array(127.0, np.float32),
        "pt_128": np.array(128.0, np.float32),
        "pt_0": np.array(0.0, np.float32),
        "pt_255": np.array(255.0, np.float32),
        "pt_zero_point": np.array(128, np.uint8),
    }
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in consts.items())
    nodes, zero_points = [], set()
    for node in graph.node:
        if node.op_type != "DynamicQuantizeLinear":
            nodes.append(node)
            continue
        x, (q, scale, zero_point), p = node.input[0], node.output, node.name
        zero_points.add(zero_point)
        nodes += [
            helper.make_node("Abs", [x], [p + "_abs"]),
            helper.make_node("ReduceMax", [p + "_abs"], [p + "_absmax"], axes=[-1], keepdims=1),
            helper.make_node("Max", [p + "_absmax", "pt_eps"], [p + "_range"]),
            helper.make_node("Div", [p + "_range", "pt_127"], [scale]),
            helper.make_node("Div", [x, scale], [p + "_scaled"]),
            helper.make_node("Round", [p + "_scaled"], [p + "_rounded"]),
            helper.make_node("Add", [p + "_rounded", "pt_128"], [p + "_shifted"]),
            helper.make_node("Clip", [p + "_shifted", "pt_0", "pt_255"], [p + "_clipped"]),
            helper.make_node("Cast", [p + "_clipped"], [q], to=TensorProto.UINT8),
        ]
    for node in nodes:
        for i, name in enumerate(node.input):
            if name in zero_points:
                node.input[i] = "pt_zero_point"
    del graph.node[:]
    graph.node.extend(nodes)
    stale = [v for v in graph.value_info if v.name.endswith(("_scale", "_zero_point", "scales_mul:0"))]
    for v in stale:
        graph.value_info.remove(v)
    onnx.save(model, str(path))


class OnnxBackend:
    """Runs a padded batch through the graphs of one precision (ONNX Runtime, CPU)."""

    def __init__(self, folder: Path, precision: str = "fp32", *, threads: int | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ModelMissingError(f"onnxruntime is not installed ({exc}). {INSTALL_HINT}") from exc
        self.precision = precision
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Threads that spin between batches take the core the scorer's own Python needs
        # (measured here: 5.1 s vs 6.4 s for the same batches with spinning allowed).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if precision == "int8":
            # The extended fusions (MatMulIntegerToFloat) assume one activation scale per
            # tensor and give wrong results with per-token scales.
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        self._sessions = {
            name: ort.InferenceSession(str(folder / graph_file(name, precision)), options, providers=["CPUExecutionProvider"])
            for name in GRAPHS
        }
        self.dim = int(self._sessions["embed"].get_outputs()[0].shape[-1] or 384)

    def run(self, input_ids: np.ndarray, mask: np.ndarray, with_sentiment: bool) -> tuple[np.ndarray, np.ndarray | None]:
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if with_sentiment:
            emb, probs = self._sessions["analyze"].run(None, feeds)
            return emb, probs
        return self._sessions["embed"].run(None, feeds)[0], None
