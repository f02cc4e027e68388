"""A call recording → an Interaction with turns, speakers and call metrics.

Steps: decode (PyAV) → voice activity per channel (silero-vad) → transcribe only the speech
(each channel's speech packed together, times mapped back to the recording) → words →
phrases → turns by time → call metrics.
Packing removes only silences longer than ``_KEEP_PAUSE_SECONDS`` (the default gap that
splits turns): pauses within someone's speech stay as recorded, because Whisper reads them
(how it groups spoken digits, where it punctuates); a removed silence becomes
``_GAP_SECONDS`` of zeros between the padded speech on either side.
With the fast engine (``engine="fast"``, the default for the packaged models) every
channel's packed speech is cut at pauses into chunks of up to the engine's
``chunk_seconds`` (26 s, leaving Whisper's 30 s window room for a rest of the chunk before),
and all chunks are decoded together in batches; with openai-whisper each channel's packed
speech goes through it up to ``_PIECE_SECONDS`` at a time.
Stereo: each channel is one party (``agent_channel``, default 0 = left, is the agent).
Mono: see :mod:`.mono_speakers`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from qa_coach.domain.call_metrics import CallMetrics, compute_call_metrics
from qa_coach.domain.interaction import Channel, Interaction, Role, SourceRef, Turn
from qa_coach.domain.signals import Sentiment, TextSignals
from qa_coach.settings import WHISPER_ENGINES, get_settings

from . import mono_speakers
from .decode import DEFAULT_MAX_SECONDS, SAMPLE_RATE, Progress, decode_audio
from .turns import Phrase, TimedWord, agent_opener_count, merge_into_turns, opener_phrases, phrases
from .vad import SpeechRegion, VadSettings, speech_regions

# the fast engine for the packaged models (the only ones it runs); openai-whisper for others
DEFAULT_ENGINE = "fast"


_GAP_SECONDS = 0.3  # silence put between packed speech regions
_PAD_SECONDS = 0.25  # audio kept around each region for Whisper (the VAD cuts tight)
_KEEP_PAUSE_SECONDS = 2.0  # pauses up to this long are transcribed as recorded
_PIECE_SECONDS = 120.0  # packed speech transcribed per call (progress granularity)
_CUT_SEARCH_SECONDS = 1.0  # speech too long for one chunk is cut at its quietest point this close
_DUAL_MONO_CORRELATION = 0.98  # channels this alike are one signal recorded twice


@dataclass(frozen=True)
class TranscribeOptions:
    model: str = "base"
    language: str | None = "en"
    agent_channel: int = 0
    word_timestamps: bool = True
    beam_size: int | None = 5  # the whisper command's; None or 1: greedy
    engine: str | None = None  # "fast" (CTranslate2, batched) or "whisper"; None: the setting
    max_seconds: float = DEFAULT_MAX_SECONDS
    silence_threshold: float = 2.0
    long_silence_threshold: float = 10.0
    min_overtalk: float = 0.0
    vad: VadSettings = field(default_factory=VadSettings)


class _Stages:
    """Maps each stage's own 0..1 progress onto the whole job's 0..1."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress

    def report(self, lo: float, hi: float, message: str) -> Callable[..., None]:
        def inner(frac: float, _detail: str | None = None) -> None:
            if self.progress:
                self.progress(lo + (hi - lo) * max(0.0, min(1.0, frac)), message)

        return inner


@dataclass(frozen=True)
class CallTranscript:
    """The interaction plus what produced it: every word with its speaker, and the
    speech regions per decoded channel (for benchmarks and checks)."""

    interaction: Interaction
    words: tuple[tuple[TimedWord, Role], ...]
    regions: tuple[tuple[SpeechRegion, ...], ...]


