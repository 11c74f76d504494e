"""Attachments read, through the real path: Slack sandbox -> ingress -> `uploads` -> files
function -> Cloud Storage emulator -> `mentions` -> responder -> model -> Slack sandbox."""

from __future__ import annotations

import json

from assistant.files.store import EXTRACTION_NAME
from assistant.llm.messages import content_from_wire
from assistant.llm.models import model_spec
from assistant.llm.tokens import count_content
from tests.e2e.files_support import (
    CHANNEL,
    TEAM,
    ask,
    csv_file,
    file_ids,
    objects,
    reply_text,
    text_file,
    user_turns,
)
from tests.e2e.harness import last_user_text, unique
from tests.file_samples import (
    image,
    pdf_with_text,
    zip_archive,
)


def test_a_csv_is_mirrored_and_read_by_the_model(sandbox, claims, model, bucket):
    marker = unique("west").replace(" #", "")
    question = unique("which region grew fastest?")
    posted, claim = ask(sandbox, claims, question, [csv_file(marker)])

    assert claim["state"] == "done"
    [request] = model.requests(question)
    assert "north,10,14" in last_user_text(request) and marker in last_user_text(request)
    assert reply_text(sandbox, posted["ts"]).startswith(f"Answer to: {question}")

    [file_id] = file_ids(sandbox, posted["ts"])
    stored = objects(bucket, posted["ts"])
    assert set(stored) == {f"{file_id}/sales.csv", f"{file_id}/{EXTRACTION_NAME}"}
    blob = bucket.get_blob(f"{TEAM}/{CHANNEL}/{posted['ts']}/{file_id}/sales.csv")
    assert blob.content_type == "text/csv"
    assert blob.metadata == {
        "slack_file_id": file_id,
        "slack_user": "U0ALICE",
        "slack_event_id": posted["event_id"],
        "slack_team": TEAM,
        "slack_channel": CHANNEL,
        "slack_thread_ts": posted["ts"],
        "original_name": "sales.csv",
    }
    assert marker in blob.download_as_text()
    extraction = json.loads(stored[f"{file_id}/{EXTRACTION_NAME}"].download_as_bytes())
    assert extraction["kind"] == "text" and marker in extraction["text"]


def test_the_thread_history_keeps_the_file_reference_and_its_token_cost(sandbox, claims, model, db):
    question = unique("which region grew fastest?")
    posted, _ = ask(sandbox, claims, question, [csv_file("x" * 2000)])

    [request] = model.requests(question)
    sent = request["body"]["messages"][-1]["content"]
    turns = db.collection("threads").document(f"{TEAM}:{CHANNEL}:{posted['ts']}")
    [user] = [t.to_dict() for t in turns.collection("turns").stream() if t.get("role") == "user"]
    assert user["content"] == question  # the text only: the file is reloaded from its record
    [ref] = user["file_refs"]
    assert ref["name"] == "sales.csv" and ref["extraction_uri"].endswith(EXTRACTION_NAME)
    assert (
        user["tokens"] == count_content(content_from_wire(sent), model_spec("fake-gpt")) > 2000 / 8
    )


def test_a_later_question_in_the_thread_still_sees_the_file(sandbox, claims, model):
    marker = unique("east").replace(" #", "")
    posted, _ = ask(sandbox, claims, unique("which region grew fastest?"), [csv_file(marker)])
    follow_up = unique("and the slowest?")
    later = sandbox.mention(follow_up, thread_ts=posted["ts"])
    claims.wait_final(later["event_id"])

    [request] = model.requests(follow_up)
    earlier, current = user_turns(request)
    assert marker in earlier and "north,10,14" in earlier
    assert json.loads(current) == follow_up


