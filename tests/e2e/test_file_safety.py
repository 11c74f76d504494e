"""Attachments that must not hurt: no access, odd names, other threads' files, redelivery,
poison files and a reading that never finished, through the same real path."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import requests

from assistant.files.store import EXTRACTION_NAME
from assistant.mention import SlackFile
from assistant.pubsub.publish import publish_mention
from tests.e2e.files_support import (
    CHANNEL,
    TEAM,
    ask,
    csv_file,
    file_ids,
    objects,
    reply_text,
    text_file,
    uploads_mention,
)
from tests.e2e.harness import last_user_text, push_envelope, unique
from tests.file_samples import (
    blank_png,
    png_pillow_cannot_parse,
    slow_pdf,
)


def test_a_file_the_bot_may_not_download_is_named_as_no_access(sandbox, claims):
    # `access: none`: the sandbox answers the bot's download with Slack's sign-in page.
    question = unique("read the secret file")
    secret = {**csv_file("x", "secret.csv"), "access": "none"}
    posted, _ = ask(sandbox, claims, question, [secret])

    text = reply_text(sandbox, posted["ts"])
    assert text.startswith(f"Answer to: {question}")
    assert "I could not read `secret.csv`: I have no access to it" in text


def test_a_file_the_event_names_only_by_id_is_looked_up_with_files_info(
    stack, sandbox, claims, model
):
    marker = unique("i").replace(" #", "")
    parent = sandbox.post(unique("a thread"), files=[csv_file(marker, "q3.csv")])
    [file] = next(m for m in sandbox.thread(parent["ts"]) if m["ts"] == parent["ts"])["files"]
    question = unique("what is in q3?")
    mention = uploads_mention(parent, question, (SlackFile(id=file["id"]),))
    publish_mention(project=stack.options.project, topic="uploads", mention=mention)
    claims.wait_final(mention.event_id, timeout=60)

    [request] = model.requests(question)
    assert marker in last_user_text(request) and 'name="q3.csv"' in last_user_text(request)


def test_a_traversal_and_unicode_file_name_stays_inside_its_folder(sandbox, claims, bucket):
    name = "..\\..\\Ünïcødé résumé 📈.txt"
    marker = unique("u").replace(" #", "")
    posted, _ = ask(
        sandbox,
        claims,
        unique("read it"),
        [{"name": name, "mimetype": "text/plain", "content": marker.encode()}],
    )
    [file_id] = file_ids(sandbox, posted["ts"])
    stored = objects(bucket, posted["ts"])
    assert set(stored) == {f"{file_id}/Ünïcødé résumé 📈.txt", f"{file_id}/{EXTRACTION_NAME}"}
    blob = stored[f"{file_id}/Ünïcødé résumé 📈.txt"]
    assert blob.download_as_text() == marker
    assert unquote(bucket.get_blob(blob.name).metadata["original_name"]) == name


def test_a_dot_dot_slash_name_is_stored_under_a_safe_name(stack, sandbox, claims, bucket, model):
    # The sandbox puts the raw name into its download URL, where "../" would be resolved, so
    # the file is uploaded under a plain name and the event carries the hostile one.
    marker = unique("p").replace(" #", "")
    parent = sandbox.post(unique("a thread"), files=[text_file("plain.txt", "text/plain", marker)])
    [file] = next(m for m in sandbox.thread(parent["ts"]) if m["ts"] == parent["ts"])["files"]
    hostile = SlackFile(
        id=file["id"],
        name="../../../Ünïcødé/résumé.txt",
        mimetype="text/plain",
        size=file["size"],
        url_private_download=file["url_private_download"],
    )
    question = unique("read the hostile name")
    mention = uploads_mention(parent, question, (hostile,))
    publish_mention(project=stack.options.project, topic="uploads", mention=mention)
    claims.wait_final(mention.event_id, timeout=60)

    stored = objects(bucket, parent["ts"])
    assert set(stored) == {f"{file['id']}/Ünïcødé_résumé.txt", f"{file['id']}/{EXTRACTION_NAME}"}
    [request] = model.requests(question)
    assert marker in last_user_text(request)
    assert "../../../Ünïcødé/résumé.txt" in last_user_text(request)  # shown as the person named it


def test_two_threads_with_the_same_file_name_never_see_each_other(sandbox, claims, model, bucket):
    alpha, beta = (unique(x).replace(" #", "-") for x in ("alpha", "beta"))
    first, _ = ask(sandbox, claims, unique("thread one"), [csv_file(alpha, "data.csv")])
    second, _ = ask(sandbox, claims, unique("thread two"), [csv_file(beta, "data.csv")])
    follow_up = unique("what was in data.csv?")
    posted = sandbox.mention(follow_up, thread_ts=second["ts"])
    claims.wait_final(posted["event_id"])

    [request] = model.requests(follow_up)
    sent = json.dumps(request["body"]["messages"])
    assert beta in sent and alpha not in sent
    assert all(beta not in json.dumps(r["body"]) for r in model.requests(alpha))
    one, two = objects(bucket, first["ts"]), objects(bucket, second["ts"])
    assert alpha in next(b for n, b in one.items() if n.endswith("data.csv")).download_as_text()
    assert beta in next(b for n, b in two.items() if n.endswith("data.csv")).download_as_text()


def test_redelivering_an_upload_changes_nothing_and_gives_one_reply(stack, sandbox, claims, bucket):
    marker = unique("r").replace(" #", "")
    parent = sandbox.post(unique("files without a mention"), files=[csv_file(marker)])
    [file] = next(m for m in sandbox.thread(parent["ts"]) if m["ts"] == parent["ts"])["files"]
    slack_file = SlackFile(
        id=file["id"],
        name=file["name"],
        mimetype=file["mimetype"],
        size=file["size"],
        url_private_download=file["url_private_download"],
    )
    mention = uploads_mention(parent, unique("redelivered upload"), (slack_file,))
    envelope = push_envelope(mention.to_json(), message_id="up-1", ordering_key=mention.thread_key)

    first = requests.post(stack.urls["files"], data=envelope, timeout=30)
    before = {n: (b.generation, b.md5_hash) for n, b in objects(bucket, parent["ts"]).items()}
    second = requests.post(stack.urls["files"], data=envelope, timeout=30)
    after = {n: (b.generation, b.md5_hash) for n, b in objects(bucket, parent["ts"]).items()}
    claims.wait_final(mention.event_id)

    assert (first.status_code, second.status_code) == (204, 204)
    assert before == after and len(after) == 2
    assert len(sandbox.bot_replies(parent["ts"])) == 1


POISON = [
    {"name": "slow.pdf", "mimetype": "application/pdf", "content": slow_pdf()},
    {"name": "broken.png", "mimetype": "image/png", "content": png_pillow_cannot_parse()},
    {"name": "blank.png", "mimetype": "image/png", "content": blank_png(7700, 7700)},
]


def test_poison_attachments_are_named_and_the_thread_is_not_stuck(sandbox, claims, model):
    # Before: the files function failed on every attempt (40 s of CPU; SyntaxError), the upload
    # was dead-lettered and nobody was told, and later uploads in the thread waited behind it.
    question = unique("what is in these?")
    posted, claim = ask(sandbox, claims, question, POISON)

    assert claim["state"] == "done"
    text = reply_text(sandbox, posted["ts"])
    assert text.startswith(f"Answer to: {question}")
    # stopped after 2 s of CPU, or 9 s of wall clock on a busy machine
    assert re.search(
        r"I could not read `slow\.pdf`: reading it took more than [29] s, so I stopped "
        r"\(it may be damaged, or unusually complex\)\.",
        text,
    )
    assert "I could not read `broken.png`: it is a damaged PNG image." in text
    assert (
        "I could not read `blank.png`: the image is too large to read "
        "(7700×7700 px, 237 MB once decoded; at most 134 MB)." in text
    )

    marker = unique("after").replace(" #", "")
    follow_up = unique("and this one?")
    later = sandbox.mention(follow_up, thread_ts=posted["ts"], files=[csv_file(marker)])
    assert claims.wait_final(later["event_id"], timeout=60)["state"] == "done"
    [request] = model.requests(follow_up)
    assert marker in last_user_text(request)


def test_a_file_whose_reading_never_finished_is_not_read_again(stack, sandbox, claims, bucket):
    # The marker an instance leaves when it dies mid-read (out of memory, past its timeout).
    parent = sandbox.post(unique("files without a mention"), files=[csv_file("x", "big.csv")])
    [file] = next(m for m in sandbox.thread(parent["ts"]) if m["ts"] == parent["ts"])["files"]
    record = bucket.blob(f"{TEAM}/{CHANNEL}/{parent['ts']}/{file['id']}/{EXTRACTION_NAME}")
    marker = {
        "version": 1,
        "file_id": file["id"],
        "name": "big.csv",
        "state": "reading",
        "kind": "",
        "problem": "an earlier attempt to read it did not finish, so I did not try again "
        "(it may be damaged, or unusually complex)",
    }
    record.upload_from_string(json.dumps(marker), content_type="application/json")
    generation = bucket.get_blob(record.name).generation
    slack_file = SlackFile(
        id=file["id"],
        name=file["name"],
        mimetype=file["mimetype"],
        size=file["size"],
        url_private_download=file["url_private_download"],
    )
    mention = uploads_mention(parent, unique("the redelivered upload"), (slack_file,))
    publish_mention(project=stack.options.project, topic="uploads", mention=mention)
    claims.wait_final(mention.event_id, timeout=60)

    text = reply_text(sandbox, parent["ts"])
    assert "I could not read `big.csv`: an earlier attempt to read it did not finish" in text
    assert bucket.get_blob(record.name).generation == generation  # neither read nor rewritten


def test_on_the_last_attempt_the_question_is_answered_with_the_file_named(stack, sandbox, claims):
    parent = sandbox.post(unique("files without a mention"), files=[csv_file("x", "q4.csv")])
    [file] = next(m for m in sandbox.thread(parent["ts"]) if m["ts"] == parent["ts"])["files"]
    mention = uploads_mention(parent, unique("what is in q4?"), (SlackFile(id=file["id"]),))
    sandbox.inject_fault(method="files.info", status=500, count=10_000)
    try:
        first, last = (
            requests.post(
                stack.urls["files"],
                data=push_envelope(
                    mention.to_json(),
                    message_id=f"up-{attempt}",
                    ordering_key=mention.thread_key,
                    attempt=attempt,
                ),
                timeout=60,
            )
            for attempt in (1, stack.options.max_delivery_attempts)
        )
    finally:
        sandbox.clear_faults()
    claims.wait_final(mention.event_id, timeout=60)

    assert (first.status_code, last.status_code) == (503, 204)
    text = reply_text(sandbox, parent["ts"])
    # named by its id: the event carried nothing else, and files.info kept failing
    assert f"I could not read `{file['id']}`: I could not fetch it from Slack" in text
