"""Slack-aware answers through the real push path (issue 22): linked messages, Slack search,
and the audience policy that keeps what a reader may not see out of the model's request.

Slack sandbox -> signed event -> ingress -> Pub/Sub emulator -> responder -> Slack sandbox
(conversations.info / users.info / conversations.history / replies / assistant.search.context).
"""

from __future__ import annotations

from assistant.audience.policy import NOTES
from tests.e2e.harness import message_text, unique
from tests.e2e.test_knowledge import LEAVE, handbook, indexed  # noqa: F401 (a fixture)


def permalink(sandbox, channel: str, ts: str, thread_ts: str = "") -> str:
    link = f"{sandbox.base_url}/archives/{channel}/p{ts.replace('.', '')}"
    return f"{link}?thread_ts={thread_ts}&cid={channel}" if thread_ts else link


def answer(sandbox, claims, text: str, *, channel: str = "C0GENERAL", **kwargs) -> str:
    posted = sandbox.mention(text, channel=channel, **kwargs)
    claims.wait_final(posted["event_id"], timeout=60)
    return message_text(sandbox.bot_replies(posted["ts"], channel=channel)[-1])


def test_a_permalink_to_a_public_thread_is_read_attributed_by_name_and_cited(
    sandbox, claims, model
):
    parent = sandbox.post(unique("Deploy of build 77 failed"), channel="C0RANDOM")
    reply = sandbox.post(
        unique("The migration held a lock"), channel="C0RANDOM", user="U0BOB",
        thread_ts=parent["ts"],
    )  # fmt: skip
    link = permalink(sandbox, "C0RANDOM", reply["ts"], parent["ts"])
    question = unique("why did it fail?")

    text = answer(sandbox, claims, f"{question} <{link}>")

    assert f"*Slack sources*\n{link}" in text
    sent = str(model.requests(question)[-1]["body"]["messages"])
    # Names through users.info (the manifest's users:read), the thread framed as data.
    assert "alice: Deploy of build 77 failed" in sent and "bob: The migration held" in sent
    assert "<slack_messages" in sent
    assert any(call["args"].get("user") == "U0BOB" for call in sandbox.calls("users.info"))


def test_a_link_to_a_private_channel_the_asker_is_not_in_never_reaches_the_model(
    sandbox, claims, model
):
    secret = unique("Project Heron is cancelled")
    posted = sandbox.post(secret, channel="C0SECRET", user="U0BOB")
    question = unique("what does this say?")

    text = answer(sandbox, claims, f"{question} <{permalink(sandbox, 'C0SECRET', posted['ts'])}>")

    assert text.endswith(f"_{NOTES['refused_link']}_")
    for request in model.requests(question):
        assert secret not in str(request["body"])
    # Judged from conversations.info alone: the private channel's history was never read.
    assert not any(
        call["args"].get("channel") == "C0SECRET" for call in sandbox.calls("conversations.history")
    )


def test_a_connect_channel_and_a_guest_get_no_document_unless_the_channel_opts_in(
    stack,
    db,
    sandbox,
    claims,
    model,
    handbook,  # noqa: F811
):
    folder, upload, _ = handbook
    indexed(db, f"knowledge/{folder}/leave.md", upload("leave.md", LEAVE.format(days=27)))

    in_connect = unique("How many days of annual leave do employees get?")
    text = answer(sandbox, claims, in_connect, channel="C0CONNECT")
    assert "27 days" not in str(model.requests(in_connect)[-1]["body"])
    assert text.endswith(f"_{NOTES['shared_channel']}_") and "Sources" not in text

    from_guest = unique("How many days of annual leave do employees get?")
    text = answer(sandbox, claims, from_guest, user="U0GUEST")
    assert "27 days" not in str(model.requests(from_guest)[-1]["body"])
    assert text.endswith(f"_{NOTES['guest']}_")

    from_member = unique("How many days of annual leave do employees get?")
    answer(sandbox, claims, from_member)
    assert "27 days" in str(model.requests(from_member)[-1]["body"])


def test_search_slack_in_the_dm_answers_with_permalinks(sandbox, claims, model):
    word = unique("heliotrope").split()[-1].strip("#")
    found = sandbox.post(f"The {word} launch moved to May", channel="C0RANDOM", user="U0BOB")
    question = unique(
        f'when is the {word} launch? [[tool:search_slack:{{"query": "{word} launch"}}]]'
    )

    posted = sandbox.post(question, channel="D0ALICE")
    claims.wait_final(posted["event_id"], timeout=60)

    [reply] = sandbox.bot_replies(posted["ts"], channel="D0ALICE")
    sources = message_text(reply).split("*Slack sources*\n")[1].splitlines()
    assert permalink(sandbox, "C0RANDOM", found["ts"]) in sources
    [search] = sandbox.calls("assistant.search.context")[-1:]
    assert (
        search["ok"] and search["args"]["channel_types"] == "public_channel,private_channel,mpim,im"
    )
    assert "launch moved to May" in str(model.requests(question)[-1]["body"]["messages"])