def test_a_pdf_is_read_as_text(sandbox, claims, model):
    fact = unique("Revenue in the north grew 12 percent")
    document = pdf_with_text(fact, "Second page: costs were flat.")
    question = unique("what does the report say?")
    posted, _ = ask(
        sandbox,
        claims,
        question,
        [{"name": "report.pdf", "mimetype": "application/pdf", "content": document}],
    )
    [request] = model.requests(question)
    assert fact in last_user_text(request)
    assert "costs were flat" in last_user_text(request)
    assert "I could not read" not in reply_text(sandbox, posted["ts"])


def test_markdown_code_json_and_log_files_are_read_as_text(sandbox, claims, model):
    marker = unique("m").replace(" #", "")
    files = [
        text_file("notes.md", "text/markdown", f"# {marker}-md\n"),
        text_file("tool.py", "text/x-python", f"X = '{marker}-py'\n"),
        text_file("data.json", "application/json", f'{{"k": "{marker}-json"}}'),
        # Slack often calls a log "application/octet-stream": the bytes decide.
        text_file("app.log", "application/octet-stream", f"INFO {marker}-log\n"),
    ]
    question = unique("summarise these")
    posted, _ = ask(sandbox, claims, question, files)
    [request] = model.requests(question)
    for suffix in ("md", "py", "json", "log"):
        assert f"{marker}-{suffix}" in last_user_text(request)
    assert "I could not read" not in reply_text(sandbox, posted["ts"])


def test_an_image_is_sent_as_an_image_input(sandbox, claims, model, bucket):
    question = unique("what colour is this?")
    picture = {"name": "chart.png", "mimetype": "image/png", "content": image(2048, 1024)}
    posted, _ = ask(sandbox, claims, question, [picture])

    [request] = model.requests(question)
    parts = request["body"]["messages"][-1]["content"]
    [image_part] = [p for p in parts if p["type"] == "image_url"]
    assert image_part["image_url"]["url"].startswith("data:image/png;base64,")
    assert reply_text(sandbox, posted["ts"]).endswith("[images: 1]")


def test_a_file_over_the_size_limit_is_named_with_the_reason(sandbox, claims, model, bucket):
    big = {"name": "big.bin", "mimetype": "text/plain", "content": b"x" * 2_500_000}
    question = unique("what is in this?")
    posted, claim = ask(sandbox, claims, question, [big])

    text = reply_text(sandbox, posted["ts"])
    assert text.startswith(f"Answer to: {question}")
    assert "I could not read `big.bin`: it is larger than 2 MB." in text
    assert claim["state"] == "done"
    assert all(name.endswith(EXTRACTION_NAME) for name in objects(bucket, posted["ts"]))


def test_a_binary_file_is_named_with_the_reason_and_the_rest_is_answered(sandbox, claims, model):
    marker = unique("n").replace(" #", "")
    files = [
        {"name": "archive.zip", "mimetype": "application/zip", "content": zip_archive()},
        csv_file(marker),
    ]
    question = unique("compare these")
    posted, _ = ask(sandbox, claims, question, files)

    text = reply_text(sandbox, posted["ts"])
    assert (
        "I could not read `archive.zip`: it is a binary file (application/zip), "
        "not text, a PDF, a workbook or an image." in text
    )
    [request] = model.requests(question)
    assert marker in last_user_text(request)


def test_a_csv_in_the_answer_is_uploaded_into_the_thread_and_mirrored(sandbox, claims, bucket):
    question = unique(
        "[[reply:Here it is:\\n```csv\\nregion,growth\\nnorth,12\\n```]] table please"
    )
    posted, _ = ask(sandbox, claims, question, [csv_file("x")])

    [shared] = [m for m in sandbox.bot_replies(posted["ts"]) if m.get("files")]
    assert shared["files"][0]["name"] == "answer.csv"
    assert shared["thread_ts"] == posted["ts"]
    blob = bucket.get_blob(f"{TEAM}/{CHANNEL}/{posted['ts']}/bot/{posted['event_id']}/answer.csv")
    assert blob.download_as_text() == "region,growth\nnorth,12\n"
    assert blob.metadata["slack_file_id"] == shared["files"][0]["id"]
