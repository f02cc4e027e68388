"""The turn tagger at run time: small heads on the embedding the scorer already computes.

Each tag of :data:`qa_coach.domain.turn_tags.TAGS` has a head on the 384-d sentence
embedding of a turn (the L2-normalised mean-pooled MiniLM embedding of
:mod:`qa_coach.ml.text_signals`): no second encoder pass, and NumPy only. A turn gets
probabilities for its own speaker's tags; the other speaker's tags, and every tag of a
bot, system or note turn, are 0. A tag is *on* when its probability reaches the
threshold picked for it on held-out folds.

The heads live in ``weights/tagger.safetensors``; ``weights/tagger.json`` is their
manifest (SHA-256, tag order, thresholds), checked at load. Rebuild both with
``python -m qa_coach.ml.train_tagger``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from qa_coach.domain.errors import ModelMissingError
from qa_coach.domain.interaction import Role
from qa_coach.domain.turn_tags import TAG_NAMES, TAGS, tag_named
from qa_coach.ml.cache import verify_sha256
from qa_coach.ml.paths import WEIGHTS_DIR

WEIGHTS_FILE = WEIGHTS_DIR / "tagger.safetensors"
MANIFEST_FILE = WEIGHTS_DIR / "tagger.json"
METRICS_FILE = WEIGHTS_DIR / "tagger_metrics.json"
HINT = (
    "The turn tagger's heads ship inside qa_coach (qa_coach/ml/weights/): reinstall it with "
    "`pip install --force-reinstall qa-coach`, or from a source checkout rebuild them with "
    "`python -m qa_coach.ml.train_tagger`."
)
# Row 0: no tags (bots, systems, notes); then one row per party: which tags it can carry.
_SPEAKER_ROW = {Role.AGENT: 1, Role.CUSTOMER: 2}
_SPEAKER_MASKS = np.array(
    [[0.0] * len(TAGS)] + [[float(t.speaker is role) for t in TAGS] for role in _SPEAKER_ROW], dtype=np.float32
)


def _role(value: Role | str) -> Role | None:
    if isinstance(value, Role):
        return value
    try:
        return Role(str(value).lower())
    except ValueError:
        return None


@dataclass(frozen=True, eq=False)
class TurnTagger:
    """Heads for every tag: ``layers`` are (weight, bias) pairs, ReLU between them, then a sigmoid."""

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    thresholds: np.ndarray  # (len(TAGS),) in TAG_NAMES order
    tags: tuple[str, ...] = TAG_NAMES

    @property
    def dim(self) -> int:
        return int(self.layers[0][0].shape[1])

    def tag(self, embeddings: np.ndarray, roles: Sequence[Role | str]) -> np.ndarray:
        """Probabilities, shape (n, len(TAGS)), in TAG_NAMES order; 0 for tags a turn's speaker cannot carry."""
        x = np.asarray(embeddings, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"expected embeddings of shape (n, {self.dim}), got {x.shape}")
        if len(roles) != len(x):
            raise ValueError(f"{len(x)} embeddings but {len(roles)} roles")
        for i, (weight, bias) in enumerate(self.layers):
            x = x @ weight.T + bias
            if i < len(self.layers) - 1:
                np.maximum(x, 0.0, out=x)
        probs = 1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))
        speaker = np.array([_SPEAKER_ROW.get(_role(r), 0) for r in roles], dtype=np.intp)
        return (probs * _SPEAKER_MASKS[speaker]).astype(np.float32, copy=False)

    def column(self, name: str) -> int:
        """The column of tag ``name`` in :meth:`tag`'s output (ValueError listing the tags if unknown)."""
        return self.tags.index(tag_named(name).name)

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """Boolean (n, len(TAGS)): each probability against its tag's threshold."""
        return np.asarray(probabilities) >= self.thresholds

    def tag_names(self, embeddings: np.ndarray, roles: Sequence[Role | str]) -> list[frozenset[str]]:
        """The tags that are on for each turn."""
        on = self.decide(self.tag(embeddings, roles))
        return [frozenset(name for name, flag in zip(self.tags, row) if flag) for row in on]


def load_turn_tagger(weights: Path = WEIGHTS_FILE, manifest: Path = MANIFEST_FILE) -> TurnTagger:
    """Load and check the heads; :class:`ModelMissingError` names the file and what is wrong."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        expected, tags, thresholds = meta["sha256"], tuple(meta["tags"]), meta["thresholds"]
        n_layers = int(meta["layers"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelMissingError(f"turn tagger manifest {manifest} is missing or unreadable ({exc}). {HINT}") from exc
    if tags != TAG_NAMES:
        raise ModelMissingError(
            f"turn tagger manifest {manifest} lists the tags {list(tags)}, but this version of qa_coach has "
            f"{list(TAG_NAMES)}. {HINT}"
        )
    verify_sha256(weights, expected, how_to_fix=HINT, what="turn tagger weights")
    try:
        state = load_file(str(weights))
        layers = tuple(
            (state[f"layer{i}.weight"].astype(np.float32), state[f"layer{i}.bias"].astype(np.float32))
            for i in range(n_layers)
        )
        thresholds_array = np.array([float(thresholds[name]) for name in TAG_NAMES], dtype=np.float32)
    except (OSError, SafetensorError, KeyError, ValueError, TypeError) as exc:
        raise ModelMissingError(f"cannot read turn tagger weights {weights}: {exc}. {HINT}") from exc
    if layers[-1][0].shape[0] != len(TAG_NAMES) or any(
        a[0].shape[0] != b[0].shape[1] for a, b in zip(layers, layers[1:])
    ):
        raise ModelMissingError(f"turn tagger weights {weights} have inconsistent shapes. {HINT}")
    return TurnTagger(layers=layers, thresholds=thresholds_array)


@cache
def default_turn_tagger() -> TurnTagger:
    """The shipped heads, loaded once per process."""
    return load_turn_tagger()
