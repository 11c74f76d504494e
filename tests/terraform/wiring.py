"""Who is who in the parsed configuration: functions by entry point, IAM grants as flat rows.

A principal is 'sa:<service account resource name>', 'pubsub-agent', 'storage-agent' (Cloud
Storage's service agent, which publishes bucket notifications), or the member string
itself ('allUsers', 'user:...'); a target is the address of the resource the grant is on
('google_pubsub_topic.mentions', 'google_secret_manager_secret.secret[openai-api-key]') or
'project'.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from tests.terraform.hcl_model import Model, Unresolvable, expand, first, target

__all__ = [
    "FILTERED_ENV",
    "FUNCTION",
    "Binding",
    "body_at",
    "environment",
    "functions",
    "iam_bindings",
    "principal",
]

FUNCTION = "google_cloudfunctions2_function"
# `{ for name, value in local.X : name => value if value != "" }`: a local map, empties dropped.
FILTERED_ENV = re.compile(r'\$\{\{for (\w+), (\w+) in local\.(\w+) : \1 => \2 if \2 != ""\}\}')

# IAM resource type prefix -> the attribute naming the resource it grants on.
_IAM_TARGET = {
    "google_project_iam": None,
    "google_pubsub_topic_iam": "topic",
    "google_pubsub_subscription_iam": "subscription",
    "google_storage_bucket_iam": "bucket",
    "google_secret_manager_secret_iam": "secret_id",
    "google_cloud_run_v2_service_iam": "name",
    "google_cloud_run_service_iam": "service",
    "google_cloudfunctions2_function_iam": "cloud_function",
    "google_service_account_iam": "service_account_id",
}


@dataclasses.dataclass(frozen=True)
class Binding:
    source: str  # the IAM resource, for messages
    target: str | None
    role: str
    principal: str
    condition: str | None = None  # the IAM condition's expression, when there is one
    attribute: str = ""  # the expression naming the target, as written


def functions(model: Model) -> dict[str, tuple[str, dict[str, Any]]]:
    """Entry point -> (resource name, body) of every Cloud Run function."""
    found = {}
    for name, body in model.of_type(FUNCTION).items():
        entry_point = first(body, "build_config").get("entry_point")
        found[entry_point] = (name, body)
    return found


def environment(model: Model, service: dict[str, Any]) -> dict[str, Any]:
    """A service_config's environment variables: the literal map, or the local map it filters.

    The dict returned is the one in the model, so a mutation may change it in place.
    """
    env = service.get("environment_variables", {})
    match = FILTERED_ENV.fullmatch(env) if isinstance(env, str) else None
    if match is not None:
        env = model.locals.get(match[3])
    if not isinstance(env, dict):
        raise Unresolvable(f"environment_variables is neither a map nor a filtered local: {env!r}")
    return env


def principal(model: Model, member: str) -> str:
    for local, value in model.locals.items():
        if isinstance(value, str):
            member = member.replace("${local." + local + "}", value)
    account = re.search(r"google_service_account\.([a-z0-9_]+)\.(email|member)", member)
    if account:
        return f"sa:{account[1]}"
    if "@gcp-sa-pubsub.iam.gserviceaccount.com" in member:
        return "pubsub-agent"
    if "data.google_storage_project_service_account." in member:
        return "storage-agent"
    return member


def iam_bindings(model: Model) -> tuple[list[Binding], list[str]]:
    """Every (target, role, principal) granted, and what could not be evaluated statically."""
    bindings, problems = [], []
    for kind, named in model.resources.items():
        prefix = re.sub(r"_(member|binding|policy)$", "", kind)
        if prefix not in _IAM_TARGET:
            continue
        if kind.endswith("_policy"):
            problems.append(f"{kind} is authoritative and cannot be checked; use *_iam_member")
            continue
        attribute = _IAM_TARGET[prefix]
        for name, body in named.items():
            source = f"{kind}.{name}"
            try:
                instances = expand(body)
            except Unresolvable as error:
                problems.append(f"{source}: {error}")
                continue
            for key, instance in instances:
                label = f"{source}[{key}]" if key is not None else source
                named = "" if attribute is None else str(instance.get(attribute, ""))
                where = "project" if attribute is None else target(named)
                condition = first(instance, "condition").get("expression")
                members = instance.get("members") or [instance.get("member", "")]
                for member in members:
                    role = instance.get("role", "")
                    who = principal(model, member)
                    bindings.append(Binding(label, where, role, who, condition, named))
    return bindings, problems


def body_at(model: Model, address: str) -> dict[str, Any] | None:
    """The body of 'type.name' or of instance 'type.name[key]'."""
    match = re.fullmatch(r"([a-z0-9_]+)\.([a-z0-9_]+)(?:\[(.*)\])?", address)
    if match is None:
        return None
    body = model.of_type(match[1]).get(match[2])
    if body is None or match[3] is None:
        return body
    return dict(expand(body)).get(match[3])
