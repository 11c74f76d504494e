"""The fake OpenAI server, driven by the official ``openai`` client over real HTTP.

Each test writes its own prompt text, so its directives and attempt counts
cannot collide with another test's on the shared server.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL = "fake-gpt"


def _start_server(*extra: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.fake_openai", "--port=0", *extra],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("listening on "), line
    return process, line.removeprefix("listening on ").strip()


def _stop_server(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    process, url = _start_server()
    yield url
    _stop_server(process)


@pytest.fixture(scope="module")
def small_window_server() -> Iterator[str]:
    process, url = _start_server("--context-window", "50")
    yield url
    _stop_server(process)


def _client(url: str, *, max_retries: int = 0, timeout: float = 5.0) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{url}/v1", api_key="test", max_retries=max_retries, timeout=timeout
    )


def _user(content: object) -> list:
    return [{"role": "user", "content": content}]


def _ask(url: str, text: str, **client_options: float) -> str:
    client = _client(url, **client_options)  # type: ignore[arg-type]
    response = client.chat.completions.create(model=MODEL, messages=_user(text))
    return response.choices[0].message.content or ""


def _stream(url: str, text: str, **options: object) -> list:
    create = _client(url).chat.completions.create
    return list(create(model=MODEL, messages=_user(text), stream=True, **options))


def _joined(chunks: list) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def _http(
    url: str,
    *,
    method: str = "GET",
    body: object = None,
    headers: dict[str, str] | None = None,
):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _recorded(url: str, contains: str) -> list[dict]:
    query = urllib.parse.urlencode({"contains": contains})
    return json.loads(_http(f"{url}/_fake/requests?{query}")[2])


def _outcomes(url: str, contains: str) -> list[str]:
    return [r["outcome"] for r in _recorded(url, contains)]


def test_models_lists_the_fake_model(server: str) -> None:
    status, _, body = _http(f"{server}/v1/models")

    assert status == 200
    model = json.loads(body)["data"][0]
    assert (model["id"], model["object"], model["owned_by"]) == (MODEL, "model", "devstack")


def test_non_streaming_answers_the_last_user_message_with_usage(server: str) -> None:
    client = _client(server)

    response = client.chat.completions.create(
        model="any-model-name",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "  what is a fake server? [[slow:0]] "},
        ],
    )

    assert response.choices[0].message.content == "Answer to: what is a fake server?"
    assert response.choices[0].finish_reason == "stop"
    assert response.model == "any-model-name"
    usage = response.usage
    assert usage is not None and usage.completion_tokens == 9  # ceil(33 chars / 4)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_stream_chunks_reassemble_into_the_answer_and_end_with_usage(
    server: str,
) -> None:
    text = "stream me a reasonably long sentence of words please"

    chunks = _stream(server, text, stream_options={"include_usage": True})

    with_choices = [c for c in chunks if c.choices]
    assert with_choices[0].choices[0].delta.role == "assistant"
    assert sum(bool(c.choices[0].delta.content) for c in with_choices) > 3
    assert _joined(chunks) == f"Answer to: {text}"
    assert with_choices[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 16


def test_stream_without_include_usage_sends_no_usage(server: str) -> None:
    chunks = _stream(server, "no usage please")

    assert all(c.usage is None and c.choices for c in chunks)


def test_request_without_bearer_key_gets_openai_401(server: str) -> None:
    status, _, body = _http(f"{server}/v1/chat/completions", method="POST", body={"messages": []})

    assert status == 401
    assert json.loads(body)["error"]["type"] == "invalid_request_error"


def test_client_retries_through_two_500s(server: str) -> None:
    answer = _ask(server, "retry 500 twice [[fail:500:2]]", max_retries=2)

    assert answer == "Answer to: retry 500 twice"
    recorded = _recorded(server, "retry 500 twice")
    assert [(r["attempt"], r["outcome"]) for r in recorded] == [
        (1, "error:500"),
        (2, "error:500"),
        (3, "ok"),
    ]


def test_client_retries_after_one_429(server: str) -> None:
    answer = _ask(server, "retry 429 once [[fail:429:1]]", max_retries=1)

    assert answer == "Answer to: retry 429 once"
    assert _outcomes(server, "retry 429 once") == ["error:429", "ok"]


def test_429_carries_retry_after_headers_and_rate_limit_body(server: str) -> None:
    status, headers, body = _http(
        f"{server}/v1/chat/completions",
        method="POST",
        headers={"Authorization": "Bearer test", "Content-Type": "application/json"},
        body={"model": MODEL, "messages": _user("raw [[fail:429:1:retry_after=0.2]]")},
    )

    assert status == 429
    assert (headers["Retry-After"], headers["retry-after-ms"]) == ("1", "200")
    error = json.loads(body)["error"]
    assert (error["type"], error["code"]) == ("requests", "rate_limit_exceeded")


def test_exhausted_retries_raise_internal_server_error(server: str) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        _ask(server, "always 500 [[fail:500]]", max_retries=1)

    assert caught.value.status_code == 500
    assert caught.value.type == "server_error"
    assert len(_recorded(server, "always 500")) == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, openai.BadRequestError),
        (404, openai.NotFoundError),
        (429, openai.RateLimitError),
        (503, openai.InternalServerError),
    ],
)
def test_any_injected_status_maps_to_the_clients_error_class(
    server: str, status: int, error: type
) -> None:
    with pytest.raises(error):
        _ask(server, f"status {status} [[fail:{status}:1]]", max_retries=0)


def test_stall_longer_than_the_timeout_raises_api_timeout_error(server: str) -> None:
    started = time.monotonic()

    with pytest.raises(openai.APITimeoutError):
        _ask(server, "stall forever [[stall:3]]", timeout=0.5, max_retries=0)

    assert time.monotonic() - started < 2


def test_stall_on_first_attempt_only_is_survived_by_a_retry(server: str) -> None:
    answer = _ask(server, "stall once [[stall:3:1]]", timeout=0.5, max_retries=1)

    assert answer == "Answer to: stall once"
    assert _outcomes(server, "stall once") == ["client_gone", "ok"]


def test_drop_mid_stream_raises_api_connection_error_after_partial_content(
    server: str,
) -> None:
    text = "drop this stream midway through its many words [[drop:1]]"
    stream = _client(server, max_retries=3).chat.completions.create(
        model=MODEL, messages=_user(text), stream=True
    )
    received: list[str] = []

    # The client does not retry once a stream has started: the error surfaces
    # from iteration as APIConnectionError, caused by httpx2's RemoteProtocolError
    # ("incomplete chunked read").
    with pytest.raises(openai.APIConnectionError) as caught:
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")

    assert not isinstance(caught.value, openai.APITimeoutError)
    assert "".join(received).startswith("Answer to: drop")
    assert _joined(_stream(server, text)).endswith("many words")  # attempt 2


def test_drop_of_a_non_streaming_response_is_retried_by_the_client(server: str) -> None:
    answer = _ask(server, "drop plain once [[drop:1]]", max_retries=1)

    assert answer == "Answer to: drop plain once"
    assert _outcomes(server, "drop plain once") == ["dropped", "ok"]


def test_slow_spaces_out_streamed_chunks(server: str) -> None:
    started = time.monotonic()

    _stream(server, "slowly [[slow:0.1]]")

    # Chunks: role, content, finish, [DONE], so at least three gaps.
    assert time.monotonic() - started >= 0.3


def test_content_filter_is_a_bad_request_with_its_code(server: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _ask(server, "filter me [[content_filter]]")

    assert (caught.value.code, caught.value.param) == ("content_filter", "prompt")


def test_content_filter_in_stream_cuts_the_answer_short(server: str) -> None:
    chunks = _stream(server, "filter my streamed output [[content_filter:stream]]")

    assert chunks[-1].choices[0].finish_reason == "content_filter"
    assert _joined(chunks) == "Answer to: filter "


def test_context_length_directive_is_a_bad_request_with_its_code(server: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _ask(server, "too long [[context_length]]")

    assert caught.value.code == "context_length_exceeded"
    assert caught.value.param == "messages"


def test_context_window_flag_rejects_prompts_above_it(small_window_server: str) -> None:
    assert _ask(small_window_server, "short prompt") == "Answer to: short prompt"

    with pytest.raises(openai.BadRequestError) as caught:
        _ask(small_window_server, "x" * 400)  # ~100 tokens against a window of 50

    assert caught.value.code == "context_length_exceeded"


def test_images_in_the_last_user_message_are_counted(server: str) -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}
    parts = [{"type": "text", "text": "describe these"}, image, image]

    response = _client(server).chat.completions.create(model=MODEL, messages=_user(parts))

    answer = response.choices[0].message.content
    assert answer == "Answer to: describe these [images: 2]"


def test_reply_directive_answers_exactly_its_text(server: str) -> None:
    answer = _ask(server, r"scripted [[reply:# Title\n\n*bold* and [a link](http://x)]]")

    assert answer == "# Title\n\n*bold* and [a link](http://x)"


def test_long_directive_answers_markdown_paragraphs_of_that_length(server: str) -> None:
    answer = _ask(server, "long one [[long:3000]]")

    blocks = answer.split("\n\n")
    assert len(answer) == 3000
    assert sum(b.startswith("```") for b in blocks) == 1
    assert all(len(b) <= 400 for b in blocks)
    assert blocks[0].startswith("**1.**")


def test_directives_only_count_in_the_last_user_message(server: str) -> None:
    messages = [
        {"role": "user", "content": "earlier [[fail:500]]"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "later turn"},
    ]

    response = _client(server).chat.completions.create(model=MODEL, messages=messages)

    assert response.choices[0].message.content == "Answer to: later turn"


def test_malformed_directive_is_a_bad_request(server: str) -> None:
    with pytest.raises(openai.BadRequestError, match="bad directive"):
        _ask(server, "typo [[fail:five-hundred]]")


def test_recorded_requests_filter_by_text_and_can_be_cleared(
    small_window_server: str,
) -> None:
    _ask(small_window_server, "needle one")
    _ask(small_window_server, "haystack two")

    matching = _recorded(small_window_server, "needle")
    status, _, _ = _http(f"{small_window_server}/_fake/requests", method="DELETE")

    assert [r["body"]["messages"][0]["content"] for r in matching] == ["needle one"]
    assert matching[0]["attempt"] == 1 and matching[0]["received_at"]
    assert status == 204
    assert _recorded(small_window_server, "") == []
