"""faster-whisper on a stereo call, each channel on its own, as a self-hosted pipeline runs it.

    .venv/bin/python bench/faster_whisper_baseline.py CALL.wav [--model base] [--json OUT]

The same packaged weights our engines read (our cached CTranslate2 folder, ``model.bin``
joined from its checked parts, loaded as a model folder with the package's tokenizer), int8 compute on CPU, beam search 5,
word timestamps, faster-whisper's own Silero voice-activity filter, English. Each channel
of the file is decoded by faster-whisper (PyAV) and transcribed in turn. A bench-only
baseline: faster-whisper is in the ``dev`` extra, never imported by qa_coach.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("call")
    ap.add_argument("--model", default="base")
    ap.add_argument("--json", help="write the words with their times here")
    args = ap.parse_args()
    from faster_whisper import WhisperModel
    from faster_whisper.audio import decode_audio

    from qa_coach.ml.whisper_checkpoint import PACKAGED_MODELS, packaged_ctranslate2_folder

    # faster-whisper's usual way: a model folder (our cached CTranslate2 folder, the same
    # files our engine loads) with the packaged tokenizer.json beside it
    spec = PACKAGED_MODELS[args.model]
    tokenizer = spec.vocabulary.relpath.replace("vocabulary.txt", "tokenizer.json")
    import importlib.util
    import tempfile

    package = Path(list(importlib.util.find_spec(spec.vocabulary.package).submodule_search_locations)[0])
    model_dir = Path(tempfile.mkdtemp(prefix="faster-whisper-"))
    for file in packaged_ctranslate2_folder(args.model).iterdir():
        if file.name in ("model.bin", "config.json", "vocabulary.txt"):
            (model_dir / file.name).symlink_to(file)
    (model_dir / "tokenizer.json").symlink_to(package / tokenizer)
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8",
                         cpu_threads=len(os.sched_getaffinity(0)))
    import shutil

    shutil.rmtree(model_dir)  # the links only: the model and tokenizer are read at load
    channels = decode_audio(args.call, split_stereo=True)
    words = []
    for ch, audio in enumerate(channels):
        segments, _ = model.transcribe(audio, language="en", beam_size=5, word_timestamps=True, vad_filter=True)
        for seg in segments:
            words += [(ch, w.word, w.start, w.end) for w in seg.words or ()]
    if args.json:
        Path(args.json).write_text(json.dumps(words))
    print(f"{len(words)} words")


if __name__ == "__main__":
    main()
