"""Checks that a first `terraform apply` on a fresh project gets through in one go.

Google Cloud is eventually consistent in places Terraform's dependency graph cannot see: an API
just enabled, a grant just made, a service agent just created. And Cloud Run checks at deploy
time what a function mounts. Each check here takes the parsed model and returns its problems.
"""

from __future__ import annotations

import re
from typing import Any

from tests.terraform.hcl_model import Model, all_strings, first, references, resolve, target
from tests.terraform.wiring import FUNCTION, functions, iam_bindings, principal

__all__ = [
    "check_api_wait",
    "check_bindings_follow_replacement",
    "check_iam_wait",
    "check_placeholders",
    "check_pubsub_agent",
    "check_versions",
    "dependencies",
]

APIS = "google_project_service.apis"
SECRET = "google_secret_manager_secret.secret"
VERSION = "google_secret_manager_secret_version"
IDENTITY = "google_project_service_identity"
# Target type -> the attributes naming it that are unknown while it is being replaced, so that
# a grant naming it by one of them is replaced with it (a name from the configuration is not).
REPLACEMENT_AWARE = {
    FUNCTION: (".service_config[0].service",),
    "google_pubsub_topic": (".id",),
    "google_pubsub_subscription": (".id",),
    "google_storage_bucket": (".id",),
    "google_secret_manager_secret": (".id",),
    "google_service_account": (".name", ".id"),
    # Its full id is unknown while it is being replaced (its short name would not be).
    "google_cloud_run_v2_service": (".id",),
}


def _body(model: Model, address: str) -> Any:
    if address.startswith("data."):
        _, kind, name = address.split(".")
        return model.data.get(kind, {}).get(name)
    kind, _, name = address.partition(".")
    return model.resources.get(kind, {}).get(name.split("[")[0])


def dependencies(model: Model, address: str) -> set[str]:
    """What `address` waits for, transitively: its references and depends_on, through locals."""
    seen: set[str] = set()
    pending: list[Any] = [_body(model, address)]
    locals_seen: set[str] = set()
    while pending:
        for text in all_strings(pending.pop()):
            refs = references(text)
            for local in refs["local"] - locals_seen:
                locals_seen.add(local)
                pending.append(model.locals.get(local))
            found = refs["resource"] | {f"data.{d}" for d in refs["data"]}
            for dependency in found - seen:
                seen.add(dependency)
                pending.append(_body(model, dependency))
    return seen


def _base(address: str) -> str:
    return address.split("[")[0]


def _waits(model: Model, address: str) -> set[str]:
    return {d for d in dependencies(model, address) if d.startswith("time_sleep.")}


def check_api_wait(model: Model) -> list[str]:
    """Nothing calls a Google API before a wait that follows the APIs' enablement."""
    waits = {
        f"time_sleep.{name}"
        for name in model.of_type("time_sleep")
        if APIS in dependencies(model, f"time_sleep.{name}")
    }
    if not waits:
        return [f"no time_sleep follows {APIS}: resources may call APIs not yet propagated"]
    problems = []
    addresses = [f"{k}.{n}" for k, named in model.resources.items() for n in named]
    addresses += [f"data.{k}.{n}" for k, named in model.data.items() for n in named]
    for address in sorted(addresses):
        google = address.removeprefix("data.").startswith("google_")
        if google and address != APIS and not waits & dependencies(model, address):
            problems.append(f"{address} can start before the enabled APIs have propagated")
    return problems


def check_iam_wait(model: Model) -> list[str]:
    """Each function deploys after a wait that follows the grants its build and deploy check.

    Its build runs as the builder; Cloud Run checks at deploy time that its runtime account may
    read each secret it mounts.
    """
    bindings, problems = iam_bindings(model)
    for entry_point, (name, body) in sorted(functions(model).items()):
        service = first(body, "service_config")
        account = principal(model, "serviceAccount:" + service.get("service_account_email", ""))
        built_as = re.search(
            r"google_service_account\.(\w+)\.",
            first(body, "build_config").get("service_account", ""),
        )
        builder = f"sa:{built_as[1]}" if built_as else "the default build account"
        needed = {
            _base(g.source)
            for g in bindings
            if g.principal == builder
            or (g.principal == account and (g.target or "").startswith(SECRET))
        }
        covered: set[str] = set()
        for wait in _waits(model, f"{FUNCTION}.{name}"):
            covered |= dependencies(model, wait)
        for grant in sorted(needed - covered):
            problems.append(f"{entry_point} deploys without waiting for {grant} to take effect")
    return problems


