"""Storage helpers: content-addressed keys and streaming saves.

Public tiers go to the `default` storage (S3 behind the CDN in production, the local disk in the
embedded default); originals go to the private `originals` storage. Keys are derived from the
file's sha256, so a key always names the same bytes and can be cached forever.
"""

import hashlib
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage, storages

CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file, reading it in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def content_key(sha256: str, tier: str, suffix: str) -> str:
    """Return the storage key for a file of `tier` with content hash `sha256`."""
    return f"{tier}/{sha256[:2]}/{sha256}{suffix}"


def storage_for(tier: str) -> Storage:
    return storages["originals" if tier == "original" else "default"]


def store_file(path: Path, *, tier: str, sha256: str | None = None) -> tuple[str, str]:
    """Stream `path` into the tier's storage under its content key; return (key, sha256).

    Saving the same bytes twice is a no-op, so a retried step never duplicates a file. A file left
    half-written by a crash has the wrong size and is replaced.
    """
    path = Path(path)
    sha256 = sha256 or sha256_of(path)
    key = content_key(sha256, tier, path.suffix.lower())
    storage = storage_for(tier)
    size = path.stat().st_size
    if storage.exists(key):
        if storage.size(key) == size:
            return key, sha256
        storage.delete(key)
    with open(path, "rb") as fh:
        saved = storage.save(key, File(fh, name=path.name))
    if saved != key:  # a storage that renames on collision would break content addressing
        storage.delete(saved)
        raise RuntimeError(f"Storage saved {key} as {saved}; it must allow overwrites.")
    return key, sha256
