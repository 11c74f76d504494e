"""The responder function serves exactly the topics the topic table routes to it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from assistant.topics import handler_paths

ROOT = Path(__file__).resolve().parents[2]


def _responder_main():
    spec = importlib.util.spec_from_file_location(
        "responder_main", ROOT / "functions/responder/main.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_topic_pushed_to_the_responder_has_a_handler_and_no_other():
    main = _responder_main()
    assert set(main.HANDLERS) == {topic.name for topic in handler_paths("responder").values()}
