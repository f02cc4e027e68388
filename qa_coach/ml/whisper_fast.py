"""The fast transcription engine: the same packaged Whisper weights run by CTranslate2.

openai-whisper stays the engine of record (see :mod:`.whisper_transcriber`); this module
runs the same checkpoint through CTranslate2 (the packaged ``model.bin`` is CTranslate2's
own format, joined from its checked parts into a cached folder; computed with int8 weights)
and keeps everything around the network openai-whisper's:

* features: openai-whisper's log-mel spectrogram (:mod:`.log_mel`, its steps and filter bank in
  NumPy), cut and zero-padded to the 30 s window as its ``transcribe`` does;
* prompt and output tokens: openai-whisper's tokenizer (start, language, task; timestamps on),
  read from the package without importing PyTorch (:mod:`.whisper_package`);
* decoding: beam search of 5, openai-whisper's suppressed tokens and blank suppression, its
  first-timestamp limit (1 s); the same temperature fallback (0.2 … 1.0, best of 5 samples,
  seeded) when the text is too repetitive or too unlikely, and the same no-speech skip;
* segments: cut at timestamp pairs as openai-whisper's ``transcribe`` does, and a window
  whose text stops at a timestamp pair before its end is decoded again from there (its seek);
* word times: CTranslate2's cross-attention alignment (the alignment heads, the median
  filter and the DTW of openai-whisper's ``find_alignment``), grouped into words and
  adjusted by openai-whisper's ``add_word_timestamps`` rules (:mod:`.word_timing`).

PyTorch is never imported on this path (nor openai-whisper's package, which imports it):
that keeps a call's transcription within about 1 GB.

What differs: each audio chunk (up to 26 s, cut by the caller at pauses) is decoded on
its own, without the previous window's text as a prompt, and the chunks of a batch are
shared out among one model replica per core, each on one thread, which encode, decode (the
beams of several chunks per pass over the weights) and align them side by side. Where the decoder
stops before a chunk's end, the rest is decoded again in front of the next chunk of the
same recording (openai-whisper's next window starts there too), or on its own.
Same input, same output: no sampling except the seeded fallback.
"""

from __future__ import annotations

import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from qa_coach.domain.errors import ModelMissingError
from qa_coach.ml.log_mel import HOP_LENGTH as _HOP_LENGTH
from qa_coach.ml.log_mel import log_mel_spectrogram
from qa_coach.ml.native_memory import return_free_memory
from qa_coach.ml.whisper_checkpoint import PACKAGED_MODELS, packaged_ctranslate2_folder
from qa_coach.ml.word_timing import TIME_PRECISION as _TIME_PRECISION  # per timestamp token and frame
from qa_coach.ml.word_timing import add_word_timestamps, word_timings
from qa_coach.ml.whisper_transcriber import DEFAULT_MODEL, DecodeSettings, Segment, Word, check_language

SAMPLE_RATE = 16_000
CHUNK_SECONDS = 30.0  # Whisper's window: the longest audio one chunk may hold
# Callers cut speech into chunks of at most this much (at pauses), leaving a window room for
# the rest of the chunk before it, joined in front (transcribe_batch's ``follows``). On the
# 238 s stereo call, 26 s chunks took 14 windows where 30 s chunks took 19.
CHUNK_TARGET_SECONDS = 26.0
# int8 weights (activations in float32): on a 2-core AVX2 CPU the transcription of the 238 s
# stereo call took 22 s against float32's 35 s, and each of the 15 reference clips of
# bench/wer.py kept the `whisper` command's word error rate
COMPUTE_TYPE = "int8"
BATCH_SIZE = 6  # chunks per batch: their beams share each pass over the weights (~60 MB of memory a chunk)
_FALLBACK_TEMPERATURES = (0.2, 0.4, 0.6, 0.8, 1.0)
_FALLBACK_SEED = 0
_BEST_OF = 5
_COMPRESSION_RATIO_THRESHOLD = 2.4
_LOGPROB_THRESHOLD = -1.0
_NO_SPEECH_THRESHOLD = 0.6
_MAX_INITIAL_TIMESTAMP_INDEX = 50  # 1.0 s, openai-whisper's max_initial_timestamp
_MEDIAN_FILTER_WIDTH = 7
_ENCODE_BATCH = 1  # windows per encoder call: batching it gains nothing (it is compute-bound)
_MIN_REST_SECONDS = 1.0  # a shorter rest of a chunk (its trailing pad and gap, a breath) is not decoded again
_N_SAMPLES = int(CHUNK_SECONDS * SAMPLE_RATE)  # openai-whisper's window in samples
_N_FRAMES = _N_SAMPLES // _HOP_LENGTH
_PROMPT_LENGTH = 448 // 2 - 1  # openai-whisper's sample_len: at most 224 new tokens


