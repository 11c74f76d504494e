"""What the workspace page needs from the sandbox: the page itself, /_sandbox/info, traces
(stored per event and pushed on the stream), delivery records that say where the message is,
and file downloads by URL-encoded name or not at all."""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.request

from sandbox_harness import TOKEN
from test_sandbox_live import read_events

from devstack.slack_sandbox.file_routes import LOGIN_PAGE


def fetch(url: str, token: str | None = None) -> tuple[int, str, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


def test_the_page_and_its_scripts_are_served_and_nothing_outside_static(sandbox):
    status, kind, body = fetch(sandbox.url + "/")
    assert (status, kind) == (200, "text/html") and b'src="static/app.js"' in body
    for name in ("app.js", "markdown.js", "trace.js"):
        status, kind, _ = fetch(f"{sandbox.url}/static/{name}")
        assert status == 200 and kind.endswith("/javascript")  # modules need a script type
    assert fetch(f"{sandbox.url}/static/style.css")[1] == "text/css"
    assert fetch(f"{sandbox.url}/static/%2E%2E/page.py")[0] == 404
    assert fetch(f"{sandbox.url}/static/missing.js")[0] == 404


def test_info_names_the_model_that_answers(make_sandbox):
    sandbox = make_sandbox(model_name="smollm2", model_note="a toy; set OPENAI_API_KEY")

    info = sandbox.get("/_sandbox/info")

    assert info["model"] == {"name": "smollm2", "note": "a toy; set OPENAI_API_KEY"}
    assert info["bot_user_id"] == "U0BOT"


def test_traces_are_kept_per_event_and_pushed_on_the_stream(sandbox):
    ready, seen = threading.Event(), []
    reader = threading.Thread(
        target=read_events, args=(sandbox.port, 2, ready, seen, "?kinds=trace")
    )
    reader.start()
    assert ready.wait(5)
    records = [
        {"event_id": "Ev1", "source": "ingress", "message": "mention queued", "message_id": "7"},
        {"event_id": "Ev2", "source": "responder", "message": "first token"},
    ]

    stored = sandbox.post("/_sandbox/trace", {"records": records})
    reader.join(5)

    assert stored == {"ok": True, "stored": 2}
    [one] = sandbox.get("/_sandbox/trace?event_id=Ev1")["records"]
    assert one["message_id"] == "7" and one["seq"] >= 1
    assert set(sandbox.get("/_sandbox/trace")["events"]) == {"Ev1", "Ev2"}
    assert [(kind, data["event_id"]) for kind, data in seen[1:]] == [
        ("trace", "Ev1"),
        ("trace", "Ev2"),
    ]
    assert seen[1][1]["message"] == "mention queued"  # a trace's message is text, not a message


def test_bad_traces_are_400_and_reset_forgets_traces(sandbox):
    assert (
        sandbox.post("/_sandbox/trace", {"records": [{"message": "no id"}]})["http_status"] == 400
    )
    assert sandbox.post("/_sandbox/trace", {"nothing": 1})["http_status"] == 400
    sandbox.post("/_sandbox/trace", {"records": [{"event_id": "Ev1", "message": "x"}]})

    sandbox.post("/_sandbox/reset")

    assert sandbox.get("/_sandbox/trace")["events"] == {}


def test_a_delivery_record_says_which_message_it_carries(sandbox, receiver):
    posted = sandbox.post("/_sandbox/messages", {"channel": "C0GENERAL", "text": "<@U0BOT> hi"})
    receiver.wait_for(1)

    deliveries = sandbox.get(f"/_sandbox/wait?event_id={posted['event_id']}&min_deliveries=1")
    [record] = deliveries["deliveries"]
    assert (record["channel"], record["ts"], record["thread_ts"]) == (
        "C0GENERAL",
        posted["ts"],
        posted["ts"],
    )
    assert record["signature"].startswith("v0=")


def _post_file(sandbox, name: str, **extra) -> dict:
    content = base64.b64encode(b"secret,1\n").decode()
    spec = {"name": name, "mimetype": "text/csv", "content_base64": content, **extra}
    posted = sandbox.post(
        "/_sandbox/messages", {"channel": "C0GENERAL", "text": "x", "files": [spec]}
    )
    [message] = sandbox.get(f"/_sandbox/messages?channel=C0GENERAL&thread_ts={posted['ts']}")[
        "messages"
    ]
    return message["files"][0]


def test_a_file_name_with_dot_dot_slash_downloads_by_its_encoded_url(sandbox):
    file = _post_file(sandbox, "../../etc/passwd?.csv")

    assert file["url_private_download"].endswith("/download/..%2F..%2Fetc%2Fpasswd%3F.csv")
    assert fetch(file["url_private_download"], TOKEN) == (200, "text/csv", b"secret,1\n")


def test_a_file_posted_with_access_none_gives_even_the_bot_the_sign_in_page(sandbox):
    file = _post_file(sandbox, "secret.csv", access="none")

    status, kind, body = fetch(file["url_private_download"], TOKEN)

    assert (status, kind, body.decode()) == (200, "text/html", LOGIN_PAGE)
    bad = sandbox.post(
        "/_sandbox/messages",
        {"channel": "C0GENERAL", "text": "x", "files": [{"name": "a", "access": "maybe"}]},
    )
    assert bad["http_status"] == 400
