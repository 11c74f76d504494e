"""Only the sandbox's own page and programs on this machine may use it (guard.py): no other
web page can read the prompts, post mentions or reset the workspace while `nox -s dev` runs,
not through CORS, not through a form, not through DNS rebinding."""

from __future__ import annotations

import http.client
import json

import pytest
from sandbox_harness import TOKEN
from slack_sdk import WebClient

from devstack.slack_sandbox.guard import Guard

EVIL = "https://evil.example"


def call(sandbox, method: str, path: str, *, body: bytes | None = None, **headers: str):
    """One request with exactly these headers (Host included): (status, headers, JSON or None)."""
    connection = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    headers.setdefault("Host", f"127.0.0.1:{sandbox.port}")
    for name, value in headers.items():
        connection.putheader(name.replace("_", "-"), value)
    if body is not None:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    try:
        parsed = json.loads(data)
    except ValueError:
        parsed = None
    return response.status, dict(response.getheaders()), parsed


def message_count(sandbox) -> int:
    return len(sandbox.get("/_sandbox/messages")["messages"])


def post_json(sandbox, path: str, payload: dict, **headers: str):
    body = json.dumps(payload).encode()
    return call(sandbox, "POST", path, body=body, Content_Type="application/json", **headers)


MENTION = {"channel": "C0GENERAL", "text": "<@U0BOT> what did they ask?"}


def test_another_origin_cannot_read_the_workspace(sandbox):
    for headers in ({"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site", "Origin": EVIL}):
        status, answer_headers, body = call(sandbox, "GET", "/_sandbox/state", **headers)
        assert (status, body["error"]) == (403, "cross_origin_refused")
        assert "Access-Control-Allow-Origin" not in answer_headers


def test_no_answer_carries_a_cors_header_and_preflights_are_refused(sandbox):
    status, headers, _ = call(sandbox, "GET", "/_sandbox/state")
    assert status == 200 and not any(h.startswith("Access-Control") for h in headers)
    preflight = call(
        sandbox,
        "OPTIONS",
        "/_sandbox/messages",
        Origin=EVIL,
        Access_Control_Request_Method="POST",
        Access_Control_Request_Headers="content-type",
    )
    assert preflight[0] == 403
    assert not any(h.startswith("Access-Control") for h in preflight[1])


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Sec-Fetch-Site": "cross-site"},
        # another local dev server is "same-site" (ports do not count), not same-origin
        {"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:3000"},
        {"Origin": "null"},  # sandboxed iframes, file:// pages
    ],
    ids=["origin", "fetch-site", "same-site-other-port", "null-origin"],
)
def test_another_origin_cannot_post_a_mention(sandbox, receiver, headers):
    before = message_count(sandbox)
    status, _, body = post_json(sandbox, "/_sandbox/messages", MENTION, **headers)
    assert (status, body["error"]) == (403, "cross_origin_refused")
    assert message_count(sandbox) == before
    assert receiver.received == []  # nothing reached the bot (nor the model behind it)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_form_that_sends_no_origin_cannot_reset_the_workspace(sandbox, content_type):
    # What a cross-site <form> (or fetch with mode no-cors) can send without a preflight.
    sandbox.post("/_sandbox/messages", {"channel": "C0GENERAL", "text": "keep me"})
    status, _, body = call(
        sandbox, "POST", "/_sandbox/reset", body=b"{}", Content_Type=content_type
    )
    assert (status, body["error"]) == (415, "json_only")
    assert message_count(sandbox) == 1


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}", "127.0.0.1:1", ""],
    ids=["rebound-name", "rebound-name-port", "lookalike", "other-port", "empty"],
)
def test_a_dns_rebinding_page_is_refused_by_its_host_header(sandbox, host):
    # Rebinding: evil.example resolves to 127.0.0.1, so the browser thinks it is same-origin.
    host = host.format(port=sandbox.port)
    origin = f"http://{host}"
    for method, path in (("GET", "/_sandbox/state"), ("GET", "/"), ("GET", "/api/auth.test")):
        status, _, body = call(sandbox, method, path, Host=host, Origin=origin)
        assert (status, body["error"]) == (403, "host_not_allowed")
    status, _, _ = post_json(sandbox, "/_sandbox/reset", {}, Host=host, Origin=origin)
    assert status == 403


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_the_page_itself_may_use_every_endpoint(sandbox, receiver, name):
    host = f"{name}:{sandbox.port}"
    own = {"Host": host, "Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}
    assert call(sandbox, "GET", "/_sandbox/state", **own)[0] == 200
    status, _, body = post_json(sandbox, "/_sandbox/messages", MENTION, **own)
    assert (status, body["ok"]) == (200, True)
    assert post_json(sandbox, "/_sandbox/reset", {}, **own)[0] == 200
    assert call(sandbox, "DELETE", "/_sandbox/faults", **own)[0] == 200


def test_a_link_from_anywhere_still_opens_the_page(sandbox):
    navigate = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    assert call(sandbox, "GET", "/", **navigate)[0] == 200
    assert call(sandbox, "GET", "/static/app.js", **navigate)[0] == 200
    # ...and what a person types into the address bar
    assert call(sandbox, "GET", "/_sandbox/state", Sec_Fetch_Site="none")[0] == 200


def test_programs_on_this_machine_are_unaffected(sandbox):
    client = WebClient(base_url=sandbox.api_url, token=TOKEN)
    assert client.auth_test()["ok"]
    assert sandbox.post("/_sandbox/messages", MENTION)["ok"]


def test_behind_a_public_url_its_host_and_origin_are_the_sandboxs_own(make_sandbox):
    sandbox = make_sandbox(public_url="https://sandbox.example.com")
    public = {"Host": "sandbox.example.com", "Origin": "https://sandbox.example.com"}
    assert call(sandbox, "GET", "/_sandbox/state", **public)[0] == 200
    assert call(sandbox, "GET", "/_sandbox/state", Host="other.example.com")[0] == 403


def test_an_interface_named_with_host_is_answered_and_wildcards_add_nothing():
    named = Guard.for_server(host="192.168.1.20", public_url=None)
    assert named.refusal(method="GET", path="/", host="192.168.1.20:3300", served_port=3300) is None
    for wildcard in ("0.0.0.0", "::"):
        guard = Guard.for_server(host=wildcard, public_url=None)
        assert guard.refusal(method="GET", path="/", host="0.0.0.0:3300", served_port=3300)
        assert guard.refusal(method="GET", path="/", host="[::1]:3300", served_port=3300) is None