def _threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=2)
def load_fast_whisper(name: str = DEFAULT_MODEL, compute_type: str = COMPUTE_TYPE):
    """The CTranslate2 Whisper for packaged model ``name`` (``base``, ``tiny.en``)."""
    if name not in PACKAGED_MODELS:
        raise ModelMissingError(
            f"the fast engine runs the packaged Whisper models ({', '.join(sorted(PACKAGED_MODELS))}); "
            f"'{name}' is not one of them: use --engine whisper for other models"
        )
    try:
        import ctranslate2
    except ImportError:
        raise ModelMissingError(
            "the fast Whisper engine needs the package 'ctranslate2'. "
            "Install it with: pip install ctranslate2==4.8.5 (or use --engine whisper)"
        ) from None
    # One thread per model replica and one replica per core (the weights are shared): the
    # transcriber runs a batch's windows on all replicas at once. On 2 cores this took 25%
    # less time to decode 8 chunks than one replica on 2 threads (the same tokens).
    model = ctranslate2.models.Whisper(
        str(packaged_ctranslate2_folder(name)), device="cpu", compute_type=compute_type,
        intra_threads=1, inter_threads=_threads(),
    )
    return_free_memory()  # the float16 weights read and converted at load
    return model


@dataclass(frozen=True)
class _Decoded:
    tokens: tuple[int, ...]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float

    def needs_fallback(self) -> bool:
        """openai-whisper's test: too repetitive or too unlikely, unless it is silence."""
        failed = (self.compression_ratio > _COMPRESSION_RATIO_THRESHOLD
                  or self.avg_logprob < _LOGPROB_THRESHOLD)
        silence = self.no_speech_prob > _NO_SPEECH_THRESHOLD and self.avg_logprob < _LOGPROB_THRESHOLD
        return failed and not silence

    def is_silence(self) -> bool:
        """openai-whisper skips such a window: no speech and the text unlikely."""
        return self.no_speech_prob > _NO_SPEECH_THRESHOLD and not self.avg_logprob > _LOGPROB_THRESHOLD


def _compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


