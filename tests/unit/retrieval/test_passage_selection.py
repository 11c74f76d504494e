"""Which passages go with a question within their share of the budget: the best first (as
ranked), and never a worse, smaller one in place of a better one that did not fit."""

from __future__ import annotations

from assistant.retrieval.passages import Passage
from assistant.retrieval.search import CUT_MARK, select_within


def words(text: str) -> int:
    return len(text.split())


def passage(chunk: str, distance: float, size: int) -> Passage:
    return Passage(chunk, "deploy.md", 1, "default", "Deploying", "", ("Steps",),
                   " ".join(f"{chunk}{i}" for i in range(size)), distance)  # fmt: skip


def test_the_nearer_passage_that_does_not_fit_is_cut_not_skipped_for_smaller_farther_ones():
    slack_app, terraform = passage("app", 0.10, 100), passage("apply", 0.11, 500)
    verify, commands = passage("verify", 0.12, 120), passage("cmd", 0.13, 150)

    chosen = select_within([slack_app, terraform, verify, commands], max_tokens=400,
                           max_passages=5, count=words)  # fmt: skip

    assert [p.chunk_id for p in chosen] == ["app", "apply"]  # not "verify" and "cmd" instead
    cut = chosen[1]
    assert cut.text.startswith("apply0 apply1") and cut.text.endswith(CUT_MARK)
    assert sum(words(p.text) for p in chosen) <= 400


def test_too_little_room_for_a_useful_cut_ends_the_list():
    chosen = select_within([passage("a", 0.1, 350), passage("b", 0.2, 500), passage("c", 0.3, 10)],
                           max_tokens=400, max_passages=5, count=words)  # fmt: skip
    assert [p.chunk_id for p in chosen] == ["a"]


def test_passages_that_fit_are_sent_whole_up_to_the_count():
    found = [passage(str(n), n / 10, 20) for n in range(6)]
    chosen = select_within(found, max_tokens=1_000, max_passages=3, count=words)
    assert [p.chunk_id for p in chosen] == ["0", "1", "2"]
    assert not any(p.text.endswith(CUT_MARK) for p in chosen)
