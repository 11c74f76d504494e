"""Embeddings through the real openai client against the deterministic server's /v1/embeddings."""

from __future__ import annotations

from collections.abc import Sized

import httpx2 as httpx
import openai
import pytest
import requests

from assistant.retrieval.embeddings import MAX_BATCH_INPUTS, Embedder, EmbeddingError
from assistant.retrieval.search import standalone_query
from devstack.fake_openai.embeddings import distance


@pytest.fixture
def client(local_model):
    return openai.OpenAI(
        api_key="k", base_url=local_model.base_url, max_retries=0, timeout=httpx.Timeout(5.0)
    )


def sent(local_model, first_input: str) -> list[dict]:
    log = requests.get(f"{local_model.root}/_fake/embeddings", timeout=5).json()
    return [r for r in log if r["first_input"].startswith(first_input)]


def test_passages_are_embedded_in_batches_at_the_configured_dimensions(client, local_model):
    embedder = Embedder(client=client, model="text-embedding-3-small", dimensions=256)
    texts = [f"batchtest passage {n} about backups" for n in range(MAX_BATCH_INPUTS + 6)]
    vectors = embedder.embed_passages(texts)
    assert len(vectors) == len(texts) and {len(v) for v in vectors} == {256}
    requests_made = sent(local_model, "batchtest passage")
    assert [r["inputs"] for r in requests_made] == [MAX_BATCH_INPUTS, 6]  # as the server saw
    assert [r["dimensions"] for r in requests_made] == [256, 256]
    assert all(r["input_type"] is None for r in requests_made)  # OpenAI would refuse it


def test_an_asymmetric_model_is_told_passage_or_query(client, local_model):
    embedder = Embedder(client=client, model="multilingual-e5-small-q4", dimensions=512)
    embedder.embed_passages(["e5test passage"])
    embedder.embed_query("e5test query")
    types = [r["input_type"] for r in sent(local_model, "e5test")]
    assert types == ["passage", "query"]
    assert all(r["dimensions"] is None for r in sent(local_model, "e5test"))


def test_an_embedder_keeps_no_state_per_call(client):
    """One Embedder serves a whole responder or indexer process: nothing it holds may grow
    with the calls it makes (a list of calls once did, by one entry per call)."""
    embedder = Embedder(client=client, model="text-embedding-3-small", dimensions=64)
    embedder.embed_query("statetest warm-up")
    before = _held(embedder)
    for n in range(25):
        embedder.embed_passages([f"statetest passage {n}", f"statetest other {n}"])
        embedder.embed_query(f"statetest query {n}")
    assert _held(embedder) == before


def _held(embedder: Embedder) -> dict[str, object]:
    """What the embedder holds besides its client: each attribute's value, or a container's size."""
    held = {}
    for name, value in vars(embedder).items():
        if name != "client":
            held[name] = len(value) if isinstance(value, Sized) else repr(value)
    return held


def test_vectors_of_another_size_than_configured_are_refused(client):
    embedder = Embedder(client=client, model="e5-other", dimensions=384)  # the server gives 512
    with pytest.raises(EmbeddingError, match="EMBEDDING_DIMENSIONS is 384"):
        embedder.embed_query("anything")


def test_a_follow_up_finds_its_topic_only_with_the_threads_question(client):
    embedder = Embedder(client=client, model="text-embedding-3-small", dimensions=512)
    leave = embedder.embed_passages(["Contractor leave: annual leave is not paid."])[0]
    invoices = embedder.embed_passages(["Contractors submit invoices monthly."])[0]
    alone = embedder.embed_query("and for contractors?")
    query = standalone_query("and for contractors?", ["How much annual leave do we get?"])
    with_thread = embedder.embed_query(query)
    assert distance(alone, invoices) <= distance(alone, leave)  # the bare follow-up is ambiguous
    assert distance(with_thread, leave) < distance(with_thread, invoices)
