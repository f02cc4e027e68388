"""The qa_dev set: real chats, labelled by two reviewers independently and adjudicated.

The folder (``../shared/extdata/chat/qa_dev`` beside the repository; see its README and
GUIDE) holds ``transcripts/<id>.txt``, one chat each in the plain-text chat format, and
``labels.tsv``: per chat and criterion, reviewer A (``<criterion>_a``), reviewer B
(``<criterion>_b``) and the adjudicated label (``<criterion>``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from qa_coach.domain.errors import InputError
from qa_coach.domain.interaction import Interaction
from qa_coach.domain.scorecard import BuiltInAnswer

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_QA_DEV_DIR = REPO_ROOT.parent / "shared" / "extdata" / "chat" / "qa_dev"
LABELS_FILE = "labels.tsv"
TRANSCRIPTS_DIR = "transcripts"

#: The criteria of GUIDE.md and the labels each may take.
CRITERIA: Mapping[str, tuple[str, ...]] = {
    "greeting": ("yes", "no"),
    "active_listening": ("yes", "partial", "no"),
    "empathy": ("yes", "no", BuiltInAnswer.NA),
    "apology": ("yes", "no", BuiltInAnswer.NA),
    "resolution": ("yes", "partial", "no"),
}


@dataclass(frozen=True)
class ReviewedChat:
    id: str  # the transcript's file name without .txt, e.g. "V001"
    source: str  # the corpus it comes from (MWOZ, SGD)
    interaction: Interaction
    label: Mapping[str, str]  # criterion -> adjudicated label
    reviewer_a: Mapping[str, str]  # criterion -> reviewer A's label
    reviewer_b: Mapping[str, str]  # criterion -> reviewer B's label


class QaDevMissing(FileNotFoundError):
    """The qa_dev folder is not there (the message says where it was looked for)."""


def load_qa_dev(folder: Path = DEFAULT_QA_DEV_DIR) -> list[ReviewedChat]:
    """Every chat of the set, in the order of labels.tsv.

    Raises QaDevMissing when the folder or its labels.tsv is absent, and an InputError that
    names the file and the row for a bad label, a duplicate id or a missing transcript.
    """
    labels_path = folder / LABELS_FILE
    if not labels_path.is_file():
        raise QaDevMissing(
            f"qa_dev not found: no {labels_path} (the real labelled chats live in ../shared beside the repository)"
        )
    rows = _read_labels(labels_path)
    transcripts = folder / TRANSCRIPTS_DIR
    unlabelled = sorted({p.stem for p in transcripts.glob("*.txt")} - {row["id"] for _, row in rows})
    if unlabelled:
        raise InputError(labels_path, None, f"no row for the transcripts {', '.join(unlabelled)}")
    return [_reviewed_chat(labels_path, transcripts, line, row) for line, row in rows]


def _read_labels(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        needed = ["id", "source"] + [f"{c}{s}" for c in CRITERIA for s in ("_a", "_b", "")]
        missing = [c for c in needed if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(path, "header", f"missing column(s) {', '.join(missing)}")
        rows, seen = [], set()
        for row in reader:
            line = reader.line_num
            if None in row or any(row[c] is None for c in needed):
                raise InputError(path, f"line {line}", f"expected {len(reader.fieldnames or [])} tab-separated values")
            if row["id"] in seen:
                raise InputError(path, f"line {line}, column 'id'", f"duplicate id {row['id']!r}")
            seen.add(row["id"])
            for criterion, allowed in CRITERIA.items():
                for column in (f"{criterion}_a", f"{criterion}_b", criterion):
                    if row[column] not in allowed:
                        raise InputError(
                            path, f"line {line}, column '{column}'",
                            f"{row[column]!r} is not one of {', '.join(allowed)}",
                        )
            rows.append((line, row))
    return rows


def _reviewed_chat(labels_path: Path, transcripts: Path, line: int, row: dict[str, str]) -> ReviewedChat:
    from qa_coach.ingest import import_text

    path = transcripts / f"{row['id']}.txt"
    if not path.is_file():
        raise InputError(labels_path, f"line {line}, column 'id'", f"no transcript {path}")
    interactions = import_text(path.read_bytes(), name=str(path), format="text")
    if len(interactions) != 1:
        raise InputError(path, None, f"holds {len(interactions)} conversations, not one")
    return ReviewedChat(
        id=row["id"],
        source=row["source"],
        interaction=interactions[0],
        label={c: row[c] for c in CRITERIA},
        reviewer_a={c: row[f"{c}_a"] for c in CRITERIA},
        reviewer_b={c: row[f"{c}_b"] for c in CRITERIA},
    )
