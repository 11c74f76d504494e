"""How each function's runtime is sized: functions-framework's THREADS against the instance's
request concurrency.

Cloud Run admits max_instance_request_concurrency requests to an instance at once, but
functions-framework serves only THREADS of them at a time (4 per CPU when unset): the rest
wait in its queue while Slack's 3 s or the push deadline runs out.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from tests.terraform.hcl_model import Model, first, resolve
from tests.terraform.wiring import environment, functions

__all__ = ["check_preconditions", "check_threads", "number"]

_MAP_ENTRY = re.compile(r"\$\{(?:tostring\()?local\.([a-z0-9_]+)\.([a-z0-9_]+)\)?\}")
_TOSTRING = re.compile(r"\$\{tostring\((local|var)\.([a-z0-9_]+)\)\}")


def number(model: Model, value: Any) -> int | None:
    """The integer an attribute evaluates to statically: a literal, `local.x`, `local.map.key`,
    or `tostring()` of one of them; None when it cannot be known."""
    if isinstance(value, str):
        entry = _MAP_ENTRY.fullmatch(value)
        if entry is not None:
            table = model.locals.get(entry[1])
            value = table.get(entry[2]) if isinstance(table, dict) else None
        else:
            wrapped = _TOSTRING.fullmatch(value)
            value = resolve(model, f"${{{wrapped[1]}.{wrapped[2]}}}" if wrapped else value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def check_threads(model: Model) -> list[str]:
    problems = []
    for entry_point, (_, body) in sorted(functions(model).items()):
        service = first(body, "service_config")
        concurrency = number(model, service.get("max_instance_request_concurrency"))
        if concurrency is None:
            problems.append(f"{entry_point}: max_instance_request_concurrency is not known")
            continue
        env = environment(model, service)
        if "THREADS" not in env:
            problems.append(
                f"{entry_point}: THREADS is not set (functions-framework would run 4 per CPU "
                f"for {concurrency} concurrent requests)"
            )
            continue
        threads = number(model, env["THREADS"])
        if threads != concurrency:
            problems.append(
                f"{entry_point}: THREADS is {threads if threads is not None else env['THREADS']}"
                f" but max_instance_request_concurrency is {concurrency}"
            )
    return problems


_REFERENCE = re.compile(r"\b(var|local)\.([a-z0-9_]+)\b")


def check_preconditions(model: Model) -> list[str]:
    """Every lifecycle precondition made of numeric comparisons holds with the defaults: a
    default `terraform apply` must not stop on our own rule."""
    problems, evaluated = [], 0
    for kind, named in model.resources.items():
        for name, body in named.items():
            for lifecycle in body.get("lifecycle") or ():
                for rule in lifecycle.get("precondition") or ():
                    verdict = _evaluate(model, str(rule.get("condition", "")))
                    if verdict is None:
                        continue
                    evaluated += 1
                    if not verdict:
                        problems.append(
                            f"{kind}.{name}'s precondition fails with the defaults: "
                            f"{rule.get('error_message', '')}"
                        )
    return problems or ([] if evaluated else ["no precondition could be evaluated"])


def _evaluate(model: Model, condition: str) -> bool | None:
    """A condition of numbers, comparisons, && and ||, with the defaults substituted; None
    when it holds anything else."""
    expression = condition.removeprefix("${").removesuffix("}")

    def value(match: re.Match) -> str:
        if match[1] == "var":
            found = (model.variables.get(match[2]) or {}).get("default")
        else:
            found = number(model, model.locals.get(match[2]))
        return str(found) if isinstance(found, int | float) and not isinstance(found, bool) else "?"

    python = _REFERENCE.sub(value, expression).replace("&&", " and ").replace("||", " or ")
    try:
        tree = ast.parse(python, mode="eval")
    except SyntaxError:
        return None
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.Compare, ast.Constant,
               ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)  # fmt: skip
    if not all(isinstance(node, allowed) for node in ast.walk(tree)):
        return None
    return bool(eval(compile(tree, "<precondition>", "eval"), {"__builtins__": {}}))
