"""The contract with the executor: round trips, and what either side refuses."""

from __future__ import annotations

import io
import json

import pytest

from assistant.executor.protocol import (
    MAX_INPUT_BYTES,
    MAX_OUTPUT_FILE_BYTES,
    ProtocolError,
    ResultReader,
    RunFile,
    RunRequest,
    RunResult,
    Skipped,
    valid_name,
    valid_output_name,
)


def test_a_request_and_a_result_survive_the_round_trip():
    request = RunRequest(
        run_id="Ev1:k", code="print(1)", files=(RunFile("a.csv", b"\x00\xff"),), timeout_seconds=5
    )
    result = RunResult(
        exit_code=-9,
        limit="timeout",
        stdout="x",
        stdout_bytes=10,
        files=(RunFile("out/chart.png", b"png"),),
        skipped=(Skipped("link", "a symbolic link"),),
    )

    assert RunRequest.from_json(request.to_json()) == request
    assert RunResult.decode(b"".join(result.encode())) == result


@pytest.mark.parametrize(
    "name", ["../x", "a/b", ".hidden", "", "a\x00b", "tab\there", "x" * 201, "a\\b"]
)
def test_unsafe_input_names_are_refused(name):
    assert not valid_name(name)
    body = json.dumps({"run_id": "r", "code": "", "files": [{"name": name, "data": ""}]})
    with pytest.raises(ProtocolError):
        RunRequest.from_json(body)


@pytest.mark.parametrize("name", ["/etc/passwd", "a/../b", "a//b", "a/.git/x"])
def test_an_output_with_an_unsafe_path_makes_the_result_unusable(name):
    assert not valid_output_name(name)
    body = b"".join(RunResult(files=(RunFile("ok.txt", b""),)).encode())
    with pytest.raises(ProtocolError):
        RunResult.decode(body.replace(b"ok.txt", name.encode()))


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"code": "print(1)"}',
        b'{"run_id": "r", "code": "x", "timeout_seconds": 0}',
        b'{"run_id": "r", "code": "x", "timeout_seconds": 10000}',
        b'{"run_id": "r", "code": "x", "files": [{"name": "a", "data": "!!"}]}',
        b'{"run_id": "r", "code": "x", "files": [{"name": "a"}, {"name": "a"}]}',
    ],
)
def test_malformed_requests_are_refused(body):
    with pytest.raises(ProtocolError):
        RunRequest.from_json(body)


def test_inputs_over_the_request_cap_are_refused():
    big = RunRequest(run_id="r", code="", files=(RunFile("a", b"x" * (MAX_INPUT_BYTES + 1)),))
    with pytest.raises(ProtocolError, match="larger than"):
        RunRequest.from_json(big.to_json())


def test_an_unknown_status_is_refused():
    with pytest.raises(ProtocolError):
        RunResult.decode(b'{"status": "maybe"}')


def test_a_name_with_a_lone_surrogate_is_unsafe_not_a_crash():
    assert not valid_name("bad\udcff.csv") and not valid_output_name("dir/bad\udcff")


def test_a_result_is_read_one_file_at_a_time_as_the_caller_asks():
    files = (RunFile("a.bin", b"a" * 1000), RunFile("b.bin", b"b" * 2000))
    stream = io.BytesIO(b"".join(RunResult(exit_code=0, files=files).encode()))

    reader = ResultReader(stream)
    head_end = stream.tell()
    arriving = reader.files()
    first = next(arriving)

    assert [(h.name, h.size) for h in reader.result.written] == [("a.bin", 1000), ("b.bin", 2000)]
    assert first == files[0] and stream.tell() == head_end + 1000  # b.bin not read yet
    assert list(arriving) == [files[1]]


@pytest.mark.parametrize(
    "files",
    [
        [{"name": "huge.bin", "size": MAX_OUTPUT_FILE_BYTES + 1}],
        [{"name": f"f{i}", "size": 9_000_000} for i in range(3)],  # 27 MB in all
        [{"name": "neg", "size": -1}],
    ],
)
def test_a_result_announcing_more_than_the_bounds_is_refused_before_any_file_is_read(files):
    body = json.dumps({"status": "finished", "files": files}).encode() + b"\n"
    with pytest.raises(ProtocolError):
        ResultReader(io.BytesIO(body))


def test_a_result_cut_short_is_refused():
    body = b"".join(RunResult(files=(RunFile("a.bin", b"x" * 100),)).encode())[:-10]
    with pytest.raises(ProtocolError, match="ended inside"):
        RunResult.decode(body)
