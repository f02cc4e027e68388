"""Word-level helpers shared by the detectors: questions and content words."""

from __future__ import annotations

import re

_QUESTION_START = re.compile(
    r"^(?:(?:so|and|ok(?:ay)?|alright|now|also|just|um+|uh+|well)[, ]+)*"
    r"(what|when|where|which|who|whom|whose|why|how|do|does|did|is|are|was|were|can|could|"
    r"would|will|have|has|had|should|may|might|shall)\b",
    re.IGNORECASE,
)


# Unpunctuated speech (ASR) hides questions mid-sentence: "...the fourteenth have you worn
# them outside at all": an auxiliary followed by "you"/"your" reads as a question.
_INNER_QUESTION = re.compile(
    r"\b(?:do|did|does|have|has|are|were|can|could|would|will|should)\s+you\b"
    r"|\b(?:is|was|does|did)\s+(?:it|that|this)\b(?!\s*(?:is|was)\b)"
    r"|\b(?:is|are|was|were)\s+(?:he|she|they|there any)\b"
    r"|\b(?:is|are)\s+the\s+\w+\s+(?:still|showing|working|doing|on|off|plugged|connected|blinking|charging|saying)\b"
    r"|\b(?:what|which|when|where|how|why|who)\s+(?:is|are|was|were|do|does|did|has|have|can|would|kind|type|time|model|exactly|long|much|many)\b"
    r"|\b(?:is that (?:right|correct)|correct|right)\s*$",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    t = text.strip()
    return t.endswith("?") or bool(_QUESTION_START.match(t) or _INNER_QUESTION.search(t))


_WORD = re.compile(r"[a-z][a-z']+")
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further get got had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his how
    how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's like me more
    most mustn't my myself no nor not now of off on once only or other ought our ours
    ourselves out over own really right same she she'd she'll she's should shouldn't so some
    such than that that's the their theirs them themselves then there there's these they
    they'd they'll they're they've this those through to too under until up very was wasn't
    we we'd we'll we're we've were weren't what what's when when's where where's which while
    who who's whom why why's will with won't would wouldn't yes yeah you you'd you'll you're
    you've your yours yourself yourselves okay ok um uh hi hello thanks thank please sorry
    well also still going want need know see look one two call calling help today able sure
    great good just make made said says say tell told time back""".split()
)


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) >= 4 and w not in STOPWORDS}
