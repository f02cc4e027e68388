"""A SHA-256-checked, atomically written cache of model files in the user's cache folder.

Two processes that start at once must not corrupt the cache: builders write to a
temporary file in the same folder, verify it, then ``os.replace`` it into place while
holding a per-entry file lock, so a reader sees either nothing or a whole, checked file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable

from filelock import FileLock
from platformdirs import user_cache_dir

from qa_coach.domain.errors import ModelMissingError
from qa_coach.settings import get_settings

_CHUNK = 1 << 20  # bytes read at a time while hashing


def cache_dir() -> Path:
    """The cache folder: ``$QA_COACH_CACHE_DIR`` or the platform's user cache folder."""
    path = get_settings().cache_dir or Path(user_cache_dir("qa_coach", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sha256(
    path: Path, expected: str, *, how_to_fix: str, stamp: Path | None = None, what: str = "model file"
) -> None:
    """Raise :class:`ModelMissingError` unless ``path`` exists and hashes to ``expected``.

    Hashing a large file on every start is slow: with ``stamp``, a verified file gets a
    stamp of its exact path, size and mtime there, which later calls trust; a change of
    either means a re-hash. ``what`` names the file in the error ("model file").
    """
    if not path.is_file():
        raise ModelMissingError(f"{what} {path} is missing. {how_to_fix}")
    st = path.stat()
    key = f"{expected} {path.resolve()} {st.st_size} {st.st_mtime_ns}"
    if stamp is not None and _read_stamp(stamp) == key:
        return
    actual = sha256_of(path)
    if actual != expected:
        raise ModelMissingError(
            f"{what} {path} does not match its checksum "
            f"(SHA-256 {actual[:16]}…, expected {expected[:16]}…). {how_to_fix}"
        )
    if stamp is not None:
        _write_stamp(stamp, key)


def _read_stamp(stamp: Path) -> str | None:
    try:
        return stamp.read_text().strip()
    except OSError:
        return None


def _write_stamp(stamp: Path, key: str) -> None:
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        tmp = stamp.with_name(f"{stamp.name}.{os.getpid()}.tmp")
        tmp.write_text(key)
        os.replace(tmp, stamp)
    except OSError:
        pass  # a read-only cache only costs a re-hash next time


def cached_file(
    name: str,
    build: Callable[[Path], None],
    *,
    sha256: str | None = None,
    how_to_fix: str = "",
) -> Path:
    """Return the cached file ``name``, building it once with ``build(tmp_path)`` if needed.

    ``build`` writes the whole file to the path it is given. When ``sha256`` is given the
    result is checked before it is published, and an existing entry that no longer
    matches (a partial copy, bit rot) is rebuilt.
    """
    target = cache_dir() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if _is_valid(target, sha256):
        return target
    with FileLock(str(target) + ".lock"):
        if _is_valid(target, sha256):  # another process built it while we waited
            return target
        fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            build(tmp)
            if sha256 is not None:
                verify_sha256(tmp, sha256, how_to_fix=how_to_fix)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    return target


def cached_folder(name: str, build: Callable[[Path], None], is_valid: Callable[[Path], bool]) -> Path:
    """Return the cached folder ``name``, building it once with ``build(tmp_folder)`` if needed.

    The same protocol as :func:`cached_file` for a set of files that belong together:
    ``build`` fills a temporary folder beside the target, which is renamed into place under
    the entry's lock; a folder that fails ``is_valid`` (a damaged file) is rebuilt.
    """
    import shutil

    target = cache_dir() / name
    if is_valid(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if is_valid(target):  # another process built it while we waited
            return target
        shutil.rmtree(target, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent))
        try:
            build(tmp)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if not is_valid(target):
        raise ModelMissingError(f"the cache entry {target} fails its check after a rebuild; delete it and retry")
    return target


def _is_valid(path: Path, sha256: str | None) -> bool:
    if not path.is_file():
        return False
    if sha256 is None:
        return True
    try:
        verify_sha256(path, sha256, how_to_fix="", stamp=path.with_name(path.name + ".sha256"))
    except ModelMissingError:
        return False
    return True
