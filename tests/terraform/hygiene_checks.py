"""Names, inputs, environment and storage scope: a second deployment, a typo, a plan that never
settles, an account that can read more than it builds. Each check returns a list of problems.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tests.terraform.hcl_model import Model, references, resolve
from tests.terraform.wiring import FILTERED_ENV, functions, iam_bindings

__all__ = [
    "check_builder_storage",
    "check_env_never_empty",
    "check_name_inputs",
    "check_name_prefix",
]

# Resource type -> the attribute that is its name in the project.
NAMED = {
    "google_cloudfunctions2_function": "name",
    "google_pubsub_subscription": "name",
    "google_pubsub_topic": "name",
    "google_secret_manager_secret": "secret_id",
    "google_service_account": "account_id",
    "google_storage_bucket": "name",
}


def _expanded(model: Model, value: Any) -> str:
    """`value` with the locals it uses written out (one level is all the configuration needs)."""
    text = str(resolve(model, value))
    for local in references(text)["local"]:
        text = text.replace(f"${{local.{local}}}", str(model.locals.get(local)))
    return text


def check_name_prefix(model: Model) -> list[str]:
    """Every name the stack takes in the project carries var.name_prefix."""
    problems = []
    for kind, attribute in NAMED.items():
        for name, body in sorted(model.of_type(kind).items()):
            value = _expanded(model, body.get(attribute))
            if "name_prefix" not in references(value)["var"]:
                problems.append(
                    f"{kind}.{name}: {attribute} {value!r} lacks var.name_prefix, so a second "
                    "deployment in the project would collide with it"
                )
    return problems


def check_builder_storage(model: Model, source_buckets: str = "gcf-v2-sources-") -> list[str]:
    """No project-wide storage role: at most one conditioned to Cloud Functions' source bucket."""
    bindings, problems = iam_bindings(model)
    for grant in bindings:
        if grant.target != "project" or not grant.role.startswith("roles/storage."):
            continue
        if grant.condition is None:
            problems.append(
                f"{grant.source}: {grant.principal} has {grant.role} on every bucket of the "
                "project, the mirrored Slack files included"
            )
            continue
        condition = _expanded(model, grant.condition)
        outside = re.sub(r'"projects/_/buckets/' + re.escape(source_buckets), "", condition)
        if "resource.name" not in condition or '"projects/_/buckets/' in outside:
            problems.append(
                f"{grant.source}: its condition reaches buckets other than {source_buckets}*"
            )
    return problems


def _may_be_empty(model: Model, value: Any) -> bool:
    if value in ("", None):
        return True
    text = str(value)
    if '""' in text or "null" in text:
        return True
    return any(model.variables.get(v, {}).get("default", 0) in ("", None) for v in _vars(text))


def _vars(text: str) -> set[str]:
    return references(text)["var"]


def check_env_never_empty(model: Model) -> list[str]:
    """No function gets an empty environment variable: the API drops it, so plans never settle."""
    problems = []
    for entry_point, (_, body) in sorted(functions(model).items()):
        service = (body.get("service_config") or [{}])[0]
        env = service.get("environment_variables", {})
        if isinstance(env, str) and FILTERED_ENV.fullmatch(env):
            continue  # `{ for name, value in local.X : name => value if value != "" }`
        if not isinstance(env, dict):
            problems.append(f"{entry_point}: cannot tell whether its environment has empty values")
            continue
        for name, value in sorted(env.items()):
            if _may_be_empty(model, value):
                problems.append(
                    f"{entry_point}: {name} may be empty ({value!r}), a change on every plan; "
                    "drop empty values"
                )
    return problems


_FUNCTIONS = [
    (r'can\(regex\(("(?:[^"\\]|\\.)*"), var\.\w+\)\)', r"_matches(\1, v)"),
    (r'startswith\(var\.\w+, ("(?:[^"\\]|\\.)*")\)', r"v.startswith(\1)"),
    (r'strcontains\(var\.\w+, ("(?:[^"\\]|\\.)*")\)', r"(\1 in v)"),
    (r"length\(trimspace\(var\.\w+\)\)", "len(v.strip())"),
    (r"length\(var\.\w+\)", "len(v)"),
    (r"var\.\w+", "v"),
    (r"&&", " and "),
    (r"\|\|", " or "),
    (r"!(?!=)", " not "),
]


def _holds(condition: str, value: str) -> bool:
    """Evaluates the few HCL forms the name validations use; raises ValueError on any other."""
    python = condition.strip()
    if python.startswith("${") and python.endswith("}"):
        python = python[2:-1]
    for pattern, replacement in _FUNCTIONS:
        python = re.sub(pattern, replacement, python)
    names = set(re.findall(r"[A-Za-z_]\w*", re.sub(r'"(?:[^"\\]|\\.)*"', '""', python)))
    if names - {"v", "and", "or", "not", "in", "len", "strip", "startswith", "_matches"}:
        raise ValueError(f"unsupported expression {condition!r}")
    scope = {"v": value, "_matches": lambda pattern, text: re.search(pattern, text) is not None}
    return bool(
        eval(python, {"__builtins__": {}, "len": len}, scope)
    )  # only ever our own .tf conditions


def check_name_inputs(
    model: Model, cases: Mapping[str, tuple[Sequence[str], Sequence[str]]]
) -> list[str]:
    """Inputs that end up in names are validated: (accepted, refused) examples per variable."""
    problems = []
    for variable, (accepted, refused) in cases.items():
        conditions = [
            v.get("condition", "") for v in model.variables.get(variable, {}).get("validation", [])
        ]
        if not conditions:
            problems.append(f"variable {variable} ends up in names but has no validation")
            continue
        try:
            for value in accepted:
                if not all(_holds(c, value) for c in conditions):
                    problems.append(f"variable {variable}: validation refuses {value!r}")
            for value in refused:
                if all(_holds(c, value) for c in conditions):
                    problems.append(f"variable {variable}: validation accepts {value!r}")
        except (ValueError, SyntaxError) as error:
            problems.append(f"variable {variable}: cannot evaluate its validation ({error})")
    return problems