class FastWhisperTranscriber:
    """Transcribes 16 kHz float32 arrays with CTranslate2; chunks of up to 30 s (callers cut
    them to ``chunk_seconds``) are decoded
    together (:meth:`transcribe_batch`). Times are seconds from each array's start."""

    chunk_seconds = CHUNK_TARGET_SECONDS

    def __init__(self, model_name: str = DEFAULT_MODEL, settings: DecodeSettings = DecodeSettings(),
                 *, compute_type: str = COMPUTE_TYPE, batch_size: int = BATCH_SIZE):
        check_language(model_name, settings)
        self.model_name = model_name
        self.settings = settings
        self.batch_size = batch_size
        self.model = load_fast_whisper(model_name, compute_type)

    # --- the transcriber interface -------------------------------------------------------

    def transcribe(self, audio: np.ndarray) -> list[Segment]:
        """Any length: cut into consecutive 30 s windows, decoded as one batch."""
        audio = np.asarray(audio, np.float32)
        if len(audio) == 0:
            return []
        step = int(CHUNK_SECONDS * SAMPLE_RATE)
        windows = [audio[i : i + step] for i in range(0, len(audio), step)]
        out: list[Segment] = []
        for k, segments in enumerate(self.transcribe_batch(windows)):  # each window: its own offset
            offset = k * CHUNK_SECONDS
            out += [_shifted(s, offset) for s in segments]
        return out

    def transcribe_batch(self, chunks: Sequence[np.ndarray], progress: Callable[[int], None] | None = None,
                         follows: Sequence[int | None] | None = None) -> list[list[Segment]]:
        """Segments of each chunk (each at most 30 s), decoded in batches of
        ``batch_size``; ``progress(n)`` is told how many chunks are done after each batch.

        As in openai-whisper's ``transcribe``, a window whose text stops at a timestamp
        pair before its end (the next segment did not fit, or the decoder ended early) is
        decoded again from there. ``follows[k]`` names the chunk whose audio comes next
        after chunk ``k`` in the same recording (``None``: none): a rest then goes in front
        of that chunk, when it is still waiting and both fit in one window, as openai-whisper's
        next window starts where the last one stopped; otherwise the rest joins a later
        batch on its own. Chunks are taken every other one of each recording first, so that
        a chunk's successor is usually still waiting when its rest is known."""
        too_long = [len(c) for c in chunks if len(c) > CHUNK_SECONDS * SAMPLE_RATE]
        if too_long:
            raise ValueError(f"a chunk holds {max(too_long) / SAMPLE_RATE:.1f} s; the limit is {CHUNK_SECONDS:g} s")
        follows = list(follows) if follows is not None else [None] * len(chunks)
        out: list[list[Segment]] = [[] for _ in chunks]
        queue = [_Job.of_chunk(k, chunks[k]) for k in _every_other_first(follows)]
        while queue:
            batch, queue = queue[: self.batch_size], queue[self.batch_size :]
            for job, (segments, consumed) in zip(batch, self._batch([j.audio for j in batch])):
                for chunk, segment in job.placed(segments):
                    out[chunk].append(segment)
                rest = job.rest(consumed)
                if rest is not None:
                    _requeue(queue, rest, follows)
            if progress is not None:
                progress(len(chunks) - len({p.chunk for j in queue for p in j.pieces}))
        return [sorted(segments, key=lambda seg: seg.start) for segments in out]

    # --- one batch ------------------------------------------------------------------------

    def _batch(self, chunks: list[np.ndarray]) -> list[tuple[list[Segment], float]]:
        """Each chunk's segments and the seconds of it they cover (openai-whisper's seek)."""
        import ctranslate2

        results: list[tuple[list[Segment], float]] = [([], len(c) / SAMPLE_RATE) for c in chunks]
        todo = [i for i, c in enumerate(chunks) if len(c)]
        if not todo:
            return results
        features = _features([chunks[i] for i in todo], self.model.n_mels)
        # Each step's buffers are handed back before the next (return_free_memory): the
        # encoder's attention takes ~140 MB per window, the beams' cross-attention keys and
        # values ~60 MB per chunk, and the peak is the largest step, not their sum.
        encoded = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.concatenate(_on_replicas(
            lambda i: np.asarray(self.model.encode(
                ctranslate2.StorageView.from_array(features[i : i + _ENCODE_BATCH]), to_cpu=True)),
            range(0, len(features), _ENCODE_BATCH)))))
        return_free_memory()
        tokenizers = [self._tokenizer(language) for language in self._languages(encoded)]
        decoded = self._decode(encoded, tokenizers)
        return_free_memory()
        kept = [k for k, d in enumerate(decoded) if not d.is_silence()]
        frames = [len(chunks[todo[k]]) // _HOP_LENGTH for k in range(len(todo))]
        segments, consumed = {}, {}
        for k in kept:
            segments[k], consumed[k] = _segments(decoded[k], tokenizers[k], frames[k] * _HOP_LENGTH / SAMPLE_RATE)
        if self.settings.word_timestamps:
            self._add_words(encoded, tokenizers, segments, frames)
        for k, segs in segments.items():
            seek = consumed[k]
            if seek is not None and self.settings.word_timestamps:
                # openai-whisper: with word times, the next window starts after the last word
                ends = [w["end"] for s in segs for w in s.get("words", ())]
                seek = max(seek, ends[-1]) if ends else seek
            results[todo[k]] = ([_segment(s) for s in segs if s["text"].strip()],
                                results[todo[k]][1] if seek is None else seek)
        return results

    def _languages(self, encoded) -> list[str | None]:
        """The language of each chunk: the one set, or (``None``) detected per chunk."""
        if not self.model.is_multilingual:
            return [None] * encoded.shape[0]
        if self.settings.language is not None:
            return [self.settings.language] * encoded.shape[0]
        return [best[0][0][2:-2] for best in self.model.detect_language(encoded)]  # "<|en|>" -> "en"

    @lru_cache(maxsize=8)
    def _tokenizer(self, language: str | None):
        """openai-whisper's tokenizer for ``language`` (its start sequence is the prompt)."""
        from qa_coach.ml.whisper_package import get_tokenizer

        return get_tokenizer(self.model.is_multilingual, num_languages=self.model.num_languages,
                             language=language, task="transcribe")

    def _decode(self, encoded, tokenizers: list) -> list[_Decoded]:
        prompts = [list(t.sot_sequence) for t in tokenizers]
        beam = self.settings.beam_size if self.settings.beam_size and self.settings.beam_size > 1 else 1
        # beam search is deterministic: the chunks are shared out among the replicas (every
        # n-th chunk to one); the seeded sampling below stays on one
        n = min(_threads(), encoded.shape[0])
        groups = [list(range(encoded.shape[0]))[j::n] for j in range(n)]
        results: list = [None] * encoded.shape[0]
        for rows, found in zip(groups, _on_replicas(
                lambda rows: self._generate(_select(encoded, rows), [prompts[k] for k in rows], beam_size=beam),
                groups)):
            for k, r in zip(rows, found):
                results[k] = r
        decoded = [self._decoded(r, t) for r, t in zip(results, tokenizers)]
        for temperature in _FALLBACK_TEMPERATURES:
            retry = [k for k, d in enumerate(decoded) if d.needs_fallback()]
            if not retry:
                break
            import ctranslate2

            sub = _select(encoded, retry)
            ctranslate2.set_random_seed(_FALLBACK_SEED)
            again = self._generate(sub, [prompts[k] for k in retry], beam_size=1,
                                   num_hypotheses=_BEST_OF, sampling_topk=0, sampling_temperature=temperature)
            for k, r in zip(retry, again):
                decoded[k] = self._decoded(r, tokenizers[k])
        return decoded

    def _generate(self, encoded, prompts, **kwargs):
        return self.model.generate(
            encoded, prompts, length_penalty=1.0, max_length=len(prompts[0]) + _PROMPT_LENGTH,
            return_scores=True, return_no_speech_prob=True, suppress_blank=True, suppress_tokens=[-1],
            max_initial_timestamp_index=_MAX_INITIAL_TIMESTAMP_INDEX, **kwargs,
        )

    @staticmethod
    def _decoded(result, tokenizer) -> _Decoded:
        best = int(np.argmax(result.scores))  # the best of the samples (beam search: one)
        tokens = tuple(result.sequences_ids[best])
        # the score is the sum of log probabilities over the length; openai-whisper's
        # average counts the end token too
        avg_logprob = result.scores[best] * len(tokens) / (len(tokens) + 1)
        text = tokenizer.decode([t for t in tokens if t < tokenizer.eot])
        return _Decoded(tokens, float(avg_logprob), float(result.no_speech_prob), _compression_ratio(text))

    def _add_words(self, encoded, tokenizers: list, segments: dict[int, list[dict]], frames: list[int]) -> None:
        # one chunk per alignment call: its attention over the 30 s window is large (8 chunks
        # at once took ~500 MB) and batching saved no time
        def align(k: int) -> None:
            tokenizer, segs = tokenizers[k], segments[k]
            text_tokens = [t for s in segs for t in s["tokens"] if t < tokenizer.eot]
            alignment = self.model.align(_select(encoded, [k]), list(tokenizer.sot_sequence), [text_tokens],
                                         [frames[k]], median_filter_width=_MEDIAN_FILTER_WIDTH)[0]
            timings = word_timings(tokenizer, text_tokens, alignment.alignments, alignment.text_token_probs)
            add_word_timestamps(segs, tokenizer, timings)

        _on_replicas(align, [k for k, segs in segments.items() if segs])
        return_free_memory()


def _on_replicas(work: Callable, items) -> list:
    """``work`` on each item, one item per model replica at a time (CTranslate2 lets go of
    the GIL), results in the items' order."""
    items = list(items)
    if _threads() == 1 or len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(_threads(), len(items))) as pool:
        return list(pool.map(work, items))