def transcribe_call(
    path: str | Path,
    *,
    options: TranscribeOptions = TranscribeOptions(),
    progress: Progress | None = None,
    text_signals: TextSignals | None = None,
    transcriber=None,
) -> Interaction:
    """Transcribe the recording at ``path`` into an Interaction with metrics attached.

    ``progress(fraction, message)`` is called as work advances (fraction 0..1).
    ``text_signals`` (optional) supplies customer sentiment for the per-quarter figure;
    ``transcriber`` (optional) replaces the Whisper model chosen by ``options.model``.
    """
    return transcribe_call_detailed(
        path, options=options, progress=progress, text_signals=text_signals, transcriber=transcriber
    ).interaction


def transcribe_call_detailed(
    path: str | Path,
    *,
    options: TranscribeOptions = TranscribeOptions(),
    progress: Progress | None = None,
    text_signals: TextSignals | None = None,
    transcriber=None,
) -> CallTranscript:
    """:func:`transcribe_call`, keeping the words and speech regions."""
    stages = _Stages(progress)
    audio = decode_audio(
        path, max_seconds=options.max_seconds, progress=stages.report(0.0, 0.05, "decoding audio")
    )
    warnings = list(audio.warnings)
    channels = list(audio.channels)
    stereo = audio.is_stereo
    if stereo and _same_signal(channels[0], channels[1]):
        warnings.append("both channels carry the same audio: treated as mono")
        channels, stereo = [audio.mono_mix()], False
    if stereo and options.agent_channel not in (0, 1):
        from qa_coach.domain.errors import InputError

        raise InputError(str(path), None, f"agent channel must be 0 or 1, not {options.agent_channel}")

    regions = speech_regions(channels, options.vad, progress=stages.report(0.05, 0.12, "finding speech"))
    duration = audio.duration
    meta: dict = {
        "duration": round(duration, 3),
        "channels": len(audio.channels),
        "source_rate": audio.info.source_rate,
        "codec": audio.info.codec,
        "model": options.model,
        "speaker_method": "stereo channels" if stereo else "mono voice clustering",
    }
    if not any(regions):
        warnings.append("no speech found in the recording")
        meta.update(no_speech=True, warnings=warnings)
        stages.report(0, 1, "done")(1.0)
        return CallTranscript(_interaction(path, (), meta, options, metrics=None), (), tuple(regions))

    if transcriber is None:
        engine = _engine(options)
        meta["engine"] = engine
        transcriber = _transcriber(options, engine)
    if hasattr(transcriber, "transcribe_batch"):  # chunks of every channel decoded together
        report = stages.report(0.12, 0.98, "transcribing both channels" if stereo else "transcribing")
        words_per_channel = _transcribe_batched(transcriber, channels, regions, report)
    else:
        words_per_channel = _transcribe_sequential(transcriber, channels, regions, stereo, stages)

    if stereo:
        turns, speech_by_role, role_warnings, labelled = _stereo_turns(
            words_per_channel, regions, options
        )
        warnings += role_warnings
    else:
        turns, speech_by_role, labelled = _mono_turns(
            channels[0], regions[0], words_per_channel[0], options
        )
    if not turns:
        warnings.append("speech was found but no words were recognised")
        meta["no_speech"] = True

    metrics = _metrics(duration, turns, speech_by_role, stereo, options, text_signals)
    meta["warnings"] = warnings
    stages.report(0, 1, "done")(1.0)
    interaction = _interaction(path, turns, meta, options, metrics)
    return CallTranscript(interaction, tuple(labelled), tuple(regions))


def _engine(options: TranscribeOptions) -> str:
    """The engine asked for (option, then setting); else the default for the model."""
    from qa_coach.ml.whisper_checkpoint import PACKAGED_MODELS

    chosen = options.engine or get_settings().whisper_engine
    if chosen:
        return chosen
    return DEFAULT_ENGINE if options.model in PACKAGED_MODELS else "whisper"


