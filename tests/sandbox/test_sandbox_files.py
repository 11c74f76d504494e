"""Files: slack_sdk's files_upload_v2 flow, files.info, and private downloads."""

from __future__ import annotations

import base64
import time
import urllib.request

import pytest
from sandbox_harness import TOKEN
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

CSV = b"region,sales\nnorth,10\nsouth,20\n"


@pytest.fixture
def client(sandbox) -> WebClient:
    return WebClient(base_url=sandbox.api_url, token=TOKEN)


def fetch(url: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return response.status, response.headers.get_content_type(), response.read()


def test_files_upload_v2_shares_the_file_in_the_thread(sandbox, client):
    parent = sandbox.post("/_sandbox/messages", {"channel": "C0GENERAL", "text": "<@U0BOT> hi"})
    answer = client.files_upload_v2(
        channel="C0GENERAL",
        thread_ts=parent["ts"],
        content=CSV,
        filename="sales.csv",
        title="Sales",
        initial_comment="Here is the chart data",
    )

    uploaded = answer["file"]
    assert uploaded["name"] == "sales.csv"
    assert uploaded["title"] == "Sales"
    assert uploaded["size"] == len(CSV)
    assert uploaded["filetype"] == "csv"
    assert "C0GENERAL" in uploaded["shares"]["public"]
    thread = sandbox.get(f"/_sandbox/messages?channel=C0GENERAL&thread_ts={parent['ts']}")
    share = thread["messages"][1]
    assert share["text"] == "Here is the chart data"
    assert share["files"][0]["id"] == uploaded["id"]


def test_several_files_in_one_upload(sandbox, client):
    answer = client.files_upload_v2(
        channel="D0ALICE",
        file_uploads=[
            {"content": b"a", "filename": "a.txt"},
            {"content": b"bb", "filename": "b.json"},
        ],
    )
    assert [f["name"] for f in answer["files"]] == ["a.txt", "b.json"]
    assert answer["files"][1]["ims"] == ["D0ALICE"]


def test_files_info_and_download_with_the_bot_token(sandbox, client):
    file_id = client.files_upload_v2(channel="C0GENERAL", content=CSV, filename="s.csv")["file"][
        "id"
    ]
    info = client.files_info(file=file_id)["file"]

    status, content_type, body = fetch(info["url_private_download"], TOKEN)
    assert (status, content_type, body) == (200, "text/csv", CSV)
    assert info["url_private_download"].endswith(f"/files-pri/T0SANDBOX-{file_id}/download/s.csv")
    assert fetch(info["url_private"], TOKEN)[2] == CSV


@pytest.mark.parametrize("token", [None, "xoxb-not-the-bot"])
def test_downloads_without_a_valid_token_get_the_html_login_page(client, token):
    info = client.files_upload_v2(channel="C0GENERAL", content=CSV, filename="s.csv")["file"]
    status, content_type, body = fetch(info["url_private_download"], token)
    assert status == 200
    assert content_type == "text/html"
    assert b"Sign in" in body


def test_unknown_files_are_not_found(client):
    with pytest.raises(SlackApiError) as raised:
        client.files_info(file="F000NOPE")
    assert raised.value.response["error"] == "file_not_found"


def test_completing_an_upload_that_never_arrived_fails(client):
    ticket = client.files_getUploadURLExternal(filename="x.txt", length=3)
    with pytest.raises(SlackApiError) as raised:
        client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}])
    assert raised.value.response["error"] == "file_not_found"


def test_a_persons_file_reaches_the_bot_in_the_event_and_downloads(sandbox, receiver):
    posted = sandbox.post(
        "/_sandbox/messages",
        {
            "channel": "C0GENERAL",
            "text": "<@U0BOT> summarise this",
            "files": [
                {
                    "name": "sales.csv",
                    "mimetype": "text/csv",
                    "content_base64": base64.b64encode(CSV).decode(),
                }
            ],
        },
    )
    deadline = time.monotonic() + 5
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.02)

    event = receiver.received[0].json["event"]
    assert event["ts"] == posted["ts"]
    [attached] = event["files"]
    assert attached["name"] == "sales.csv"
    assert attached["user"] == "U0ALICE"
    assert fetch(attached["url_private_download"], TOKEN)[2] == CSV
