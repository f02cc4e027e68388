"""Timing facts of a call that reviewers read beside the score (pure: numbers in, numbers out).

Talk time is measured voice activity: the speech regions a voice activity detector found
on each speaker's channel (stereo) or in each speaker's stretches (mono), not the
transcript's segment times. Silences are the gaps, between the first and the last speech
of the call, where neither party speaks; leading and trailing silence (ringing, hold
music before pick-up, hang-up) is not dead air and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from .signals import Sentiment

Interval = tuple[float, float]


@dataclass(frozen=True)
class CallMetrics:
    duration: float
    agent_talk: float
    customer_talk: float
    agent_talk_share: float | None  # agent talk ÷ (agent + customer talk)
    customer_talk_share: float | None
    talk_listen_ratio: float | None  # agent talk ÷ customer talk
    silence_threshold: float
    silence_count: int  # gaps longer than silence_threshold
    longest_silence: float
    total_silence: float  # sum of the counted gaps
    long_silence_threshold: float
    long_silence_count: int  # gaps longer than long_silence_threshold (dead air)
    silences: tuple[Interval, ...]  # the counted gaps, for evidence
    overtalk_count: int | None  # None when it cannot be measured (mono)
    longest_overtalk: float | None
    total_overtalk: float | None
    agent_words_per_minute: float | None
    customer_sentiment_by_quarter: tuple[float | None, ...]  # mean score per quarter

    def as_dict(self) -> dict:
        from dataclasses import asdict

        d = asdict(self)
        d["silences"] = [list(s) for s in self.silences]
        d["customer_sentiment_by_quarter"] = list(self.customer_sentiment_by_quarter)
        return d


def readable(m: CallMetrics) -> tuple[tuple[str, str], ...]:
    """The metrics as a person reads them: a name and a value with its unit, such as
    ``("Agent talk time", "64% (1 min 30 s)")``."""
    over = ("not measurable (both voices on one channel)" if m.overtalk_count is None
            else _times(m.overtalk_count, m.longest_overtalk, m.total_overtalk))
    mood = " → ".join("–" if q is None else f"{q:+.2f}" for q in m.customer_sentiment_by_quarter)
    return (
        ("Call length", _span(m.duration)),
        ("Agent talk time", _share(m.agent_talk_share, m.agent_talk)),
        ("Customer talk time", _share(m.customer_talk_share, m.customer_talk)),
        ("Talk-to-listen ratio", "–" if m.talk_listen_ratio is None else f"{m.talk_listen_ratio:.1f} to 1"),
        (f"Silences over {m.silence_threshold:g} s", _times(m.silence_count, m.longest_silence, m.total_silence)),
        (f"Dead air (silences over {m.long_silence_threshold:g} s)", _count(m.long_silence_count)),
        ("Talking over each other", over),
        ("Agent speaking rate",
         "–" if m.agent_words_per_minute is None else f"{m.agent_words_per_minute:.0f} words a minute"),
        ("Customer mood by quarter of the call (−1 negative to +1 positive)", mood or "–"),
    )


def _span(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def _share(share: float | None, seconds: float) -> str:
    return _span(seconds) if share is None else f"{share:.0%} ({_span(seconds)})"


def _count(n: int) -> str:
    return "none" if n == 0 else f"{n} time{'s' if n != 1 else ''}"


def _times(n: int, longest: float | None, in_all: float | None) -> str:
    return _count(n) if n == 0 else f"{_count(n)}, longest {_span(longest)}, {_span(in_all)} in all"


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping union of intervals."""
    out: list[list[float]] = []
    for s, e in sorted((float(s), float(e)) for s, e in intervals if e > s):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def intersection(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    a, b = union(a), union(b)
    i = j = 0
    out: list[Interval] = []
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if e > s:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def total(intervals: Iterable[Interval]) -> float:
    return float(sum(e - s for s, e in union(intervals)))


def gaps(intervals: Sequence[Interval]) -> list[Interval]:
    """The gaps between the first start and the last end where no interval is active."""
    u = union(intervals)
    return [(u[k][1], u[k + 1][0]) for k in range(len(u) - 1)]


def quarter_means(
    duration: float, scored: Sequence[tuple[float, float]]
) -> tuple[float | None, ...]:
    """Mean of ``(time, value)`` pairs in each quarter of ``duration`` (None if empty)."""
    buckets: list[list[float]] = [[], [], [], []]
    if duration <= 0:
        return (None, None, None, None)
    for t, v in scored:
        q = min(3, max(0, int(4 * t / duration)))
        buckets[q].append(v)
    return tuple(round(sum(b) / len(b), 4) if b else None for b in buckets)


def compute_call_metrics(
    *,
    duration: float,
    agent_speech: Sequence[Interval],
    customer_speech: Sequence[Interval],
    overtalk_measurable: bool,
    agent_words: int = 0,
    customer_sentiments: Sequence[tuple[float, Sentiment]] = (),
    silence_threshold: float = 2.0,
    long_silence_threshold: float = 10.0,
    min_overtalk: float = 0.0,
) -> CallMetrics:
    """Metrics from each party's speech intervals (seconds on the call's timeline).

    ``customer_sentiments`` pairs a time (e.g. a turn's midpoint) with the sentiment of
    what the customer said then. Overtalk counts overlaps longer than ``min_overtalk``.
    """
    agent_talk = total(agent_speech)
    customer_talk = total(customer_speech)
    both = agent_talk + customer_talk
    all_gaps = gaps(list(agent_speech) + list(customer_speech))
    counted = [(s, e) for s, e in all_gaps if e - s > silence_threshold]
    long_count = sum(1 for s, e in all_gaps if e - s > long_silence_threshold)
    if overtalk_measurable:
        over = [(s, e) for s, e in intersection(agent_speech, customer_speech) if e - s > min_overtalk]
        over_count: int | None = len(over)
        over_longest: float | None = max((e - s for s, e in over), default=0.0)
        over_total: float | None = float(sum(e - s for s, e in over))
    else:
        over_count = over_longest = over_total = None
    wpm = agent_words / (agent_talk / 60.0) if agent_talk > 0 else None
    return CallMetrics(
        duration=float(duration),
        agent_talk=agent_talk,
        customer_talk=customer_talk,
        agent_talk_share=agent_talk / both if both > 0 else None,
        customer_talk_share=customer_talk / both if both > 0 else None,
        talk_listen_ratio=agent_talk / customer_talk if customer_talk > 0 else None,
        silence_threshold=silence_threshold,
        silence_count=len(counted),
        longest_silence=max((e - s for s, e in counted), default=0.0),
        total_silence=float(sum(e - s for s, e in counted)),
        long_silence_threshold=long_silence_threshold,
        long_silence_count=long_count,
        silences=tuple(counted),
        overtalk_count=over_count,
        longest_overtalk=over_longest,
        total_overtalk=over_total,
        agent_words_per_minute=wpm,
        customer_sentiment_by_quarter=quarter_means(
            duration, [(t, s.score) for t, s in customer_sentiments]
        ),
    )
