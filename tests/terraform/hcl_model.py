"""The Terraform configuration as plain data, and the few evaluation rules the checks need.

python-hcl2 returns literals with their quotes ('"roles/x"') and expressions as '${...}'. Here
literals lose their quotes, blocks become lists of dicts, and a small evaluator resolves what a
static check can know: `for_each` over a literal list or map, `each.key`/`each.value`,
`local.*`, variable defaults and which resource an expression points at.

    >>> strip('"roles/run.invoker"'), strip("${var.region}")
    ('roles/run.invoker', '${var.region}')
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2

__all__ = [
    "Model",
    "Unresolvable",
    "all_strings",
    "expand",
    "first",
    "load",
    "references",
    "resolve",
    "strip",
    "target",
]

_RESOURCE_REF = re.compile(
    r"(?<![\w.\"])((?:google|time)_[a-z0-9_]+)\.([a-z0-9_]+)(?:\[\"([^\"]*)\"\])?"
)
_DATA_REF = re.compile(r"(?<![\w.])data\.([a-z0-9_]+)\.([a-z0-9_]+)")
_VAR_REF = re.compile(r"(?<![\w.])var\.([a-z0-9_]+)")
_LOCAL_REF = re.compile(r"(?<![\w.])local\.([a-z0-9_]+)")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


class Unresolvable(ValueError):
    """The configuration uses something a static check cannot evaluate."""


@dataclasses.dataclass
class Model:
    resources: dict[str, dict[str, dict[str, Any]]]
    data: dict[str, dict[str, dict[str, Any]]]
    variables: dict[str, dict[str, Any]]
    locals: dict[str, Any]
    outputs: dict[str, dict[str, Any]]
    # The `terraform` block (required_version, required_providers) and provider configurations.
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    providers: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.resources.get(kind, {})


def strip(value: Any) -> Any:
    """Literal strings without quotes, blocks as lists of dicts, markers and comments gone."""
    if isinstance(value, dict):
        return {strip(k): strip(v) for k, v in value.items() if not _is_marker(k)}
    if isinstance(value, list):
        return [strip(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value[1:-1]
    return value


def _is_marker(key: str) -> bool:
    """python-hcl2's own keys: `__is_block__`, `__comments__`, ..."""
    return key.startswith("__") and key.endswith("__")


def load(directory: Path) -> Model:
    model = Model(resources={}, data={}, variables={}, locals={}, outputs={})
    for path in sorted(directory.glob("*.tf")):
        with path.open() as handle:
            parsed = strip(hcl2.load(handle))
        for entry in parsed.get("resource", []):
            for kind, named in entry.items():
                model.resources.setdefault(kind, {}).update(named)
        for entry in parsed.get("data", []):
            for kind, named in entry.items():
                model.data.setdefault(kind, {}).update(named)
        for entry in parsed.get("variable", []):
            model.variables.update(entry)
        for entry in parsed.get("output", []):
            model.outputs.update(entry)
        for entry in parsed.get("locals", []):
            model.locals.update(entry)
        for entry in parsed.get("terraform", []):
            for key, value in entry.items():
                if key == "required_providers":
                    providers = model.settings.setdefault(key, {})
                    for block in value:
                        providers.update(block)
                else:
                    model.settings[key] = value
        for entry in parsed.get("provider", []):
            model.providers.update(entry)
    return model


def first(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The first nested block called `name`, or {} when there is none."""
    blocks = body.get(name) or [{}]
    return blocks[0]


def all_strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)
    elif isinstance(value, str):
        yield value


def _expressions(text: str) -> Iterator[str]:
    """The `${...}` parts of a string (braces matched, so nested templates stay inside)."""
    start = text.find("${")
    while start != -1:
        depth, end = 0, start + 1
        for end in range(start + 1, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
        yield text[start : end + 1]
        start = text.find("${", end + 1)


def references(text: str) -> dict[str, set[str]]:
    """Names referenced from the expressions in `text`: 'type.name' resources, data, var, local."""
    text = " ".join(_expressions(text))
    return {
        "resource": {f"{m[1]}.{m[2]}" for m in _RESOURCE_REF.finditer(text)},
        "data": {f"{m[1]}.{m[2]}" for m in _DATA_REF.finditer(text)},
        "var": set(_VAR_REF.findall(text)),
        "local": set(_LOCAL_REF.findall(text)),
    }


def target(text: Any) -> str | None:
    """The resource an expression points at: 'type.name' or 'type.name[key]'."""
    match = _RESOURCE_REF.search(text) if isinstance(text, str) else None
    if match is None:
        return None
    base = f"{match[1]}.{match[2]}"
    return f"{base}[{match[3]}]" if match[3] is not None else base


def _instances(for_each: Any) -> list[tuple[str, Any]] | None:
    """(each.key, each.value) per instance, or None when for_each is not a literal."""
    if isinstance(for_each, dict):
        return list(for_each.items())
    if isinstance(for_each, str) and re.fullmatch(r"\$\{(toset\()?\[.*\]\)?\}", for_each, re.S):
        inner = re.sub(r"^\$\{(toset\()?\[|\]\)?\}$", "", for_each)
        if _QUOTED.sub("", inner).strip(" ,\n") == "":
            return [(item, item) for item in _QUOTED.findall(inner)]
    return None


def _substitute(value: Any, key: str, item: Any) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, key, item) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, key, item) for v in value]
    if not isinstance(value, str):
        return value
    is_expr = isinstance(item, str) and item.startswith("${") and item.endswith("}")
    item_text = item if isinstance(item, str) else json.dumps(item)
    value = value.replace("${each.value}", item_text).replace("${each.key}", key)
    value = re.sub(r"\beach\.value\b", item[2:-1] if is_expr else json.dumps(item), value)
    return re.sub(r"\beach\.key\b", json.dumps(key), value)


def expand(body: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    """One (key, body) per instance, with each.key/each.value substituted."""
    if "for_each" not in body:
        return [(None, body)]
    instances = _instances(body["for_each"])
    if instances is None:
        raise Unresolvable(f"for_each is not a literal list or map: {body['for_each']!r}")
    return [(key, _substitute(body, key, item)) for key, item in instances]


def resolve(model: Model, value: Any, depth: int = 0) -> Any:
    """Follow `${local.x}` / `${var.x}` (its default) until a value that is not one of them."""
    if depth > 10 or not isinstance(value, str):
        return value
    match = re.fullmatch(r"\$\{(local|var)\.([a-z0-9_]+)\}", value)
    if match is None:
        return value
    kind, name = match.groups()
    if kind == "local":
        return resolve(model, model.locals.get(name), depth + 1)
    return resolve(model, model.variables.get(name, {}).get("default"), depth + 1)
