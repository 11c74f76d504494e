"""How much of the documents goes with a question: a self-hosted model on CPU reads ~50 prompt
tokens a second before its first word, so it gets the best passages within a few hundred tokens
(issue 26: 600 passage tokens were 12 s of a documents answer's first text); OpenAI's models
get their share of the budget."""

from __future__ import annotations

from assistant.answer.delivery import Delivery
from assistant.llm.models import SELF_HOSTED_PASSAGE_TOKENS, model_spec
from assistant.llm.tokens import count_text
from assistant.retrieval.catalog import SetCount
from assistant.retrieval.passages import PASSAGES_INTRO, Passage
from tests.e2e.harness import unique
from tests.responders import local_clients, memory_stores, posted_mention, test_responder

LOCAL = "qwen2.5-coder-1.5b-instruct"


def section(n: int) -> Passage:
    words = " ".join(f"step{n}-{i}" for i in range(250))  # about 1,000 tokens each
    return Passage(chunk_id=f"deploy#{n}", document="knowledge/docs/deploy.md", generation=1,
                   set="docs", title="Deploying", url="", heading=(f"Step {n}",), text=words,
                   distance=0.1 + n / 100)  # fmt: skip


class ThreeSections:
    def set_counts(self) -> list[SetCount]:
        return [SetCount("docs", 1, 3)]

    def nearest(self, vector, *, sets, limit, max_distance):
        return [section(1), section(2), section(3)]


def passages_sent(local_slack, local_model, model: str) -> str:
    stores = memory_stores(knowledge=ThreeSections())
    core = test_responder(local_clients(stores, local_slack, local_model), openai_model=model)
    question = unique("How do I deploy this?")
    mention = posted_mention(local_slack, question)
    core.handle(Delivery(mention=mention, delivery_id=f"m-{mention.event_id}"))
    [request] = local_model.requests(question)
    [passages] = [
        str(m["content"])
        for m in request["body"]["messages"]
        if str(m["content"]).startswith(PASSAGES_INTRO)
    ]
    return passages


def test_a_self_hosted_model_gets_the_best_passage_within_its_few_hundred_tokens(
    local_slack, local_model
):
    sent = passages_sent(local_slack, local_model, LOCAL)
    intro = count_text(PASSAGES_INTRO, model_spec(LOCAL))
    assert count_text(sent, model_spec(LOCAL)) <= SELF_HOSTED_PASSAGE_TOKENS + intro + 5
    assert "step1-0 step1-1" in sent and "step2-" not in sent  # the best one, cut


def test_an_openai_model_gets_its_share_of_the_budget(local_slack, local_model):
    sent = passages_sent(local_slack, local_model, "fake-gpt")
    assert "step1-249" in sent and "step2-249" in sent  # whole sections
