"""Every Pub/Sub topic, declared once: who is pushed from it, at which path, with what.

Terraform (terraform/pubsub.tf, checked by tests/terraform/topics_checks.py), the local stack
(devstack/stack.py) and each function's dispatch read this table. Pure: the standard library
only.

    >>> [topic.name for topic in handler_paths("responder").values()]
    ['mentions', 'feedback', 'assistant-events', 'routines', 'routine-runs', 'routine-actions']
    >>> topic_at("responder", "/feedback/").name, topic_at("responder", "/").name
    ('feedback', 'mentions')
"""

from __future__ import annotations

import dataclasses

__all__ = ["TOPICS", "Topic", "handler_paths", "topic_at"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Topic:
    name: str  # locally the topic itself; in the cloud "<name_prefix>-<name>"
    setting: str | None  # the Settings attribute holding its deployed name; None: read by none
    function: str  # the function its push subscription calls
    path: str  # where on that function: "/" or "/feedback"
    payload: str  # the class a message is parsed into
    ordering_key: bool  # published with an ordering key (the thread), so delivered in order
    ordered_subscription: bool = True  # the push subscription has message ordering on

    @property
    def dead_letter(self) -> str:
        """Where Pub/Sub (or the function itself) puts a message given up on."""
        return f"{self.name}-dead-letter"

    @property
    def resource(self) -> str:
        """The Terraform resource name of its google_pubsub_topic: mentions, assistant_events."""
        return self.name.replace("-", "_")


TOPICS: tuple[Topic, ...] = (
    # A mention whose files are mirrored (or that has none): the responder answers it.
    Topic(name="mentions", setting="mentions_topic", function="responder", path="/",
          payload="Mention", ordering_key=True),
    # A mention with files: the files function mirrors them, then publishes it to `mentions`.
    Topic(name="uploads", setting="uploads_topic", function="files", path="/",
          payload="Mention", ordering_key=True),
    # A click on an answer's 👍 / 👎: each stands alone, so no ordering key.
    Topic(name="feedback", setting="feedback_topic", function="responder", path="/feedback",
          payload="Feedback", ordering_key=False),
    # The bot's DM was opened: the responder, which holds the bot token, sets suggested prompts.
    Topic(name="assistant-events", setting="assistant_events_topic", function="responder",
          path="/assistant-events", payload="DmOpened", ordering_key=False),
    # Cloud Scheduler's tick, every minute: the responder publishes each due routine slot.
    Topic(name="routines", setting=None, function="responder", path="/routines",
          payload="Tick", ordering_key=False, ordered_subscription=False),
    # One routine slot to run (assistant/routines/runner.py), exactly once per slot.
    Topic(name="routine-runs", setting="routine_runs_topic", function="responder",
          path="/routine-runs", payload="RoutineRun", ordering_key=False,
          ordered_subscription=False),
    # A click on a routine's Confirm / Cancel button (assistant/routines/clicks.py).
    Topic(name="routine-actions", setting="routine_actions_topic", function="responder",
          path="/routine-actions", payload="RoutineAction", ordering_key=False,
          ordered_subscription=False),
    # Cloud Storage notifications about documents: no ordering key; the indexer orders versions
    # by object generation instead (assistant/retrieval/generations.py).
    Topic(name="knowledge", setting=None, function="indexer", path="/",
          payload="ObjectEvent", ordering_key=False, ordered_subscription=False),
)  # fmt: skip


def handler_paths(function: str) -> dict[str, Topic]:
    """The paths `function` is pushed at, each with its topic ("/" first when there is one)."""
    return {topic.path: topic for topic in TOPICS if topic.function == function}


def topic_at(function: str, request_path: str) -> Topic:
    """The topic whose push arrives at `request_path` on `function`.

    A trailing slash is ignored and so is any prefix before the last matching path, as the
    responder's dispatch always did; an unknown path is the root's topic.
    """
    paths = handler_paths(function)
    path = "/" + request_path.strip("/")
    for known, topic in paths.items():
        if known != "/" and path.endswith(known):
            return topic
    if "/" not in paths:
        raise LookupError(f"{function} is pushed from no topic at {request_path!r}")
    return paths["/"]
