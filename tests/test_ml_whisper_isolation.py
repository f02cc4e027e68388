"""Loading and using our Whisper transcriber leaves openai-whisper as it was.

Run in a fresh interpreter, so that nothing imported earlier in the test session can
have changed openai-whisper before the "before" snapshot is taken.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # loads and runs Whisper

REPO = Path(__file__).resolve().parents[1]
CALL = REPO / "sample_calls" / "calls" / "01_excellent_rep.ogg"

_CHILD = r"""
import importlib, inspect, json, sys

import numpy as np

MODULES = ("whisper", "whisper.decoding", "whisper.timing", "whisper.transcribe", "whisper.model")


def snapshot():
    # every global of openai-whisper's modules, and every attribute of their classes
    out = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for key, value in vars(module).items():
            out[f"{name}.{key}"] = value
            if inspect.isclass(value) and value.__module__ == name:
                for attr, member in vars(value).items():
                    out[f"{name}.{key}.{attr}"] = member
    return out


before = snapshot()
import whisper, whisper.decoding, whisper.model, whisper.timing
NAMED = ("whisper.timing.dtw", "whisper.timing.find_alignment", "whisper.timing.add_word_timestamps",
         "whisper.decoding.PyTorchInference", "whisper.decoding.DecodingTask",
         "whisper.decoding.DecodingTask.__init__", "whisper.decoding.DecodingTask.run",
         "whisper.model.Whisper.decode", "whisper.model.Whisper.transcribe")
originals = {name: eval(name) for name in NAMED}

from qa_coach.ingest.audio.decode import decode_audio
from qa_coach.ml import whisper_transcriber as wt

calls = []
real_dtw = wt._dtw
def counting_dtw(x):
    calls.append(x.shape)
    return real_dtw(x)
wt._dtw = counting_dtw  # our own module: only to see that word timing ran through it

audio = np.asarray(decode_audio(sys.argv[1]).channels[0][: 12 * 16000])
ours = wt.WhisperTranscriber("tiny.en")
segments = ours.transcribe(audio)
after = snapshot()

stock = whisper.load_model(str(wt.packaged_checkpoint("tiny.en")), device="cpu")
stock_words = [w for s in stock.transcribe(audio, language="en", fp16=False, word_timestamps=True)["segments"]
               for w in s["words"]]
print(json.dumps({
    "changed": sorted(k for k in before if after.get(k, KeyError) is not before[k]),
    "same_objects": {name: eval(name) is original for name, original in originals.items()},
    "our_class_is_a_subclass": type(ours.model) is not whisper.model.Whisper and isinstance(ours.model, whisper.model.Whisper),
    "stock_class": type(stock).__module__ + "." + type(stock).__qualname__,
    "our_words": sum(len(s.words) for s in segments),
    "our_dtw_calls": len(calls),
    "stock_words": len(stock_words),
}))
"""


@pytest.fixture(scope="module")
def child_report() -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(CALL)], capture_output=True, text=True, cwd=REPO,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_openai_whisper_modules_are_untouched_after_our_model_transcribes(child_report):
    assert child_report["our_words"] > 5 and child_report["our_dtw_calls"] > 0  # word timing really ran
    assert child_report["changed"] == []
    assert all(child_report["same_objects"].values()), child_report["same_objects"]


def test_only_our_model_is_our_subclass(child_report):
    assert child_report["our_class_is_a_subclass"]
    assert child_report["stock_class"] == "whisper.model.Whisper"
    assert child_report["stock_words"] > 5
