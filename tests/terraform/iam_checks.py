"""Least-privilege and delivery checks: each takes the parsed model, returns a list of problems."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from tests.terraform.hcl_model import Model, first, references, resolve, target
from tests.terraform.wiring import FUNCTION, environment, functions, iam_bindings, principal

__all__ = [
    "check_dead_letter_iam",
    "check_grants",
    "check_public_access",
    "check_push_subscriptions",
    "check_secret_access",
]

SECRET = "google_secret_manager_secret"
SUBSCRIPTION = "google_pubsub_subscription"
ACCESSOR = "roles/secretmanager.secretAccessor"
PUBLIC = {"allUsers", "allAuthenticatedUsers"}
INVOKER = "roles/run.invoker"


def check_secret_access(model: Model) -> list[str]:
    """Each secret is readable by exactly the service accounts of the functions that read it."""
    bindings, problems = iam_bindings(model)
    readers: dict[str, set[str]] = defaultdict(set)
    accounts: dict[str, str] = {}
    for entry_point, (_, body) in functions(model).items():
        service = first(body, "service_config")
        account = principal(model, "serviceAccount:" + service.get("service_account_email", ""))
        if account in accounts.values():
            problems.append(f"{entry_point} shares its service account {account}")
        accounts[entry_point] = account
        for volume in service.get("secret_volumes", []):
            readers[target(volume.get("secret")) or "?"].add(account)
    granted: dict[str, set[str]] = defaultdict(set)
    for grant in bindings:
        if grant.target == "project" and "secretmanager" in grant.role:
            problems.append(f"{grant.source}: {grant.role} on the whole project")
        if grant.target and grant.target.startswith(SECRET + "."):
            if grant.role != ACCESSOR:
                problems.append(f"{grant.source}: {grant.role} on a secret (only read access)")
            granted[grant.target].add(grant.principal)
    for secret in sorted(set(readers) | set(granted)):
        for account in sorted(readers[secret] - granted[secret]):
            problems.append(f"{account} reads {secret} but is not granted {ACCESSOR} on it")
        for account in sorted(granted[secret] - readers[secret]):
            problems.append(f"{account} can read {secret} but no function it runs reads it")
    return problems


def check_public_access(model: Model) -> list[str]:
    """allUsers/allAuthenticatedUsers only as invoker of ingress, which Slack must reach."""
    bindings, problems = iam_bindings(model)
    ingress = functions(model).get("ingress")
    ingress_address = f"{FUNCTION}.{ingress[0]}" if ingress else None
    public_ingress = False
    for grant in bindings:
        if grant.principal not in PUBLIC:
            continue
        if (grant.target, grant.role) == (ingress_address, INVOKER):
            public_ingress = True
        else:
            problems.append(
                f"{grant.source}: {grant.principal} gets {grant.role} on {grant.target}"
            )
    if not public_ingress:
        problems.append("ingress has no allUsers run.invoker grant: Slack could not call it")
    for kind, named in model.resources.items():
        if "_iam_" in kind:
            continue
        for name, body in named.items():
            if any(who in str(body) for who in PUBLIC):
                problems.append(f"{kind}.{name} mentions a public principal")
    return problems


def check_push_subscriptions(
    model: Model, handlers: Mapping[str, str], unordered: frozenset[str] = frozenset()
) -> list[str]:
    """Topic -> its handler function, authenticated, ordered (unless `unordered`: messages with
    no ordering key), retried, dead-lettered, in time."""
    problems: list[str] = []
    by_entry = functions(model)
    # By resource name: the topics' own names carry var.name_prefix.
    topics = {name: f"google_pubsub_topic.{name}" for name in model.of_type("google_pubsub_topic")}
    for topic_name, handler in handlers.items():
        if topic_name not in topics or handler not in by_entry:
            problems.append(f"no topic {topic_name!r} or no {handler} function")
            continue
        subscriptions = [
            (name, body)
            for name, body in model.of_type(SUBSCRIPTION).items()
            if target(body.get("topic")) == topics[topic_name] and body.get("push_config")
        ]
        if len(subscriptions) != 1:
            problems.append(f"{topic_name}: {len(subscriptions)} push subscriptions, expected 1")
            continue
        name, body = subscriptions[0]
        label = f"{SUBSCRIPTION}.{name}"
        function_name, function = by_entry[handler]
        address = f"{FUNCTION}.{function_name}"
        push = first(body, "push_config")
        if target(push.get("push_endpoint")) != address:
            problems.append(
                f"{label} pushes {topic_name} to {push.get('push_endpoint')}, not {handler}"
            )
        problems += _auth_problems(model, label, push, handler, address)
        problems += _delivery_problems(
            model, label, body, handler, function, ordered=topic_name not in unordered
        )
    return problems


def _auth_problems(model: Model, label: str, push: dict, handler: str, address: str) -> list[str]:
    """The push carries an OIDC token for the handler, whose invoker is that identity alone."""
    oidc = first(push, "oidc_token")
    if not oidc:
        return [f"{label} sends no OIDC token"]
    problems = []
    if target(oidc.get("audience")) != address:
        problems.append(f"{label}: OIDC audience is not the {handler} URL")
    identity = principal(model, "serviceAccount:" + oidc.get("service_account_email", ""))
    bindings, _ = iam_bindings(model)
    invokers = {g.principal for g in bindings if (g.target, g.role) == (address, INVOKER)}
    if identity not in invokers:
        problems.append(f"{label}: {identity} may not invoke {handler}")
    for other in sorted(invokers - {identity}):
        problems.append(f"{other} may invoke {handler}, which only Pub/Sub should call")
    return problems


def _delivery_problems(
    model: Model, label: str, body: dict, handler: str, function: dict, *, ordered: bool = True
) -> list[str]:
    """Ordered, retried with backoff, dead-lettered, never expiring, within the push deadline."""
    problems = []
    service = first(function, "service_config")
    if ordered and body.get("enable_message_ordering") is not True:
        problems.append(f"{label}: message ordering is off")
    if not first(body, "retry_policy"):
        problems.append(f"{label}: no retry_policy (backoff)")
    if first(body, "expiration_policy").get("ttl") != "":
        problems.append(f'{label}: can expire when idle (expiration_policy.ttl must be "")')
    dead_letter = first(body, "dead_letter_policy")
    attempts = dead_letter.get("max_delivery_attempts")
    if not dead_letter.get("dead_letter_topic") or not attempts:
        problems.append(f"{label}: no dead_letter_policy with topic and max attempts")
    attempts_env = environment(model, service).get("MAX_DELIVERY_ATTEMPTS")
    if attempts_env and references(attempts_env)["var"] != references(str(attempts))["var"]:
        problems.append(f"{label}: MAX_DELIVERY_ATTEMPTS of {handler} differs from the policy")
    ack = resolve(model, body.get("ack_deadline_seconds"))
    timeout = resolve(model, service.get("timeout_seconds"))
    if not all(isinstance(v, int | float) for v in (ack, timeout)):
        problems.append(f"{label}: cannot evaluate ack deadline {ack!r} / timeout {timeout!r}")
    elif not timeout <= ack <= 600:
        problems.append(
            f"{label}: {handler} timeout {timeout}s must be <= ack deadline {ack}s <= 600s"
        )
    return problems


def check_dead_letter_iam(model: Model) -> list[str]:
    """Pub/Sub's service agent can publish dead letters and ack the source; someone keeps them."""
    bindings, problems = iam_bindings(model)
    grants = {(g.target, g.role, g.principal) for g in bindings}
    subscriptions = model.of_type(SUBSCRIPTION)
    for name, body in subscriptions.items():
        dead_letter = first(body, "dead_letter_policy")
        if not dead_letter:
            continue
        topic = target(dead_letter.get("dead_letter_topic"))
        source = f"{SUBSCRIPTION}.{name}"
        if (topic, "roles/pubsub.publisher", "pubsub-agent") not in grants:
            problems.append(f"{source}: the Pub/Sub service agent cannot publish to {topic}")
        if (source, "roles/pubsub.subscriber", "pubsub-agent") not in grants:
            problems.append(f"{source}: the Pub/Sub service agent cannot ack on it")
        if not any(
            target(b.get("topic")) == topic and not b.get("push_config")
            for b in subscriptions.values()
        ):
            problems.append(f"{topic} has no pull subscription: dead letters would be dropped")
    return problems


def check_grants(model: Model, expected: Mapping[str, set[tuple[str, str]]]) -> list[str]:
    """Every principal holds exactly the (target, role) grants listed for it, nothing more."""
    bindings, problems = iam_bindings(model)
    held: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for grant in bindings:
        where = grant.target or "?"
        held[grant.principal].add(
            (f"{where} if condition" if grant.condition else where, grant.role)
        )
    for who in sorted(set(held) | set(expected)):
        for where, role in sorted(held[who] - expected.get(who, set())):
            problems.append(f"{who} has {role} on {where}, which is not in its list")
        for where, role in sorted(expected.get(who, set()) - held[who]):
            problems.append(f"{who} lacks {role} on {where}")
    return problems
