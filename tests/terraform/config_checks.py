"""Checks that the configuration matches the code and stays statically checkable.

Each takes the parsed model (and what the code declares) and returns a list of problems.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from tests.terraform.hcl_model import Model, all_strings, expand, first, references, target
from tests.terraform.wiring import body_at, environment, functions

__all__ = [
    "check_apis",
    "check_buckets",
    "check_defaults_match_code",
    "check_function_env",
    "check_function_per_directory",
    "check_manifest",
    "check_references",
    "check_source_objects",
    "check_ttl_field",
    "check_variables_documented",
]

_MISSING = object()


def check_function_per_directory(model: Model, directories: Iterable[str]) -> list[str]:
    """Each functions/<name>/ deploys as entry point <name> from a zip of itself + assistant/."""
    problems = []
    by_entry = functions(model)
    for directory in directories:
        if directory not in by_entry:
            problems.append(
                f"functions/{directory}/ has no function with entry_point {directory!r}"
            )
            continue
        build = first(by_entry[directory][1], "build_config")
        if build.get("runtime") != "python312":
            problems.append(f"{directory}: runtime {build.get('runtime')!r}, expected python312")
        obj = target(first(first(build, "source"), "storage_source").get("object"))
        if obj is None or not obj.endswith(f"[{directory}]"):
            problems.append(f"{directory}: deploys {obj}, not the zip built for {directory}")
            continue
        closure = _closure(model, body_at(model, obj.split("[")[0]) or {})
        if '"assistant/' not in closure or '/assistant"' not in closure:
            problems.append(f"{directory}: its zip does not bundle assistant/ at the root")
        if "/functions/" not in closure or f'"{directory}"' not in closure:
            problems.append(f"{directory}: its zip is not built from functions/{directory}/")
    return problems


def _closure(model: Model, body: Any, seen: set[str] | None = None) -> str:
    """All text of `body` and of the data sources and locals it refers to, transitively."""
    seen = set() if seen is None else seen
    texts = list(all_strings(body))
    for text in list(texts):
        refs = references(text)
        for data in refs["data"] - seen:
            seen.add(data)
            kind, name = data.split(".")
            texts.append(_closure(model, model.data.get(kind, {}).get(name, {}), seen))
        for local in refs["local"] - seen:
            seen.add(local)
            texts.append(_closure(model, model.locals.get(local), seen))
    return "\n".join(texts)


def check_function_env(
    model: Model, env_by_function: Mapping[str, Iterable[str]], secret_env: Iterable[str]
) -> list[str]:
    """Each function gets exactly the variables its code reads; secrets only from Secret Manager.

    A secret NAME is provided by a Secret Manager volume whose file the plain variable
    NAME_FILE points at (the code reads the file); never as a plain value.
    """
    problems = []
    secret_env = set(secret_env)
    by_entry = functions(model)
    for entry_point, expected in env_by_function.items():
        if entry_point not in by_entry:
            problems.append(f"no function for {entry_point}")
            continue
        service = first(by_entry[entry_point][1], "service_config")
        plain_env = environment(model, service)
        plain = set(plain_env)
        secrets = secret_volumes_by_variable(service, plain_env)
        for path in sorted(set(volume_files(service)) - set(plain_env.values())):
            problems.append(f"{entry_point}: secret volume file {path} is read by no variable")
        for name in sorted(set(expected) - plain - set(secrets)):
            problems.append(f"{entry_point}: {name} is read by the code but not set")
        for name in sorted((plain | set(secrets)) - set(expected)):
            problems.append(f"{entry_point}: {name} is set but the code does not read it")
        for name in sorted(plain & secret_env):
            problems.append(f"{entry_point}: secret {name} is a plain environment variable")
        for name, block in sorted(secrets.items()):
            if name not in secret_env:
                problems.append(f"{entry_point}: {name} comes from Secret Manager but is no secret")
            address = target(block.get("secret")) or ""
            secret = body_at(model, address) or {}
            wanted = name.lower().replace("_", "-")
            if not address.endswith(f"[{wanted}]") or not str(secret.get("secret_id")).endswith(
                f"-{wanted}"
            ):
                problems.append(f"{entry_point}: {name} is not read from secret {wanted!r}")
    return problems


def volume_files(service: Mapping[str, Any]) -> dict[str, dict]:
    """File path inside the container -> the secret volume block that provides it."""
    files = {}
    for volume in service.get("secret_volumes", []):
        for version in volume.get("versions", []) or [{"path": ""}]:
            files[f"{volume.get('mount_path', '')}/{version.get('path', '')}"] = volume
    return files


def secret_volumes_by_variable(
    service: Mapping[str, Any], env: Mapping[str, Any]
) -> dict[str, dict]:
    """NAME -> volume block, for each NAME_FILE variable that points at a mounted secret."""
    files = volume_files(service)
    return {
        name.removesuffix("_FILE"): files[path]
        for name, path in env.items()
        if name.endswith("_FILE") and path in files
    }


def check_defaults_match_code(model: Model, code_defaults: Mapping[str, Any]) -> list[str]:
    """A function variable set from Terraform defaults to what the code defaults to."""
    problems = []
    for entry_point, (_, body) in functions(model).items():
        env = environment(model, first(body, "service_config"))
        for name, expression in env.items():
            if name not in code_defaults:
                continue
            value = _terraform_default(model, expression)
            if value is not _MISSING and not _same(value, code_defaults[name]):
                problems.append(
                    f"{entry_point}: {name} defaults to {value!r} in Terraform, "
                    f"{code_defaults[name]!r} in the code"
                )
    return problems


def _terraform_default(model: Model, expression: Any) -> Any:
    if not isinstance(expression, str) or "${" not in expression:
        return expression
    if not re.fullmatch(r"\$\{[^{}]*\}", expression):
        return _MISSING  # a template such as "${var.name_prefix}-mentions": a name, no setting
    refs = references(expression)
    if len(refs["var"]) == 1 and not refs["resource"]:
        return model.variables.get(next(iter(refs["var"])), {}).get("default", _MISSING)
    if len(refs["resource"]) == 1 and expression.endswith(".name}"):
        named = (body_at(model, target(expression) or "") or {}).get("name")
        return _terraform_default(model, named) if named is not None else _MISSING
    return _MISSING


def _same(terraform: Any, code: Any) -> bool:
    if isinstance(code, frozenset | set):  # a list variable, joined with commas
        return isinstance(terraform, list) and set(terraform) == set(code)
    if isinstance(code, tuple):  # an ordered list variable, joined with "|"
        return isinstance(terraform, list) and tuple(terraform) == code
    if code is None:
        return terraform in (None, "")
    if isinstance(code, bool):
        return str(terraform).lower() == str(code).lower()
    if isinstance(code, int | float) and not isinstance(code, bool):
        try:
            return float(terraform) == float(code)
        except (TypeError, ValueError):
            return False
    return str(terraform) == str(code)


def check_buckets(model: Model, files_bucket: str = "files") -> list[str]:
    """No bucket can become public; mirrored files expire, and deleted ones are not kept."""
    problems = []
    for name, body in model.of_type("google_storage_bucket").items():
        if body.get("uniform_bucket_level_access") is not True:
            problems.append(f"bucket {name}: uniform_bucket_level_access is not true")
        if body.get("public_access_prevention") != "enforced":
            problems.append(f'bucket {name}: public_access_prevention is not "enforced"')
        if first(body, "soft_delete_policy").get("retention_duration_seconds") != 0:
            problems.append(
                f"bucket {name}: soft delete keeps deleted objects for days "
                "(soft_delete_policy.retention_duration_seconds must be 0)"
            )
    rules = model.of_type("google_storage_bucket").get(files_bucket, {}).get("lifecycle_rule", [])
    if not any(
        first(r, "action").get("type") == "Delete" and first(r, "condition").get("age")
        for r in rules
    ):
        problems.append(f"bucket {files_bucket}: no lifecycle rule deletes old files")
    return problems


def check_source_objects(model: Model) -> list[str]:
    """Source zips are named by their content hash; nothing depends on the clock."""
    problems = []
    everything = [model.resources, model.data, model.outputs, model.locals]
    if any("timestamp(" in text for text in all_strings(everything)):
        problems.append("timestamp() is used: every apply would differ")
    for name, body in model.of_type("google_storage_bucket_object").items():
        if target(body.get("bucket")) != "google_storage_bucket.source":
            continue  # e.g. the settings file, read by its fixed name
        if not re.search(
            r"output_(md5|sha|sha256|sha512|base64sha256|base64sha512)\b", str(body.get("name"))
        ):
            problems.append(f"object {name} is not named by its content hash: {body.get('name')!r}")
    return problems


def check_references(model: Model) -> list[str]:
    """Every resource, data source, variable and local referenced is declared."""
    declared = {
        "resource": {f"{k}.{n}" for k, named in model.resources.items() for n in named},
        "data": {f"{k}.{n}" for k, named in model.data.items() for n in named},
        "var": set(model.variables),
        "local": set(model.locals),
    }
    problems = set()
    sections = [model.resources, model.data, model.outputs, model.locals, model.variables]
    for text in all_strings(sections):
        for kind, names in references(text).items():
            for name in names - declared[kind]:
                problems.add(f"{kind} {name} is referenced but not declared")
    return sorted(problems)


def check_variables_documented(model: Model) -> list[str]:
    return [
        f"variable {name} needs a {field}"
        for name, body in sorted(model.variables.items())
        for field in ("type", "description")
        if not body.get(field)
    ]


def check_ttl_field(model: Model, collection: str, field: str) -> list[str]:
    """A TTL policy deletes old `collection` documents by their `field` timestamp."""
    for body in model.of_type("google_firestore_field").values():
        if (body.get("collection"), body.get("field")) == (
            collection,
            field,
        ) and "ttl_config" in body:
            return []
    return [f"no TTL policy on {collection}.{field}"]


def check_apis(model: Model, required: Iterable[str]) -> list[str]:
    enabled = {
        instance.get("service")
        for body in model.of_type("google_project_service").values()
        for _, instance in expand(body)
    }
    return [f"API {api} is not enabled" for api in sorted(set(required) - enabled)]


def check_manifest(
    model: Model, template: str, scopes: Iterable[str], events: Iterable[str]
) -> list[str]:
    """The Slack manifest asks for these scopes and events, over HTTPS, with every value filled."""
    problems = []
    lists = _yaml_lists(template)
    for scope in sorted(set(scopes) - set(lists.get("bot", []))):
        problems.append(f"manifest lacks bot scope {scope}")
    for scope in sorted(set(lists.get("bot", [])) - set(scopes)):
        problems.append(f"manifest asks for bot scope {scope}, which nothing uses")
    for event in sorted(set(events) ^ set(lists.get("bot_events", []))):
        problems.append(f"manifest bot_events differ from {sorted(events)}: {event}")
    for setting in ("socket_mode_enabled", "org_deploy_enabled"):
        if not re.search(rf"^\s*{setting}:\s*false\b", template, re.M):
            problems.append(f"manifest: {setting} must be false")
    # New apps get agent_view (assistant_view is the legacy surface it replaced).
    if not re.search(r"^  agent_view:\n    agent_description: \S", template, re.M):
        problems.append("manifest: features.agent_view with an agent_description is missing")
    if re.search(r"^\s*assistant_view:", template, re.M):
        problems.append("manifest: assistant_view is the legacy surface; use agent_view")
    if not re.search(r"^\s*request_url:\s*\$\{jsonencode\(request_url\)\}", template, re.M):
        problems.append("manifest: request_url is not filled from Terraform")
    if not re.search(r"^\s*request_url:\s*\$\{jsonencode\(interactivity_url\)\}", template, re.M):
        problems.append("manifest: the interactivity request_url is not filled from Terraform")
    output = str(model.outputs.get("slack_app_manifest", {}).get("value", ""))
    passed = set(re.findall(r"(\w+)\s*=", output))
    for name in sorted(set(re.findall(r"\$\{(?:jsonencode\()?(\w+)\)?\}", template)) - passed):
        problems.append(f"manifest uses ${{{name}}} but output slack_app_manifest does not pass it")
    return problems


def _yaml_lists(text: str) -> dict[str, list[str]]:
    """Block-style YAML lists by their key, comments dropped (enough for the manifest)."""
    lists: dict[str, list[str]] = {}
    key = None
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if line.startswith("- "):
            lists.setdefault(key or "", []).append(line[2:].strip())
        elif line.endswith(":"):
            key = line[:-1]
        elif line:
            key = None
    return lists
