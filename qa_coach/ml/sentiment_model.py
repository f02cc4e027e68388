"""The sentiment branch: the encoder's top layers with a LoRA delta, plus a linear head.

The lower ``6 - k`` layers of MiniLM are shared and frozen; the plain embedding runs the
original top ``k`` layers, the sentiment branch runs copies of them with the trained
low-rank update merged in. Only the LoRA matrices and the head are shipped
(``weights/sentiment_lora.safetensors``), checked against the SHA-256 in its manifest.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from qa_coach.domain.errors import ModelMissingError
from qa_coach.ml.paths import MANIFEST_FILE, WEIGHTS_FILE

LABELS = ("negative", "neutral", "positive")
WEIGHTS_HINT = (
    "The sentiment weights ship inside qa_coach (qa_coach/ml/weights/): reinstall it with "
    "`pip install --force-reinstall qa-coach`, or from a source checkout rebuild them with "
    "`python -m qa_coach.ml.train_sentiment`."
)
# Linear layers inside one BertLayer that get a low-rank update.
LORA_TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


class LoRALinear(nn.Module):
    """``base(x) + scale * B(A(x))`` with ``base`` frozen (used for training only)."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float = 0.0) -> None:
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.scale = alpha / rank
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (self.dropout(x) @ self.lora_a.T @ self.lora_b.T) * self.scale


def _get(module: nn.Module, dotted: str) -> nn.Module:
    for part in dotted.split("."):
        module = getattr(module, part)
    return module


def _set(module: nn.Module, dotted: str, value: nn.Module) -> None:
    parent, _, leaf = dotted.rpartition(".")
    setattr(_get(module, parent) if parent else module, leaf, value)


def top_layers(bert: nn.Module, k: int) -> list[nn.Module]:
    return list(bert.encoder.layer[len(bert.encoder.layer) - k :])


def lora_branch(bert: nn.Module, k: int, rank: int, alpha: float, dropout: float) -> nn.ModuleList:
    """Trainable copies of the top ``k`` layers, each target Linear wrapped in LoRA."""
    layers = nn.ModuleList(copy.deepcopy(layer) for layer in top_layers(bert, k))
    for layer in layers:
        for p in layer.parameters():
            p.requires_grad_(False)
        for name in LORA_TARGETS:
            _set(layer, name, LoRALinear(_get(layer, name), rank, alpha, dropout))
    return layers


def delta_state(layers: nn.ModuleList, head: nn.Linear) -> dict[str, torch.Tensor]:
    """The shippable part: LoRA matrices per layer and target, and the head."""
    state: dict[str, torch.Tensor] = {}
    for i, layer in enumerate(layers):
        for name in LORA_TARGETS:
            lora = _get(layer, name)
            state[f"layers.{i}.{name}.lora_a"] = lora.lora_a.detach().clone().contiguous()
            state[f"layers.{i}.{name}.lora_b"] = lora.lora_b.detach().clone().contiguous()
    state["head.weight"] = head.weight.detach().clone().contiguous()
    state["head.bias"] = head.bias.detach().clone().contiguous()
    return state


@dataclass(frozen=True)
class SentimentBranch:
    """Merged top layers and head, ready for inference."""

    layers: nn.ModuleList
    head: nn.Linear
    top_k: int


def load_branch(bert: nn.Module, weights: Path = WEIGHTS_FILE, manifest: Path = MANIFEST_FILE) -> SentimentBranch:
    """Copy the encoder's top layers, merge the verified LoRA delta into them, load the head."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from qa_coach.ml.encoder import verify_file

    try:
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        expected, k, rank, alpha = meta["sha256"], int(meta["top_layers"]), int(meta["rank"]), float(meta["alpha"])
    except (OSError, ValueError, KeyError) as exc:
        raise ModelMissingError(f"sentiment manifest {manifest} is missing or unreadable ({exc}). {WEIGHTS_HINT}") from exc
    verify_file(weights, expected, how_to_fix=WEIGHTS_HINT)
    try:
        state = load_file(str(weights))
    except (OSError, SafetensorError) as exc:
        raise ModelMissingError(f"cannot read sentiment weights {weights}: {exc}. {WEIGHTS_HINT}") from exc
    layers = nn.ModuleList(copy.deepcopy(layer) for layer in top_layers(bert, k))
    scale = alpha / rank
    with torch.no_grad():
        for i, layer in enumerate(layers):
            for name in LORA_TARGETS:
                linear = _get(layer, name)
                a, b = state[f"layers.{i}.{name}.lora_a"], state[f"layers.{i}.{name}.lora_b"]
                linear.weight += (b.float() @ a.float()) * scale
        head = nn.Linear(state["head.weight"].shape[1], state["head.weight"].shape[0])
        head.weight.copy_(state["head.weight"].float())
        head.bias.copy_(state["head.bias"].float())
    layers.eval()
    head.eval()
    for p in list(layers.parameters()) + list(head.parameters()):
        p.requires_grad_(False)
    return SentimentBranch(layers=layers, head=head, top_k=k)


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """sentence-transformers' mean pooling over the tokens the attention mask keeps."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def run_layers(layers, hidden: torch.Tensor, mask4d) -> torch.Tensor:
    for layer in layers:
        hidden = layer(hidden, mask4d)
    return hidden


def trunk(bert: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor, upto: int):
    """Embeddings and the first ``upto`` layers; returns the hidden states and layer mask."""
    from transformers.masking_utils import create_bidirectional_mask

    hidden = bert.embeddings(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids))
    mask4d = create_bidirectional_mask(config=bert.config, inputs_embeds=hidden, attention_mask=attention_mask)
    return run_layers(bert.encoder.layer[:upto], hidden, mask4d), mask4d


class ScoringGraph(nn.Module):
    """Token ids to normalised embeddings (and, ``with_sentiment``, sentiment probabilities).

    The trunk runs once; the original top layers give the sentence-transformers embedding
    and the LoRA-merged copies the sentiment. The ONNX graphs the product runs are exported
    from it (qa_coach.ml.onnx_encoder), so both compute the same thing.
    """

    def __init__(self, bert: nn.Module, branch: SentimentBranch, *, with_sentiment: bool) -> None:
        super().__init__()
        self.bert, self.branch, self.with_sentiment = bert, branch, with_sentiment
        self.split = len(bert.encoder.layer) - branch.top_k

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        lower, mask4d = trunk(self.bert, input_ids, attention_mask, self.split)
        top = run_layers(self.bert.encoder.layer[self.split :], lower, mask4d)
        emb = torch.nn.functional.normalize(mean_pool(top, attention_mask), dim=-1)
        if not self.with_sentiment:
            return emb
        hidden = run_layers(self.branch.layers, lower, mask4d)
        return emb, torch.softmax(self.branch.head(mean_pool(hidden, attention_mask)), dim=-1)
