"""Where the committed sentiment delta lives (importable without torch)."""

from pathlib import Path

WEIGHTS_DIR = Path(__file__).with_name("weights")
WEIGHTS_FILE = WEIGHTS_DIR / "sentiment_lora.safetensors"
MANIFEST_FILE = WEIGHTS_DIR / "sentiment_lora.json"
