"""A small soak inside `nox -s tests`: faults at high rates, and still one answer per mention."""

from __future__ import annotations

from devstack.soak import SoakPlan, run_soak


def test_every_mention_gets_exactly_one_answer_or_error_under_injected_faults(stack):
    plan = SoakPlan(
        mentions=40,
        threads=8,
        slack_retry_storm_rate=0.15,
        pubsub_duplicate_rate=0.15,
        concurrent_copy_rate=0.15,
        poison_file_rate=0.1,
        model_flaky_rate=0.15,
        model_broken_rate=0.1,
        kill_every_seconds=6,
        posting_workers=4,
        timeout_seconds=180,
    )
    report = run_soak(stack, plan, seed=11)

    assert report.responder_kills >= 1
    assert (report.duplicates, report.lost, report.problems) == (0, 0, [])
    assert report.answers_seen + report.error_messages_shown == plan.mentions
    assert report.error_messages_shown >= 1
