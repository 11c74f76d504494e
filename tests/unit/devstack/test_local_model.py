"""The local model's server is started with room for its own tokenizer's counts."""

from __future__ import annotations

from pathlib import Path

from devstack.local_model import QWEN, SMOLLM2, server_command


def test_the_server_context_leaves_room_over_the_bots_budget():
    # The day-in-the-life benchmark: a CSV prompt the bot counted within 3,072 tokens (a 4,096
    # budget less the output) was 4,260 to llama.cpp, which refused it with a 4,096 context.
    for spec in (QWEN, SMOLLM2):
        argv = server_command(Path("model.gguf"), spec, port=1, threads=2)
        context = int(argv[argv.index("--ctx") + 1])
        assert context >= spec.context_tokens + 4_260 - 3_072
        assert context >= 2 * spec.context_tokens