_JOIN_GAP_SECONDS = 0.3  # zeros between a rest and the chunk it goes in front of


@dataclass(frozen=True)
class _Piece:
    """Where a stretch of a window's audio comes from: from ``start`` (seconds into the
    window) on, chunk ``chunk`` from ``offset`` seconds into it."""

    start: float
    chunk: int
    offset: float


@dataclass(frozen=True)
class _Job:
    """One window's audio: a chunk, a chunk's rest, or a rest in front of the next chunk."""

    audio: np.ndarray
    pieces: tuple[_Piece, ...]

    @classmethod
    def of_chunk(cls, chunk: int, audio: np.ndarray) -> "_Job":
        return cls(np.asarray(audio, np.float32), (_Piece(0.0, chunk, 0.0),))

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE

    def _piece_at(self, t: float) -> _Piece:
        return [p for p in self.pieces if p.start <= t + 1e-9][-1] if t > 0 else self.pieces[0]

    def rest(self, consumed: float) -> "_Job | None":
        """The audio after ``consumed`` seconds, unless it is too short to hold speech."""
        cut = int(round(consumed * SAMPLE_RATE))
        if len(self.audio) - cut < _MIN_REST_SECONDS * SAMPLE_RATE:
            return None
        t = cut / SAMPLE_RATE
        head = self._piece_at(t)
        pieces = (_Piece(0.0, head.chunk, head.offset + t - head.start),
                  *(_Piece(p.start - t, p.chunk, p.offset) for p in self.pieces if p.start > t))
        return _Job(self.audio[cut:], pieces)

    def then(self, following: "_Job") -> "_Job":
        """This job's audio, a short gap, then ``following``'s."""
        gap = np.zeros(int(_JOIN_GAP_SECONDS * SAMPLE_RATE), np.float32)
        shift = (len(self.audio) + len(gap)) / SAMPLE_RATE
        moved = tuple(_Piece(p.start + shift, p.chunk, p.offset) for p in following.pieces)
        return _Job(np.concatenate([self.audio, gap, following.audio]), self.pieces + moved)

    def placed(self, segments: list[Segment]) -> list[tuple[int, Segment]]:
        """Each segment on its chunk's own time; one that spans two pieces is split between
        them by its words (each word where its middle falls)."""
        out: list[tuple[int, Segment]] = []
        for seg in segments:
            if len(self.pieces) == 1 or not seg.words:
                piece = self._piece_at((seg.start + seg.end) / 2)
                out.append((piece.chunk, _shifted(seg, piece.offset - piece.start)))
                continue
            groups: dict[_Piece, list[Word]] = {}
            for w in seg.words:
                groups.setdefault(self._piece_at((w.start + w.end) / 2), []).append(w)
            for piece, words in groups.items():
                part = Segment(words[0].start, words[-1].end, "".join(w.text for w in words).strip(),
                               tuple(words), seg.avg_logprob, seg.no_speech_prob)
                out.append((piece.chunk, _shifted(part, piece.offset - piece.start)))
        return out