def _transcriber(options: TranscribeOptions, engine: str):
    """The Whisper transcriber for ``options``: ``fast`` runs the packaged weights in
    CTranslate2 (chunks batched), ``whisper`` runs openai-whisper."""
    from qa_coach.ml.whisper_transcriber import DecodeSettings

    settings = DecodeSettings(language=options.language, word_timestamps=options.word_timestamps,
                              beam_size=options.beam_size)
    if engine == "fast":
        from qa_coach.ml.whisper_fast import FastWhisperTranscriber

        return FastWhisperTranscriber(options.model, settings)
    if engine == "whisper":
        from qa_coach.ml.whisper_transcriber import WhisperTranscriber

        return WhisperTranscriber(options.model, settings)
    from qa_coach.domain.errors import QACoachError

    raise QACoachError(f"unknown transcription engine '{engine}'; choose one of {', '.join(WHISPER_ENGINES)}")


def _transcribe_sequential(transcriber, channels, regions, stereo: bool, stages: _Stages) -> list[list[TimedWord]]:
    """Each channel's packed speech, up to ``_PIECE_SECONDS`` per call, one call after another."""
    total_speech = sum(r.duration for rs in regions for r in rs) or 1.0
    done = 0.0
    words_per_channel: list[list[TimedWord]] = []
    for ch, (samples, rs) in enumerate(zip(channels, regions)):
        words: list[TimedWord] = []
        for piece in _pieces(rs):
            report = stages.report(
                0.12 + 0.86 * done / total_speech,
                0.12 + 0.86 * (done + sum(r.duration for r in piece)) / total_speech,
                f"transcribing channel {ch + 1} of {len(channels)}" if stereo else "transcribing",
            )
            report(0.0)
            words += _transcribe_piece(transcriber, samples, piece)
            done += sum(r.duration for r in piece)
            report(1.0)
        words_per_channel.append(words)
    return words_per_channel


def _transcribe_batched(transcriber, channels, regions, report: Callable[..., None]) -> list[list[TimedWord]]:
    """Every channel's speech cut into chunks of at most ``transcriber.chunk_seconds``
    (at pauses; long silences packed as for the sequential path), all decoded in batches."""
    limit = transcriber.chunk_seconds
    jobs: list[tuple[int, np.ndarray, Callable[[float, bool], float]]] = []
    for ch, (samples, rs) in enumerate(zip(channels, regions)):
        for chunk, bounds in _chunks(samples, rs, limit):
            packed, original = _pack(samples, chunk, bounds)
            jobs.append((ch, packed, original))
    report(0.0)
    follows = [k + 1 if k + 1 < len(jobs) and jobs[k + 1][0] == ch else None for k, (ch, _, _) in enumerate(jobs)]
    results = transcriber.transcribe_batch([packed for _, packed, _ in jobs],
                                           progress=lambda n: report(n / len(jobs)), follows=follows)
    words_per_channel: list[list[TimedWord]] = [[] for _ in channels]
    for (ch, _, original), segments in zip(jobs, results):
        words_per_channel[ch] += _mapped_words(segments, original)
    return words_per_channel


def _chunks(samples: np.ndarray, regions: Sequence[SpeechRegion], limit: float
            ) -> list[tuple[list[SpeechRegion], tuple[float, float]]]:
    """Regions grouped so that each group packs into at most ``limit`` seconds, each with
    the bounds its padding may reach (the neighbouring regions in other groups: a region
    cut in two pads neither half into the other)."""
    parts = [p for r in regions for p in _split_long(samples, r, limit)]
    groups: list[list[SpeechRegion]] = []
    for r in parts:
        if groups and _packed_seconds(samples, groups[-1] + [r], (0.0, np.inf)) <= limit:
            groups[-1].append(r)
        else:
            groups.append([r])
    out = []
    for i, group in enumerate(groups):
        lo = groups[i - 1][-1].end if i else 0.0
        hi = groups[i + 1][0].start if i + 1 < len(groups) else np.inf
        out.append((group, (lo, hi)))
    return out


