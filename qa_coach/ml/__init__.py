"""Model adapters: embeddings, sentiment, speech recognition. Heavy imports live here."""

import os as _os

# Set before any submodule imports torch or transformers: models load only from installed
# packages, and OpenMP threads sleep rather than spin while waiting (on a shared 2-core
# machine a spinning pool made MiniLM inference about 5x slower in our measurements).
_os.environ.setdefault("HF_HUB_OFFLINE", "1")
_os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
