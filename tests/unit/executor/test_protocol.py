"""The JSON contract with the executor: round trips, and what either side refuses."""

from __future__ import annotations

import json

import pytest

from assistant.executor.protocol import (
    MAX_INPUT_BYTES,
    ProtocolError,
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
    assert RunResult.from_json(result.to_json()) == result


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
    body = RunResult(files=(RunFile("ok.txt", b""),)).to_json().replace(b"ok.txt", name.encode())
    with pytest.raises(ProtocolError):
        RunResult.from_json(body)


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
        RunResult.from_json(b'{"status": "maybe"}')


def test_a_name_with_a_lone_surrogate_is_unsafe_not_a_crash():
    assert not valid_name("bad\udcff.csv") and not valid_output_name("dir/bad\udcff")