def _split_long(samples: np.ndarray, region: SpeechRegion, limit: float) -> list[SpeechRegion]:
    """``region`` cut into equal parts that pack within ``limit`` seconds, each cut moved
    to the quietest 0.1 s in the second before it (speech without a 300 ms pause is rare)."""
    fits = limit - 2 * _PAD_SECONDS - _GAP_SECONDS - 0.01
    if region.duration <= fits:
        return [region]
    room = fits - _CUT_SEARCH_SECONDS  # a part may grow by that much when its cuts move
    n = int(np.ceil(region.duration / room))
    cuts = [region.start]
    frame = int(0.1 * SAMPLE_RATE)
    for k in range(1, n):
        target = region.start + k * region.duration / n
        a = max(int((target - _CUT_SEARCH_SECONDS) * SAMPLE_RATE), int(cuts[-1] * SAMPLE_RATE) + frame)
        b = min(int(target * SAMPLE_RATE), len(samples))
        window = np.asarray(samples[a:b], np.float32)
        if len(window) < frame:
            cuts.append(target)
            continue
        energy = np.convolve(window**2, np.ones(frame, np.float32), mode="valid")[::frame // 4]
        cuts.append((a + int(np.argmin(energy)) * (frame // 4) + frame // 2) / SAMPLE_RATE)
    cuts.append(region.end)
    return [SpeechRegion(round(s, 3), round(e, 3)) for s, e in zip(cuts, cuts[1:]) if e > s]


def _same_signal(a: np.ndarray, b: np.ndarray) -> bool:
    step = max(1, len(a) // 2_000_000)  # a sample of at most ~2M points
    x, y = np.asarray(a[::step], np.float64), np.asarray(b[::step], np.float64)
    if x.std() < 1e-6 or y.std() < 1e-6:
        return bool(np.allclose(x, y, atol=1e-4))
    return float(np.corrcoef(x, y)[0, 1]) > _DUAL_MONO_CORRELATION


def _pieces(regions: Sequence[SpeechRegion]) -> list[list[SpeechRegion]]:
    out: list[list[SpeechRegion]] = []
    length = 0.0
    for r in regions:
        if out and length + r.duration <= _PIECE_SECONDS:
            pause = r.start - out[-1][-1].end
            length += r.duration + (pause if pause <= _KEEP_PAUSE_SECONDS else _GAP_SECONDS)
            out[-1].append(r)
        else:
            out.append([r])
            length = r.duration
    return out


def _transcribe_piece(transcriber, samples: np.ndarray, piece: Sequence[SpeechRegion]) -> list[TimedWord]:
    """Pack the regions (long silences cut to short gaps), transcribe, map times back."""
    packed, original = _pack(samples, piece)
    return _mapped_words(transcriber.transcribe(packed), original)


def _spans(samples: np.ndarray, piece: Sequence[SpeechRegion], bounds: tuple[float, float]) -> list[list[int]]:
    """The sample ranges kept: each region padded (not past ``bounds``), pauses up to
    ``_KEEP_PAUSE_SECONDS`` kept, overlapping ranges joined."""
    lo, hi = max(0, int(bounds[0] * SAMPLE_RATE)), min(len(samples), int(bounds[1] * SAMPLE_RATE)
                                                        if np.isfinite(bounds[1]) else len(samples))
    spans: list[list[int]] = []
    previous_end = -np.inf
    for r in piece:
        a = max(lo, int((r.start - _PAD_SECONDS) * SAMPLE_RATE))
        b = min(hi, int((r.end + _PAD_SECONDS) * SAMPLE_RATE))
        kept = r.start - previous_end <= _KEEP_PAUSE_SECONDS
        previous_end = r.end
        if spans and (kept or a <= spans[-1][1]):
            spans[-1][1] = b
        else:
            spans.append([a, b])
    return spans


def _packed_seconds(samples: np.ndarray, piece: Sequence[SpeechRegion], bounds: tuple[float, float]) -> float:
    gap = int(_GAP_SECONDS * SAMPLE_RATE)
    return sum(b - a + gap for a, b in _spans(samples, piece, bounds)) / SAMPLE_RATE


def _pack(samples: np.ndarray, piece: Sequence[SpeechRegion], bounds: tuple[float, float] = (0.0, np.inf)
          ) -> tuple[np.ndarray, Callable[[float, bool], float]]:
    """The regions' audio packed (long silences cut to short gaps) and the function that
    maps a packed time back to the recording (``original(t, is_end)``)."""
    gap = np.zeros(int(_GAP_SECONDS * SAMPLE_RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    table: list[tuple[float, float, float]] = []  # (packed start, original start, length)
    spans = _spans(samples, piece, bounds)
    at = 0
    for a, b in spans:
        chunk = np.asarray(samples[a:b], dtype=np.float32)
        table.append((at / SAMPLE_RATE, a / SAMPLE_RATE, len(chunk) / SAMPLE_RATE))
        parts += [chunk, gap]
        at += len(chunk) + len(gap)
    packed = np.concatenate(parts)
    starts = np.array([t[0] for t in table])

    def original(t: float, is_end: bool) -> float:
        # A time inside a packed gap belongs to the speech beside it: a start moves to
        # the next region's start, an end back to its own region's end.
        k = max(0, int(np.searchsorted(starts, t, side="right")) - 1)
        packed_start, orig_start, length = table[k]
        offset = t - packed_start
        if offset > length and not is_end and k + 1 < len(table):
            return table[k + 1][1]
        return orig_start + min(max(0.0, offset), length)

    return packed, original


def _mapped_words(segments, original: Callable[[float, bool], float]) -> list[TimedWord]:
    words: list[TimedWord] = []
    for seg in segments:
        items = seg.words or (_segment_as_word(seg),)
        for w in items:
            s = original(w.start, False)
            e = max(s, original(w.end, True))
            words.append(TimedWord(w.text, round(s, 3), round(e, 3)))
    return words


def _segment_as_word(seg):
    from qa_coach.ml.whisper_transcriber import Word

    return Word(" " + seg.text, seg.start, seg.end)


def _stereo_turns(
    words_per_channel: list[list[TimedWord]],
    regions: list[tuple[SpeechRegion, ...]],
    options: TranscribeOptions,
) -> tuple[tuple[Turn, ...], dict[Role, list[tuple[float, float]]], list[str], list]:
    agent_ch = options.agent_channel
    cust_ch = 1 - agent_ch
    role_of = {agent_ch: Role.AGENT, cust_ch: Role.CUSTOMER}
    warnings: list[str] = []
    for ch in (0, 1):
        if not regions[ch]:
            warnings.append(
                f"channel {ch} ({'left' if ch == 0 else 'right'}, {role_of[ch].value}) is silent: "
                "turns come from the other channel only"
            )
    all_phrases: list[Phrase] = []
    for ch in (0, 1):
        all_phrases += phrases(words_per_channel[ch], role_of[ch])
    turns = merge_into_turns(all_phrases, split_gap=options.silence_threshold)
    warnings += _swap_warnings(turns, agent_ch)
    speech = {role_of[ch]: [(r.start, r.end) for r in regions[ch]] for ch in (0, 1)}
    labelled = sorted(
        ((w, role_of[ch]) for ch in (0, 1) for w in words_per_channel[ch]), key=lambda x: x[0].start
    )
    return turns, speech, warnings, labelled


def _swap_warnings(turns: Sequence[Turn], agent_ch: int) -> list[str]:
    """Warn when the customer's channel says what agents say and the agent's does not."""
    agent_said = agent_opener_count(t.text for t in turns if t.role is Role.AGENT)
    customer_texts = [t.text for t in turns if t.role is Role.CUSTOMER]
    customer_said = agent_opener_count(customer_texts)
    if customer_said > agent_said:
        example = opener_phrases(customer_texts)[0]
        return [
            f"channel roles look swapped: the customer channel ({1 - agent_ch}) says "
            f"\"{example}\" as agents do; if channel {1 - agent_ch} is the agent, "
            f"use agent channel {1 - agent_ch}"
        ]
    return []


def _mono_turns(
    samples: np.ndarray,
    regions: Sequence[SpeechRegion],
    words: list[TimedWord],
    options: TranscribeOptions,
) -> tuple[tuple[Turn, ...], dict[Role, list[tuple[float, float]]], list]:
    windows = mono_speakers.speaker_windows(samples, regions)
    labelled: list[tuple[TimedWord, int, float]] = []
    for w in words:
        win = mono_speakers.group_at(windows, (w.start + w.end) / 2)
        labelled.append((w, win.group if win else 0, win.confidence if win else 0.5))
    # Which group is the agent: the one whose words hold an agent opener, else the first.
    opener_groups: list[int] = []
    for i in range(len(labelled)):
        text = " ".join(w.text for w, _, _ in labelled[i : i + 6])
        if agent_opener_count([text]) and labelled[i][1] not in opener_groups[-1:]:
            opener_groups.append(labelled[i][1])
    first = windows[0].group if windows else None
    role_of = mono_speakers.roles_for_groups(first, opener_groups)
    all_phrases: list[Phrase] = []
    run: list[tuple[TimedWord, int, float]] = []
    for item in labelled + [None]:  # type: ignore[list-item]
        if run and (item is None or item[1] != run[-1][1] or item[0].start - run[-1][0].end > 1.0):
            conf = sum(c for _, _, c in run) / len(run)
            all_phrases.append(
                Phrase(role_of[run[0][1]], run[0][0].start, run[-1][0].end, tuple(w for w, _, _ in run), conf)
            )
            run = []
        if item is not None:
            run.append(item)
    turns = merge_into_turns(all_phrases, split_gap=options.silence_threshold)
    speech: dict[Role, list[tuple[float, float]]] = {Role.AGENT: [], Role.CUSTOMER: []}
    for win in windows:
        speech[role_of[win.group]].append((win.start, win.end))
    return turns, speech, [(w, role_of[g]) for w, g, _ in labelled]


def _metrics(
    duration: float,
    turns: Sequence[Turn],
    speech_by_role: dict[Role, list[tuple[float, float]]],
    stereo: bool,
    options: TranscribeOptions,
    text_signals: TextSignals | None,
) -> CallMetrics:
    customer_turns = [t for t in turns if t.role is Role.CUSTOMER and t.text.strip()]
    sentiments: list[tuple[float, Sentiment]] = []
    if text_signals is not None and customer_turns:
        analysis = text_signals.analyze([t.text for t in customer_turns])
        sentiments = [
            (((t.start or 0.0) + (t.end or t.start or 0.0)) / 2, s)
            for t, s in zip(customer_turns, analysis.sentiments)
        ]
    return compute_call_metrics(
        duration=duration,
        agent_speech=speech_by_role.get(Role.AGENT, []),
        customer_speech=speech_by_role.get(Role.CUSTOMER, []),
        overtalk_measurable=stereo,
        agent_words=sum(len(t.text.split()) for t in turns if t.role is Role.AGENT),
        customer_sentiments=sentiments,
        silence_threshold=options.silence_threshold,
        long_silence_threshold=options.long_silence_threshold,
        min_overtalk=options.min_overtalk,
    )


def _interaction(
    path: str | Path,
    turns: Sequence[Turn],
    meta: dict,
    options: TranscribeOptions,
    metrics: CallMetrics | None,
) -> Interaction:
    p = Path(path)
    ident = hashlib.sha256(str(p.resolve()).encode()).hexdigest()[:12]
    return Interaction(
        id=f"call-{p.stem}-{ident}",
        turns=tuple(turns),
        source=SourceRef(path=str(path), format="audio"),
        channel=Channel.VOICE,
        language=options.language,
        metadata=meta,
        metrics=metrics,
    )


__all__ = ["CallTranscript", "TranscribeOptions", "transcribe_call", "transcribe_call_detailed"]
