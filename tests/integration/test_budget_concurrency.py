"""Budgets under concurrency, on the Firestore emulator: ten mentions at once spend at most
one call's maximum past the limit, because each call reserves its maximum cost first."""

from __future__ import annotations

import logging
import threading
import uuid

from google.cloud.firestore_v1.base_query import FieldFilter

from assistant.answer.delivery import Delivery
from assistant.answer.wiring import firestore_stores
from assistant.pubsub.outcome import Outcome
from assistant.usage.ledger import CALLS
from tests.builders import make_mention
from tests.responders import local_clients, settings_file, test_responder

logger = logging.getLogger(__name__)

BUDGET_USD = 1.0
# The deterministic model's answer to one of these mentions costs about $0.40 at this price.
PRICE_PER_MILLION = 1_400.0
MENTIONS = 10
# A small output reservation, so that one call's maximum is near what an answer costs.
RESERVED_OUTPUT = 200


def test_ten_concurrent_mentions_overrun_a_budget_by_at_most_one_call(
    firestore_db, local_slack, local_model, tmp_path
):
    team = f"T{uuid.uuid4().hex[:8].upper()}"
    price = {"input_per_million": PRICE_PER_MILLION, "output_per_million": PRICE_PER_MILLION}
    file = settings_file(
        tmp_path,
        {
            "defaults": {"budgets": {"user_daily_usd": 0, "workspace_monthly_usd": BUDGET_USD}},
            "prices": {"fake-gpt": price},
        },
    )
    stores = firestore_stores(firestore_db, lease_seconds=5.0)
    core = test_responder(
        local_clients(stores, local_slack, local_model),
        settings_uri=file,
        reserved_output_tokens=RESERVED_OUTPUT,
    )
    deliveries = []
    for number in range(MENTIONS):
        question = f"question {number} {uuid.uuid4().hex[:6]} " + "padding " * 50
        posted = local_slack.mention(question)
        mention = make_mention(f"<@U0BOT> {question}", event_id=f"Ev{uuid.uuid4().hex[:10]}",
                               team_id=team, channel="C0GENERAL", ts=posted["ts"],
                               thread_ts=posted["ts"], user=f"U{number}")  # fmt: skip
        deliveries.append(Delivery(mention=mention, delivery_id=f"m-{mention.event_id}"))
    start = threading.Barrier(MENTIONS)
    outcomes: list[Outcome] = []

    def answer(delivery: Delivery) -> None:
        start.wait()
        outcomes.append(core.handle(delivery))

    threads = [threading.Thread(target=answer, args=(d,)) for d in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes == [Outcome.ACK] * MENTIONS
    spent = stores.ledger.spent(team=team, channel="C0GENERAL", user="U0").workspace_month
    calls = stores.ledger.report(team=team, channel="C0GENERAL", user="U0").workspace_month
    # One call's maximum: its prompt and the output reservation (the largest prompt counted).
    recorded = firestore_db.collection(CALLS).where(filter=FieldFilter("team", "==", team))
    prompt = max(call.to_dict()["tokens_in"] for call in recorded.stream())
    one_call_max = (prompt + RESERVED_OUTPUT) * PRICE_PER_MILLION / 1e6
    logger.warning(
        "budget %.2f: %d answers spent %.2f, overrun %.2f (one call's maximum %.2f)",
        BUDGET_USD, calls.calls, spent, spent - BUDGET_USD, one_call_max,
    )  # fmt: skip
    print(f"\nBUDGET {BUDGET_USD} SPENT {spent:.2f} OVERRUN {spent - BUDGET_USD:.2f} "
          f"ANSWERS {calls.calls} ONE_CALL_MAX {one_call_max:.2f}")  # fmt: skip
    assert spent - BUDGET_USD <= one_call_max
