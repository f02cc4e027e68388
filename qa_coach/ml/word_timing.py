"""Word times from a cross-attention alignment, by openai-whisper's rules, without PyTorch.

openai-whisper's ``find_alignment`` turns the alignment heads' attention into a path of
(token, frame) pairs; its ``add_word_timestamps`` then groups the path into words and tidies
their times. The fast engine gets the path from CTranslate2 and applies the same rules here
(its ``whisper.timing`` module imports PyTorch, which the fast engine does not load):

* a word's start and end are the frames where the path first reaches its first token and
  the token after its last; its probability is the mean of its tokens';
* the median word duration (at most 0.7 s) bounds words at sentence ends to twice that;
* leading punctuation joins the next word, trailing punctuation the previous one;
* the first word after a pause and segment edges are trimmed as openai-whisper trims them.

Tests hold the result to ``whisper.timing.add_word_timestamps`` on the same alignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

TIME_PRECISION = 0.02  # seconds per encoder frame
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"
_SENTENCE_END_MARKS = ".。!！?？"


@dataclass
class WordTiming:
    """One word of the alignment (mutable: punctuation is merged into its neighbours)."""

    word: str
    tokens: list[int]
    start: float
    end: float
    probability: float


def word_timings(tokenizer, text_tokens: Sequence[int], alignments, text_token_probs) -> list[WordTiming]:
    """The alignment path (pairs of text index, frame) grouped into the tokenizer's words."""
    words, word_tokens = tokenizer.split_to_word_tokens(list(text_tokens) + [tokenizer.eot])
    if len(word_tokens) <= 1:
        return []
    pairs = np.asarray(alignments, dtype=np.int64).reshape(-1, 2)
    text_indices, time_indices = pairs[:, 0], pairs[:, 1]
    probs = np.asarray(text_token_probs, dtype=np.float64)
    boundaries = np.pad(np.cumsum([len(t) for t in word_tokens[:-1]]), (1, 0))
    jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
    jump_times = time_indices[jumps] * TIME_PRECISION
    starts = jump_times[boundaries[:-1]]
    ends = jump_times[boundaries[1:]]
    return [
        WordTiming(w, list(t), float(s), float(e), float(np.mean(probs[i:j])))
        for w, t, s, e, i, j in zip(words, word_tokens, starts, ends, boundaries[:-1], boundaries[1:])
    ]


def _bound_sentence_ends(timings: list[WordTiming], max_duration: float) -> None:
    for prev, cur in zip(timings, timings[1:]):
        if cur.end - cur.start > max_duration:
            if cur.word in _SENTENCE_END_MARKS:
                cur.end = cur.start + max_duration
            elif prev.word in _SENTENCE_END_MARKS:
                cur.start = cur.end - max_duration


def _merge_punctuation(timings: list[WordTiming]) -> None:
    """Leading marks (after a space) move onto the following word, right to left; trailing
    marks onto the word before them, left to right."""
    into = len(timings) - 1
    for k in range(len(timings) - 2, -1, -1):
        mark = timings[k]
        if mark.word.startswith(" ") and mark.word.strip() in PREPEND_PUNCTUATIONS:
            target = timings[into]
            target.word, target.tokens = mark.word + target.word, mark.tokens + target.tokens
            mark.word, mark.tokens = "", []
        else:
            into = k
    into = 0
    for k in range(1, len(timings)):
        mark, target = timings[k], timings[into]
        if not target.word.endswith(" ") and mark.word in APPEND_PUNCTUATIONS:
            target.word, target.tokens = target.word + mark.word, target.tokens + mark.tokens
            mark.word, mark.tokens = "", []
        else:
            into = k


def _trim_edges(segment: dict, words: list[dict], last_speech: float, median: float, max_duration: float) -> None:
    first = words[0]
    after_pause = first["end"] - last_speech > median * 4
    too_long = first["end"] - first["start"] > max_duration or (
        len(words) > 1 and words[1]["end"] - first["start"] > max_duration * 2)
    if after_pause and too_long:
        if len(words) > 1 and words[1]["end"] - words[1]["start"] > max_duration:
            boundary = max(words[1]["end"] / 2, words[1]["end"] - max_duration)
            first["end"] = words[1]["start"] = boundary
        first["start"] = max(0, first["end"] - max_duration)
    if segment["start"] < first["end"] and segment["start"] - 0.5 > first["start"]:
        first["start"] = max(0, min(first["end"] - median, segment["start"]))
    else:
        segment["start"] = first["start"]
    last = words[-1]
    if segment["end"] > last["start"] and segment["end"] + 0.5 < last["end"]:
        last["end"] = max(last["start"] + median, segment["end"])
    else:
        segment["end"] = last["end"]


def add_word_timestamps(segments: list[dict], tokenizer, timings: list[WordTiming], *,
                        time_offset: float = 0.0, last_speech_timestamp: float = 0.0) -> None:
    """Set ``segment["words"]`` (word, start, end, probability) on each of one window's
    ``segments`` from its ``timings``; segment starts and ends move as openai-whisper moves them."""
    if not segments:
        return
    durations = np.array([t.end - t.start for t in timings])
    durations = durations[durations.nonzero()]
    median = min(0.7, float(np.median(durations))) if len(durations) else 0.0
    max_duration = median * 2
    if len(durations):
        _bound_sentence_ends(timings, max_duration)
    _merge_punctuation(timings)
    k = 0
    last_speech = last_speech_timestamp
    for segment in segments:
        n_text = sum(1 for t in segment["tokens"] if t < tokenizer.eot)
        words: list[dict] = []
        taken = 0
        while k < len(timings) and taken < n_text:
            t = timings[k]
            if t.word:
                words.append({"word": t.word, "start": round(time_offset + t.start, 2),
                              "end": round(time_offset + t.end, 2), "probability": t.probability})
            taken += len(t.tokens)
            k += 1
        if words:
            _trim_edges(segment, words, last_speech, median, max_duration)
            last_speech = segment["end"]
        segment["words"] = words


__all__ = ["WordTiming", "add_word_timestamps", "word_timings"]