def check_pubsub_agent(model: Model) -> list[str]:
    """The Pub/Sub service agent exists, and has had time to, before anything is granted to it."""
    identities = {
        f"{IDENTITY}.{name}": body
        for name, body in model.of_type(IDENTITY).items()
        if body.get("service") == "pubsub.googleapis.com"
    }
    bindings, problems = iam_bindings(model)
    agent_grants = sorted({_base(g.source) for g in bindings if g.principal == "pubsub-agent"})
    if agent_grants and not identities:
        return [f"the Pub/Sub service agent is granted roles, but no {IDENTITY} makes it exist"]
    for address, body in identities.items():
        if body.get("provider") != "google-beta":
            problems.append(f"{address}: only google-beta has {IDENTITY}; set provider")
    if identities and "google-beta" not in model.settings.get("required_providers", {}):
        problems.append("google-beta is used but not in required_providers")
    for grant in agent_grants:
        deps = dependencies(model, grant)
        if not deps & set(identities):
            problems.append(f"{grant} grants to the Pub/Sub agent before it is made to exist")
        elif not any(set(identities) & dependencies(model, w) for w in _waits(model, grant)):
            problems.append(f"{grant} grants to a Pub/Sub agent that may be seconds old")
    return problems


def check_placeholders(model: Model, placeholder: str) -> list[str]:
    """Every mounted secret has a write-only placeholder version before its function deploys."""
    problems = []
    covering: dict[str, str] = {}  # secret instance or whole resource -> version resource
    for name, body in model.of_type(VERSION).items():
        address = f"{VERSION}.{name}"
        if "secret_data" in body:
            problems.append(f"{address}: secret_data is kept in the state; use secret_data_wo")
        if resolve(model, body.get("secret_data_wo")) != placeholder:
            problems.append(
                f"{address}: secret_data_wo differs from assistant.config.SECRET_PLACEHOLDER"
            )
        if not isinstance(body.get("secret_data_wo_version"), int):
            problems.append(f"{address}: secret_data_wo_version must be a fixed number")
        if body.get("enabled") is False:
            problems.append(f"{address}: a disabled version does not count as one")
        over = target(body.get("for_each")) if "each.value" in str(body.get("secret")) else None
        covering[over or target(body.get("secret")) or "?"] = address
    for entry_point, (name, body) in sorted(functions(model).items()):
        deps = dependencies(model, f"{FUNCTION}.{name}")
        for volume in first(body, "service_config").get("secret_volumes", []):
            secret = target(volume.get("secret")) or "?"
            version = covering.get(secret) or covering.get(_base(secret))
            if version is None:
                problems.append(f"{secret} has no version: {entry_point} cannot deploy")
            elif version not in deps:
                problems.append(f"{entry_point} can deploy before {secret} has a version")
    return problems


def _lower_bound(constraint: Any) -> tuple[int, ...] | None:
    bounds = re.findall(r"(?:>=|~>|=)\s*(\d+(?:\.\d+)*)", str(constraint))
    return max((tuple(int(p) for p in b.split(".")) for b in bounds), default=None)


def check_versions(model: Model) -> list[str]:
    """Terraform and the providers are pinned at least to what the configuration uses."""
    problems = []
    settings = model.settings
    if (_lower_bound(settings.get("required_version")) or (0,)) < (1, 11):
        problems.append(
            f"required_version {settings.get('required_version')!r}: write-only arguments "
            "(secret_data_wo) need Terraform >= 1.11"
        )
    required = settings.get("required_providers", {})
    wanted = {"google": (6, 23)}  # 6.23: secret_data_wo on google_secret_manager_secret_version
    if model.of_type(IDENTITY):
        wanted["google-beta"] = (6, 23)
    if model.of_type("time_sleep"):
        wanted["time"] = (0,)
    for provider, minimum in wanted.items():
        bound = _lower_bound(required.get(provider, {}).get("version"))
        if bound is None or bound < minimum:
            shown = ".".join(map(str, minimum))
            problems.append(f"provider {provider} must be pinned to >= {shown}, not {bound}")
    return problems


def check_bindings_follow_replacement(model: Model) -> list[str]:
    """A grant on a resource is re-created when that resource is replaced, in the same apply."""
    bindings, problems = iam_bindings(model)
    for grant in bindings:
        if grant.target in (None, "project"):
            continue
        kind = grant.target.split(".")[0]
        allowed = REPLACEMENT_AWARE.get(kind)
        if allowed is None:
            problems.append(f"{grant.source}: no rule says how grants on {kind} follow it")
            continue
        lifecycle = first(_body(model, _base(grant.source)) or {}, "lifecycle")
        triggered = {_base(target(t) or "") for t in lifecycle.get("replace_triggered_by", [])}
        if _base(grant.target) in triggered:
            continue
        if not any(grant.attribute.endswith(a + "}") for a in allowed):
            problems.append(
                f"{grant.source} names {grant.target} by {grant.attribute}, which stays known "
                "when it is replaced: the grant would stay with the old one"
            )
    return problems
