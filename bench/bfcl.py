"""Tool choice on an external set: the Berkeley Function Calling Leaderboard's `simple` (Python),
`multiple` and `irrelevance` categories, a fixed sample of each, through the tool shim with the
default local model (Qwen2.5-Coder-1.5B), as the bot reaches it.

The data ships in the `bfcl-eval` wheel (Apache-2.0), installed with `--no-deps` (`nox -s
bench` does; its data and answer files work offline). Scoring follows BFCL's AST check,
simplified: `simple` and `multiple` are right when the expected function is called
("tool right") and, for "call right", every argument is one of the accepted values (an
accepted "" means it may be left out) with no argument the answer does not name;
`irrelevance` is right when no function is called.

    python -m bench.bfcl             # 10 of each category
    python -m bench.bfcl 5           # 5 of each: a quick look
    python -m bench.bfcl 8 irrelevance simple   # those categories only
    python -m bench.bfcl 20 --held-out  # the 20 halfway between the usual 20: a second sample
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import openai

from devstack.local_model import QWEN, LocalModel, local_model_available
from devstack.local_model import start_local_model as _start

CATEGORIES = {  # our name -> BFCL v4's file stem
    "simple": "BFCL_v4_simple_python",
    "multiple": "BFCL_v4_multiple",
    "irrelevance": "BFCL_v4_irrelevance",
}
SAMPLE = 10  # per category: a 1.5B model on 2 shared cores takes about 1–2 min a case
ARGUMENT_TOKENS = 160  # the arguments step's budget; a text answer ("none") stops there too
# BFCL's own types, as JSON schema names them.
_TYPES = {"dict": "object", "float": "number", "tuple": "array", "any": "string"}


def data_dir() -> Path | None:
    """bfcl_eval's data folder, found without importing the package (its imports are heavy)."""
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def sample(items: list[dict], size: int, *, held_out: bool = False) -> list[dict]:
    """`size` items spread evenly over the file: the same ones on every run. `held_out`: the
    items halfway between those, to check that a change tuned on the sample holds elsewhere.

    >>> [item["id"] for item in sample([{"id": n} for n in range(10)], 3)]
    [0, 3, 6]
    >>> [item["id"] for item in sample([{"id": n} for n in range(10)], 3, held_out=True)]
    [1, 4, 7]
    """
    step = max(1, len(items) // size)
    return items[step // 2 if held_out else 0 :: step][:size]


def wire_name(name: str) -> str:
    """OpenAI's tool names allow no dots (BFCL's `math.factorial`): BFCL's own handler too
    sends them with underscores."""
    return name.replace(".", "_")


def json_schema(schema: Any) -> Any:
    """BFCL's parameter schema in JSON schema's words ("dict" -> "object", "float" -> ...)."""
    if isinstance(schema, dict):
        converted = {k: json_schema(v) for k, v in schema.items() if k != "optional"}
        if isinstance(converted.get("type"), str):
            converted["type"] = _TYPES.get(converted["type"], converted["type"])
        return converted
    if isinstance(schema, list):
        return [json_schema(v) for v in schema]
    return schema


def tools_of(item: dict) -> list[dict]:
    return [
        {
            "type": "function",
            "function": {
                "name": wire_name(function["name"]),
                "description": function.get("description", ""),
                "parameters": json_schema(function.get("parameters") or {"type": "object"}),
            },
        }
        for function in item["function"]
    ]


def _same(value: Any, accepted: Any) -> bool:
    if isinstance(value, bool) or isinstance(accepted, bool):  # before int: True == 1
        return value is accepted
    if isinstance(value, str) and isinstance(accepted, str):
        return value.strip().lower() == accepted.strip().lower()
    if isinstance(value, (int, float)) and isinstance(accepted, (int, float)):
        return not isinstance(value, bool) and float(value) == float(accepted)
    if isinstance(value, list) and isinstance(accepted, list):
        return len(value) == len(accepted) and all(map(_same, value, accepted))
    if isinstance(value, dict) and isinstance(accepted, dict):
        return value.keys() == accepted.keys() and all(
            any(_same(value[k], a) for a in (v if isinstance(v, list) else [v]))
            for k, v in accepted.items()
        )
    return value == accepted


def score(called: list[tuple[str, dict]], expected: list[dict] | None) -> tuple[bool, bool]:
    """(tool right, call right) for one case; `expected` None: no call was right.

    >>> score([], None)
    (True, True)
    >>> truth = [{"math.factorial": {"number": [5], "base": ["", 10]}}]
    >>> score([("math_factorial", {"number": 5})], truth)
    (True, True)
    >>> score([("math_factorial", {"number": 6})], truth)
    (True, False)
    >>> score([("t", {"equal": True})], [{"t": {"equal": [True]}}])
    (True, True)
    """
    if expected is None:
        return (not called, not called)
    if len(called) != 1:
        return (False, False)
    name, arguments = called[0]
    [(want, accepted)] = expected[0].items()
    if name != wire_name(want):
        return (False, False)
    for key, values in accepted.items():
        if key not in arguments:
            if "" not in values:
                return (True, False)
        elif not any(_same(arguments[key], value) for value in values):
            return (True, False)
    return (True, set(arguments) <= set(accepted))


def _calls(client: openai.OpenAI, model: LocalModel, item: dict) -> list[tuple[str, dict]]:
    """The calls the model makes, streamed as the bot streams: a first chunk of text means no
    call, and the stream is closed there (the text answer itself is not what is measured)."""
    names: dict[int, str] = {}
    arguments: dict[int, str] = {}
    with client.chat.completions.create(
        model=model.spec.name,
        messages=item["question"][0],
        tools=tools_of(item),  # type: ignore[arg-type]
        tool_choice="auto",
        temperature=0,
        max_tokens=ARGUMENT_TOKENS,
        stream=True,
    ) as stream:
        for chunk in stream:
            delta = chunk.choices[0].delta if chunk.choices else None
            if delta is None:
                continue
            if delta.content and not names:
                return []
            for call in delta.tool_calls or ():
                if call.function and call.function.name:
                    names[call.index] = call.function.name
                if call.function and call.function.arguments:
                    arguments[call.index] = arguments.get(call.index, "") + call.function.arguments
    return [(names[i], json.loads(arguments.get(i) or "{}")) for i in sorted(names)]


def run_category(
    model: LocalModel, name: str, size: int, root: Path, *, held_out: bool = False
) -> dict:
    items = sample(_lines(root / f"{CATEGORIES[name]}.json"), size, held_out=held_out)
    answers_file = root / "possible_answer" / f"{CATEGORIES[name]}.json"
    answers = (
        {a["id"]: a["ground_truth"] for a in _lines(answers_file)} if name != "irrelevance" else {}
    )
    client = openai.OpenAI(base_url=model.base_url, api_key="sk-local", timeout=600, max_retries=0)
    tool_right = call_right = 0
    seconds, misses = [], []
    for item in items:
        started = time.perf_counter()
        try:
            called = _calls(client, model, item)
        except (openai.APIError, ValueError) as error:
            called = [("(error)", {"error": str(error)[:80]})]
        seconds.append(time.perf_counter() - started)
        tool_ok, call_ok = score(called, answers.get(item["id"]))
        tool_right += tool_ok
        call_right += call_ok
        picked = called[0][0] if called else "none"
        if not call_ok:
            misses.append(f"{item['id']}: {picked}")
        # Case by case on stderr: a run cut short still tells what it measured.
        arguments = json.dumps(called[0][1]) if called else ""
        print(
            f"{item['id']}\t{picked}\t{tool_ok}\t{call_ok}\t{seconds[-1]:.1f}\t{arguments}",
            file=sys.stderr,
        )
    total = len(items)
    return {
        "category": name,
        "cases": total,
        "tool right": f"{tool_right}/{total} ({100 * tool_right / total:.0f} %)",
        "call right": f"{call_right}/{total} ({100 * call_right / total:.0f} %)",
        "s per case (median)": statistics.median(seconds),
        "misses": misses,
    }


def run(
    log_dir: Path,
    size: int = SAMPLE,
    categories: list[str] | None = None,
    *,
    held_out: bool = False,
) -> list[dict]:
    root = data_dir()
    if root is None:
        return [{"category": "all", "cases": "not run: bfcl-eval is not installed"}]
    if (missing := local_model_available(QWEN)) is not None:
        return [{"category": "all", "cases": f"not run: {missing}"}]
    model = _start(log_dir / QWEN.name, QWEN)
    try:
        return [
            run_category(model, name, size, root, held_out=held_out)
            for name in categories or CATEGORIES
        ]
    finally:
        model.stop()


def main(argv: list[str]) -> int:
    from bench.__main__ import _table

    held_out = "--held-out" in argv
    argv = [a for a in argv if a != "--held-out"]
    size = int(argv[0]) if argv else SAMPLE
    log_dir = Path(tempfile.mkdtemp(prefix="bench-bfcl-"))
    rows = run(log_dir, size, argv[1:], held_out=held_out)
    which = ", held-out sample" if held_out else ""
    title = f"BFCL tool choice through the tool shim ({QWEN.name}, {size} per category{which})"
    print(_table(title, [{k: v for k, v in row.items() if k != "misses"} for row in rows]))
    for row in rows:
        print(f"{row['category']} misses: {', '.join(row.get('misses', [])) or 'none'}")
    print(f"logs (the shim's decisions in tool-shim.log): {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
