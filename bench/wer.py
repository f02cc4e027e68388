"""WER per clip: our pipeline vs openai-whisper's own `whisper` command, same model, one run.

    .venv/bin/python bench/wer.py [--model base] [--engines fast,whisper] [--skip-attribution]

Every clip with a reference transcript under ../shared/extdata/audio is transcribed by
``transcribe_call`` with each of our engines (PyAV decode, silero-vad, packed speech, beam
search 5 as the command; ``fast``: CTranslate2, speech cut into chunks of up to 30 s decoded
as a batch; ``whisper``: openai-whisper on up to 120 s of packed speech at a time)
and by the `whisper` command (system ffmpeg, its default beam search 5) loading the same
converted checkpoint. Both texts and the references go through the same normaliser before jiwer
(lower case, no punctuation, numbers spelt out: up to two digits as a number, longer
digit strings digit by digit, "oh" as zero), so "1, 2, 3", "one two three" and
"10001-90210" compare as the references spell them. The attribution figure is measured on the 238 s AWS call interleaved into
one stereo file (see qa_coach.ingest.audio.attribution for what it counts). Its talk times
are checked against voice activity measured independently on each source channel file
(decoded on its own; silero-vad's own ``get_speech_timestamps``, one unbroken pass, same
thresholds), not the batched per-channel pass the pipeline uses on the stereo file.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jiwer
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
AUDIO = REPO.parent / "shared" / "extdata" / "audio"


def clips() -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    out.append((AUDIO / "whisper/jfk.flac", (AUDIO / "whisper/jfk.ref.txt").read_text()))
    out.append((AUDIO / "speech_recognition/english.wav", (AUDIO / "speech_recognition/english.ref.txt").read_text()))
    digits = (AUDIO / "sphinx4/10001-90210-01803.ref.txt").read_text()
    out += [(AUDIO / "sphinx4/10001-90210-01803.wav", digits), (AUDIO / "sphinx4/10001-90210-01803-8khz.wav", digits)]
    lib = AUDIO / "pocketsphinx/librivox"
    for name in (lib / "fileids").read_text().split():
        out.append((lib / f"{name}.wav", (lib / f"{name}.txt").read_text()))
    for line in (AUDIO / "pocketsphinx/cards/cards.transcription").read_text().splitlines():
        m = re.match(r"<s>(.*)</s>\s*\((\d+)\)", line.strip())
        if m:
            out.append((AUDIO / f"pocketsphinx/cards/{m.group(2)}.wav", m.group(1)))
    tsv = (AUDIO / "azure_speech_sdk/katiesteve.ref.tsv").read_text().splitlines()[1:]
    out.append((AUDIO / "azure_speech_sdk/katiesteve.wav", " ".join(l.split("\t")[2] for l in tsv)))
    return [(p, r) for p, r in out if p.exists()]


_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _spell(digits: str) -> str:
    if len(digits) > 2:
        return " ".join(_ONES[int(d)] for d in digits)
    n = int(digits)
    if n < 20:
        return _ONES[n]
    return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])


def normalise(text: str) -> str:
    text = re.sub(r"[-‐–—]", " ", text.lower())
    text = re.sub(r"[^a-z0-9' ]+", " ", text).replace("'", "")
    words = []
    for w in text.split():
        words += (_spell(w) if w.isdigit() else ("zero" if w == "oh" else w)).split()
    return " ".join(words)


def wer(normalise, ref: str, hyp: str) -> tuple[float, int]:
    r, h = normalise(ref), normalise(hyp)
    return jiwer.wer(r, h) if r else float(bool(h)), len(r.split())


def ours(paths: list[Path], model: str, beam_size: int, engine: str) -> tuple[list[str], float]:
    from qa_coach.ingest.audio.call import TranscribeOptions, transcribe_call

    options = TranscribeOptions(model=model, beam_size=beam_size, engine=engine)
    texts = []
    t0 = time.perf_counter()
    for p in paths:
        it = transcribe_call(p, options=options)
        texts.append(" ".join(t.text for t in it.turns))
    return texts, time.perf_counter() - t0


def baseline(paths: list[Path], checkpoint: Path) -> tuple[list[str], float]:
    exe = shutil.which("whisper") or str(Path(sys.executable).with_name("whisper"))
    if not shutil.which("ffmpeg"):
        sys.exit("the `whisper` command needs a system ffmpeg: apt-get install -y ffmpeg")
    with tempfile.TemporaryDirectory() as out:
        # Distinct names: two clips share a stem (the 8 kHz digits copy).
        links = []
        for i, p in enumerate(paths):
            link = Path(out) / f"clip{i:02d}{p.suffix}"
            link.symlink_to(p)
            links.append(link)
        t0 = time.perf_counter()
        subprocess.run(
            [exe, *map(str, links), "--model", str(checkpoint), "--language", "en",
             "--fp16", "False", "--output_format", "txt", "--output_dir", out, "--verbose", "False"],
            check=True, stdout=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - t0
        return [(Path(out) / f"clip{i:02d}.txt").read_text() for i in range(len(paths))], elapsed


def attribution(model: str, engine: str) -> None:
    from qa_coach.ingest.audio.attribution import word_attribution
    from qa_coach.ingest.audio.call import TranscribeOptions, transcribe_call_detailed
    from qa_coach.ingest.audio.decode import decode_audio
    from tests.audio_synth import read_wav16, write_wav16

    folder = AUDIO / "aws_lca_call_recordings"
    agent, rate = read_wav16(folder / "Auto_Repairs_49_UTC_agent.wav")
    caller, _ = read_wav16(folder / "Auto_Repairs_49_UTC_caller.wav")
    n = min(agent.shape[1], caller.shape[1])
    with tempfile.TemporaryDirectory() as tmp:
        stereo = write_wav16(Path(tmp) / "call.wav", np.stack([agent[0, :n], caller[0, :n]]), rate)
        mono = write_wav16(Path(tmp) / "mix.wav", ((agent[0, :n] + caller[0, :n]) / 2)[None], rate)
        channels = decode_audio(stereo).channels
        res = transcribe_call_detailed(stereo, options=TranscribeOptions(model=model, engine=engine))
        right, checked = word_attribution(res.words, channels)
        flipped, _ = word_attribution(res.words, channels, agent_channel=1)
        m = res.interaction.metrics
        print(f"\nattribution, stereo AWS call ({n / rate:.0f} s, {model}, engine {engine}): "
              f"{right}/{checked} words = {right / checked:.1%} "
              f"(same words with the channels' roles flipped: {flipped / checked:.1%})")
        for role, talk, name in (("agent", m.agent_talk, "agent"), ("customer", m.customer_talk, "caller")):
            voiced = _independent_voice_activity(folder / f"Auto_Repairs_49_UTC_{name}.wav", n / rate)
            print(f"talk time {role} {talk:.1f} s vs {voiced:.1f} s of voice activity on the source "
                  f"channel file (silero get_speech_timestamps): {talk / voiced - 1:+.1%}")
        print(f"warnings: {res.interaction.metadata['warnings']}")
        if engine != "whisper":
            reference = transcribe_call_detailed(stereo, options=TranscribeOptions(model=model, engine="whisper"))
            word_times(res.words, reference.words, engine)
        mres = transcribe_call_detailed(mono, options=TranscribeOptions(model=model, engine=engine))
        # Mono words checked against the original separate channels.
        right, checked = word_attribution(mres.words, channels)
        print(f"mono method on the mix of the same call: {right}/{checked} words = {right / checked:.1%} "
              f"on the speaker's channel (flipped: {word_attribution(mres.words, channels, 1)[0] / checked:.1%})")


def word_times(words, reference, engine: str) -> None:
    """Word times of ``engine`` against openai-whisper's (the engine of record) on the same
    call: per speaker, the two word sequences are matched word for word (difflib, on
    normalised words; a word either engine heard differently has no partner) and the start
    and end of each matched pair compared."""
    import difflib

    starts, ends = [], []
    for role in {r for _, r in reference}:
        ours_ = [w for w, r in words if r == role]
        theirs = [w for w, r in reference if r == role]
        key = lambda w: re.sub(r"[^a-z0-9']", "", w.text.lower())  # noqa: E731
        matcher = difflib.SequenceMatcher(a=[key(w) for w in ours_], b=[key(w) for w in theirs], autojunk=False)
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                a, b = ours_[block.a + k], theirs[block.b + k]
                starts.append(abs(a.start - b.start))
                ends.append(abs(a.end - b.end))
    both = np.maximum(starts, ends)
    print(f"word times, engine {engine} against openai-whisper on the same call: {len(both)} words matched "
          f"(of {len(words)} and {len(reference)}); start and end within 0.2 s: {np.mean(both <= 0.2):.1%}; "
          f"|difference| median {np.median(both):.2f} s, 95th percentile {np.percentile(both, 95):.2f} s, "
          f"max {both.max():.2f} s")


def _independent_voice_activity(path: Path, seconds: float) -> float:
    """Speech seconds in the first ``seconds`` of the channel file ``path``, on its own."""
    from qa_coach.ingest.audio.decode import SAMPLE_RATE, decode_audio
    from qa_coach.ingest.audio.vad import reference_speech_seconds

    return reference_speech_seconds(decode_audio(path).channels[0][: int(seconds * SAMPLE_RATE)])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="base")
    ap.add_argument("--beam-size", type=int, default=5,
                    help="our decoding: beam search of this width (1: greedy)")
    ap.add_argument("--engines", default="fast", help="our engines to measure, comma-separated: fast, whisper")
    ap.add_argument("--skip-attribution", action="store_true")
    ap.add_argument("--baseline-cache", help="reuse the whisper command's texts from this JSON "
                    "(for iterating; a reported run leaves it out so both run together)")
    args = ap.parse_args()
    import json

    from qa_coach.ml.whisper_checkpoint import packaged_checkpoint

    items = clips()
    paths = [p for p, _ in items]
    ckpt = packaged_checkpoint(args.model)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    runs = {e: ours(paths, args.model, args.beam_size, e) for e in engines}
    cache = Path(args.baseline_cache) if args.baseline_cache else None
    if cache and cache.exists():
        hyp_base, t_base = json.loads(cache.read_text())
    else:
        hyp_base, t_base = baseline(paths, ckpt)
        if cache:
            cache.write_text(json.dumps([hyp_base, t_base]))
    print(f"model {args.model}, ours {'greedy' if args.beam_size <= 1 else f'beam {args.beam_size}'}; "
          + ", ".join(f"ours ({e}) {t:.1f} s" for e, (_, t) in runs.items())
          + f", whisper command {t_base:.1f} s for {len(paths)} clips\n")
    print(f"{'clip':48} {'words':>5} " + " ".join(f"{e:>8}" for e in engines) + f" {'command':>8}")
    totals = dict.fromkeys([*engines, "command"], 0.0)
    tot_words = 0.0
    worse: dict[str, list[str]] = {e: [] for e in engines}
    for k, (p, ref) in enumerate(items):
        wb, n = wer(normalise, ref, hyp_base[k])
        row = {e: wer(normalise, ref, runs[e][0][k])[0] for e in engines}
        for e, w in [*row.items(), ("command", wb)]:
            totals[e] += w * n
        tot_words += n
        name = str(p.relative_to(AUDIO))
        print(f"{name[-48:]:48} {n:5d} " + " ".join(f"{row[e]:8.1%}" for e in engines) + f" {wb:8.1%}")
        for e in engines:
            if row[e] > wb + 1e-9:
                worse[e].append(name)
    print(f"{'all (word-weighted)':48} {int(tot_words):5d} "
          + " ".join(f"{totals[e] / tot_words:8.1%}" for e in [*engines, "command"]))
    for e in engines:
        print(f"clips where ours ({e}) is worse than the command:", ", ".join(worse[e]) or "none")
    if not args.skip_attribution:
        for e in engines:
            attribution(args.model, e)


if __name__ == "__main__":
    main()
