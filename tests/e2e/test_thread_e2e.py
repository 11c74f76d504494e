"""The bot reads the whole thread and follows a one-person conversation, through the real push
path: people's messages and other apps' are delivered as Slack's message events too."""

from __future__ import annotations

from tests.e2e.harness import message_text, unique


def ask(sandbox, claims, question, **kwargs):
    posted = sandbox.mention(question, **kwargs)
    claims.wait_final(posted["event_id"])
    return posted


def sent(model, question):
    [request] = model.requests(question)
    return [m["content"] for m in request["body"]["messages"]]


def test_a_mention_sees_everyone_s_messages_attributed_in_order_and_then_only_new_ones(
    sandbox, claims, model
):
    topic = unique("Outage: the 02:00 deploy failed")
    parent = sandbox.post(topic, user="U0BOB")["ts"]
    sandbox.post("Rolled back at 02:20", user="U0ALICE", thread_ts=parent)
    sandbox.post("Root cause: migration lock", user="U0CAROL", thread_ts=parent)
    sandbox.post_as_app("build 4711 failed", thread_ts=parent)

    first = unique("summarise this thread and list the open questions")
    ask(sandbox, claims, first, thread_ts=parent)
    assert sent(model, first)[1:] == [
        f"bob: {topic}",
        "alice: Rolled back at 02:20",
        "carol: Root cause: migration lock",
        "deploybot (app): build 4711 failed",
        first,
    ]

    sandbox.post("Also: the alert fired late", user="U0BOB", thread_ts=parent)
    second = unique("what about alerting?")
    ask(sandbox, claims, second, thread_ts=parent)
    contents = sent(model, second)
    assert contents[-2:] == ["bob: Also: the alert fired late", second]
    assert contents.count(f"bob: {topic}") == 1
    # The second turn asked Slack only for what came after the first mention.
    reads = [c for c in sandbox.calls("conversations.replies") if c["args"].get("ts") == parent]
    assert len(reads) == 2 and not reads[0]["args"].get("oldest")
    assert reads[1]["args"].get("oldest")


def test_a_one_person_thread_continues_without_a_mention_until_someone_else_writes(
    sandbox, claims, model
):
    question = unique("how do I rotate the signing secret?")
    parent = ask(sandbox, claims, question)["ts"]

    follow = unique("and where do I put the new one?")
    posted = sandbox.post(follow, thread_ts=parent)
    claims.wait_final(posted["event_id"])
    answers = [message_text(m) for m in sandbox.bot_replies(parent)]
    assert len(answers) == 2 and answers[-1] == f"Answer to: {follow}"

    sandbox.post_as_app("deploy started", thread_ts=parent)  # an app is never answered
    sandbox.post(unique("I can help with that"), user="U0BOB", thread_ts=parent)
    ignored = unique("thanks, and then?")
    sandbox.post(ignored, thread_ts=parent)
    # A mention after them: once it is answered, the messages before it have been handled.
    ask(sandbox, claims, unique("ok bot, then what?"), thread_ts=parent)
    answers = [message_text(m) for m in sandbox.bot_replies(parent)]
    assert len(answers) == 3
    assert not model.requests(ignored)


def test_replies_in_a_thread_the_bot_is_not_part_of_are_never_answered(sandbox, claims, model):
    parent = sandbox.post(unique("lunch?"), user="U0BOB")["ts"]
    reply = unique("sure, just us")
    sandbox.post(reply, thread_ts=parent)
    # A mention after it in the same thread: the thread's messages are handled in order, so
    # once it is answered the reply before it has been decided on.
    ask(sandbox, claims, unique("bot, where do we usually go?"), thread_ts=parent)
    assert len(sandbox.bot_replies(parent)) == 1
    assert not model.requests(reply)
