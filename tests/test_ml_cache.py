"""cached_file: one valid entry under a race, corrupt entries rebuilt, bad builds refused."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import time
from pathlib import Path

import pytest

from qa_coach.domain.errors import ModelMissingError
from qa_coach.ml.cache import cached_file

PAYLOAD = b"model bytes " * 5000
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


def _slow_build(counter: Path):
    def build(tmp: Path) -> None:
        with open(counter, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        with open(tmp, "wb") as fh:  # written in pieces, slowly, so a racing reader would see a partial file
            for start in range(0, len(PAYLOAD), 10000):
                fh.write(PAYLOAD[start : start + 10000])
                fh.flush()
                time.sleep(0.05)

    return build


def _worker(cache_root: str, counter: str, start_at: float, out: mp.Queue) -> None:
    os.environ["QA_COACH_CACHE_DIR"] = cache_root
    while time.time() < start_at:
        time.sleep(0.005)
    path = cached_file("models/entry.bin", _slow_build(Path(counter)), sha256=PAYLOAD_SHA)
    out.put(hashlib.sha256(path.read_bytes()).hexdigest())


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("QA_COACH_CACHE_DIR", str(root))
    return root


def test_two_processes_building_at_once_give_one_valid_file(cache_root, tmp_path):
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    counter = tmp_path / "builds.txt"
    start_at = time.time() + 2.0
    procs = [ctx.Process(target=_worker, args=(str(cache_root), str(counter), start_at, out)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sorted([out.get(timeout=5), out.get(timeout=5)]) == [PAYLOAD_SHA, PAYLOAD_SHA]
    assert len(counter.read_text().split()) == 1  # the second process waited and reused it
    folder = cache_root / "models"
    assert (folder / "entry.bin").read_bytes() == PAYLOAD
    assert not list(folder.glob("*.tmp"))


def test_corrupt_cached_file_is_rebuilt(cache_root, tmp_path):
    counter = tmp_path / "builds.txt"
    path = cached_file("entry.bin", _slow_build(counter), sha256=PAYLOAD_SHA)
    path.write_bytes(PAYLOAD[:1000])  # a truncated copy, as after a crash or a bad sync
    again = cached_file("entry.bin", _slow_build(counter), sha256=PAYLOAD_SHA)
    assert again == path
    assert again.read_bytes() == PAYLOAD
    assert len(counter.read_text().split()) == 2


def test_valid_entry_is_not_rebuilt(cache_root, tmp_path):
    counter = tmp_path / "builds.txt"
    cached_file("entry.bin", _slow_build(counter), sha256=PAYLOAD_SHA)
    cached_file("entry.bin", _slow_build(counter), sha256=PAYLOAD_SHA)
    assert len(counter.read_text().split()) == 1


def test_checksum_mismatch_raises_and_publishes_nothing(cache_root):
    def bad_build(tmp: Path) -> None:
        tmp.write_bytes(b"not the model")

    with pytest.raises(ModelMissingError, match="checksum.*reinstall it"):
        cached_file("entry.bin", bad_build, sha256=PAYLOAD_SHA, how_to_fix="reinstall it")
    assert not (cache_root / "entry.bin").exists()
    assert not list(cache_root.glob("*.tmp"))
