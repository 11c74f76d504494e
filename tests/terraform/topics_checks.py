"""terraform/pubsub.tf against assistant/topics.py: every topic of the table, and nothing else.

Each topic has its google_pubsub_topic (the resource named by `Topic.resource`), a dead-letter
topic, and one push subscription calling its function at its path, ordered as the table says,
dead-lettering to its own dead-letter topic. A function's variable naming a topic
(MENTIONS_TOPIC, MENTIONS_DEAD_LETTER_TOPIC) is that topic's name.
"""

from __future__ import annotations

from collections.abc import Iterable

from tests.terraform.hcl_model import Model, first, target
from tests.terraform.wiring import FUNCTION, environment, functions

__all__ = ["check_topics"]

TOPIC = "google_pubsub_topic"
SUBSCRIPTION = "google_pubsub_subscription"


def check_topics(model: Model, topics: Iterable) -> list[str]:
    topics = list(topics)
    problems: list[str] = []
    declared = set(model.of_type(TOPIC))
    expected = {t.resource for t in topics} | {f"{t.resource}_dead_letter" for t in topics}
    for name in sorted(declared - expected):
        problems.append(f"{TOPIC}.{name} is in no row of assistant/topics.py")
    by_entry = functions(model)
    push = {
        name: body for name, body in model.of_type(SUBSCRIPTION).items() if body.get("push_config")
    }
    table = {f"{TOPIC}.{t.resource}" for t in topics}
    for name, body in sorted(push.items()):
        if target(body.get("topic")) not in table:
            problems.append(f"{SUBSCRIPTION}.{name} pushes a topic that is not in the table")
    for topic in topics:
        address = f"{TOPIC}.{topic.resource}"
        for resource in (topic.resource, f"{topic.resource}_dead_letter"):
            if resource not in declared:
                problems.append(f"{topic.name}: no {TOPIC}.{resource}")
        mine = [(n, b) for n, b in push.items() if target(b.get("topic")) == address]
        if len(mine) != 1:
            problems.append(f"{topic.name}: {len(mine)} push subscriptions, expected 1")
            continue
        name, body = mine[0]
        label = f"{SUBSCRIPTION}.{name}"
        endpoint = str(first(body, "push_config").get("push_endpoint", ""))
        function = by_entry.get(topic.function, ("?", {}))[0]
        if target(endpoint) != f"{FUNCTION}.{function}":
            problems.append(f"{label} pushes {topic.name} to {endpoint}, not {topic.function}")
        path = endpoint.rsplit("}", 1)[-1] or "/"
        if path != topic.path:
            problems.append(f"{label} pushes {topic.name} at path {path}, not {topic.path}")
        if body.get("enable_message_ordering") is not topic.ordered_subscription:
            problems.append(
                f"{label}: enable_message_ordering is {body.get('enable_message_ordering')}, "
                f"the table says {topic.ordered_subscription}"
            )
        dead_letter = target(first(body, "dead_letter_policy").get("dead_letter_topic"))
        if dead_letter != f"{address}_dead_letter":
            problems.append(f"{label} dead-letters to {dead_letter}, not {address}_dead_letter")
    problems += _topic_variables(model, topics)
    return problems


def _topic_variables(model: Model, topics: list) -> list[str]:
    """MENTIONS_TOPIC = google_pubsub_topic.mentions.name (and the dead letter's likewise)."""
    problems = []
    names = {}
    for topic in topics:
        if topic.setting:
            names[topic.setting.upper()] = topic.resource
            dead_letter = topic.setting.upper().replace("_TOPIC", "_DEAD_LETTER_TOPIC")
            names[dead_letter] = f"{topic.resource}_dead_letter"
    for entry_point, (_, body) in functions(model).items():
        env = environment(model, first(body, "service_config"))
        for variable, resource in names.items():
            if variable in env and target(env[variable]) != f"{TOPIC}.{resource}":
                problems.append(
                    f"{entry_point}: {variable} is {env[variable]!r}, not {TOPIC}.{resource}.name"
                )
    return problems