def _every_other_first(follows: Sequence[int | None]) -> list[int]:
    """Chunk indices, each recording's 1st, 3rd, 5th ... chunks before its 2nd, 4th ..."""
    position: dict[int, int] = {}
    for k, nxt in enumerate(follows):
        if nxt is not None:
            position[nxt] = position.get(k, 0) + 1
    return sorted(range(len(follows)), key=lambda k: (position.get(k, 0) % 2, k))


def _requeue(queue: list[_Job], rest: _Job, follows: Sequence[int | None]) -> None:
    """Put ``rest`` in front of the waiting job that starts with the chunk after it, when
    both fit in one window; else at the end of the queue."""
    nxt = follows[rest.pieces[-1].chunk]
    for i, job in enumerate(queue):
        if nxt is not None and job.pieces[0] == _Piece(0.0, nxt, 0.0):
            joined = rest.then(job)
            if joined.seconds <= CHUNK_SECONDS:
                queue[i] = joined
                return
            break
    queue.append(rest)


def _select(encoded, rows: list[int]):
    """Rows of an encoder output (a StorageView) as a new StorageView."""
    import ctranslate2

    if rows == list(range(encoded.shape[0])):
        return encoded
    array = np.asarray(encoded)[rows]
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(array))


def _features(chunks: list[np.ndarray], n_mels: int) -> np.ndarray:
    """openai-whisper's features of each chunk as its ``transcribe`` makes them: the log-mel
    spectrogram of the audio (followed by 30 s of zeros, as there), cut to the audio's own
    frames and padded with zeros to the 30 s window (``pad_or_trim``)."""
    out = np.zeros((len(chunks), n_mels, _N_FRAMES), np.float32)
    for i, chunk in enumerate(chunks):
        mel = log_mel_spectrogram(chunk, n_mels, padding=_N_SAMPLES)
        frames = min(_N_FRAMES, len(chunk) // _HOP_LENGTH)
        out[i, :, :frames] = mel[:, :frames]
    return out


def _segments(decoded: _Decoded, tokenizer, duration: float) -> tuple[list[dict], float | None]:
    """openai-whisper's segments of one window's tokens, cut after each pair of consecutive
    timestamps, and where its next window starts: ``None`` when the text covers the whole
    window (it ends with a single timestamp, or has no pair), else the last pair's time
    (what follows it, an unfinished segment, is dropped there and decoded again: the
    decoder often stops mid-sentence with more of the chunk's speech after it, which the
    second pass reads)."""
    begin = tokenizer.timestamp_begin
    tokens = [t for t in decoded.tokens if t < tokenizer.eot or t >= begin]
    cuts = [i + 1 for i in range(len(tokens) - 1) if tokens[i] >= begin and tokens[i + 1] >= begin]
    single_timestamp_ending = len(tokens) >= 2 and tokens[-2] < begin <= tokens[-1]
    seek: float | None = None
    if not cuts:
        cuts = [len(tokens)]
    elif single_timestamp_ending:
        if cuts[-1] != len(tokens):
            cuts.append(len(tokens))
    else:
        seek = (tokens[cuts[-1] - 1] - begin) * _TIME_PRECISION
        if seek <= 0:  # no progress: take the window as it is
            seek, cuts = None, cuts + ([len(tokens)] if cuts[-1] != len(tokens) else [])
    out: list[dict] = []
    for first, cut in zip([0, *cuts], cuts):
        piece = tokens[first:cut]
        text_tokens = [t for t in piece if t < tokenizer.eot]
        if not text_tokens:
            continue
        start = (piece[0] - begin) * _TIME_PRECISION if piece[0] >= begin else (out[-1]["end"] if out else 0.0)
        end = (piece[-1] - begin) * _TIME_PRECISION if piece[-1] >= begin else duration
        start = min(start, duration)
        out.append({
            "seek": 0, "start": start, "end": min(max(end, start), duration),
            "text": tokenizer.decode(text_tokens), "tokens": piece,
            "avg_logprob": decoded.avg_logprob, "no_speech_prob": decoded.no_speech_prob,
        })
    return out, (seek if seek is None or seek < duration else None)


def _segment(seg: dict) -> Segment:
    words = tuple(
        Word(w["word"], float(w["start"]), float(w["end"]), float(w.get("probability", 1.0)))
        for w in seg.get("words") or ()
        if w["word"].strip()
    )
    return Segment(start=float(seg["start"]), end=float(seg["end"]), text=seg["text"].strip(), words=words,
                   avg_logprob=float(seg["avg_logprob"]), no_speech_prob=float(seg["no_speech_prob"]))


def _shifted(seg: Segment, offset: float) -> Segment:
    return Segment(seg.start + offset, seg.end + offset, seg.text,
                   tuple(Word(w.text, w.start + offset, w.end + offset, w.probability) for w in seg.words),
                   seg.avg_logprob, seg.no_speech_prob)


__all__ = ["FastWhisperTranscriber", "load_fast_whisper"]
