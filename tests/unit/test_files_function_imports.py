"""The files function stays light: no model client, no tokenizer, no Firestore at import."""

from __future__ import annotations

import subprocess
import sys

from devstack.stack import REPO_ROOT

_PROBE = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("files_main", "functions/files/main.py")
spec.loader.exec_module(importlib.util.module_from_spec(spec))
heavy = ("openai", "tiktoken", "google.cloud.firestore", "PIL", "pypdf")
print(",".join(sorted(name for name in heavy if name in sys.modules)))
"""


def test_importing_the_files_function_loads_no_model_tokenizer_or_parsers():
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO_ROOT)},
    )
    assert result.stdout.strip() == ""
