"""Links into the app (``?interaction=ID``, ``?rep=ID``, ``?session=ID``): what one points at,
when the signed-in user may see it.

Whatever the reason a link cannot be opened (no such record, another team's, another
representative's, not a number) the answer is the same, so a link tells nobody what exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa_coach.storage.models import CoachingSession, InteractionRow, Representative

from .access import Sessions, can_see_rep, unit_of_work
from .errors import NotFoundError

INTERACTION, REPRESENTATIVE, COACHING_SESSION = "interaction", "rep", "session"
KINDS = (INTERACTION, COACHING_SESSION, REPRESENTATIVE)  # the most specific first, when a link names several
_NOUNS = {INTERACTION: "interaction", REPRESENTATIVE: "representative", COACHING_SESSION: "coaching session"}
_LARGEST_ID = 2**31 - 1  # ids are 32-bit integers in every database qa_coach uses


class LinkNotFoundError(NotFoundError):
    """The link's record does not exist or is not the user's to see (one answer for both)."""


@dataclass(frozen=True)
class LinkTarget:
    kind: str  # one of KINDS
    id: int
    representative_id: int  # whose it is (the representative the page opens on)


def open_link(sessions: Sessions, user_id: int, kind: str, raw_id: str) -> LinkTarget:
    """The record a link names, checked against what ``user_id`` may see; a
    :class:`LinkNotFoundError` (the same words whatever the reason) otherwise."""
    if kind not in _NOUNS:
        raise ValueError(f"not a kind of link: {kind!r}")
    shown = raw_id if raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 12 else "in this link"
    refused = LinkNotFoundError(f"{_NOUNS[kind]} {shown}: not found, or not yours to see")
    if not (raw_id.isascii() and raw_id.isdigit()) or not 0 < int(raw_id) <= _LARGEST_ID:
        raise refused
    record_id = int(raw_id)
    with unit_of_work(sessions, user_id) as (s, actor):
        if kind == INTERACTION:
            row = s.get(InteractionRow, record_id)
            rep_id = row.representative_id if row is not None else None
        elif kind == COACHING_SESSION:
            cs = s.get(CoachingSession, record_id)
            rep_id = cs.representative_id if cs is not None else None
        else:
            rep_id = record_id if s.get(Representative, record_id) is not None else None
        if rep_id is None or not can_see_rep(s, actor, rep_id):
            raise refused
        return LinkTarget(kind, record_id, rep_id)
