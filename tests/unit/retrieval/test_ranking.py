"""Relevant passages in order: distance, with the question's words breaking near-ties among one
document's sections (issue 26: the deploy question got the Slack-app steps, not the commands)."""

from __future__ import annotations

from assistant.retrieval.passages import Passage
from assistant.retrieval.ranking import ranked
from assistant.retrieval.relevance import relevance_for

E5 = relevance_for("multilingual-e5-small-q4")
DEPLOY = "How do I deploy this bot to Google Cloud? Which commands do I run?"


def section(chunk: str, heading: str, text: str, distance: float) -> Passage:
    return Passage(chunk, "knowledge/docs/deploy.md", 1, "docs", "Deploying to Google Cloud", "",
                   ("Deploying to Google Cloud", heading), text, distance)  # fmt: skip


# Distances as e5 gave them for the deploy question (bench run, 2026-12-08).
SLACK_APP = section(
    "app",
    "3. Create the Slack app",
    "Open api.slack.com/apps, Create New App "
    "from a manifest, paste the YAML printed above. Install App.",
    0.1073,
)
VERIFY = section("verify", "5. Verify the request URL, then try it", "In the app's Event "
                 "Subscriptions page, the Request URL is terraform output -raw slack_request_url.",
                 0.1074)  # fmt: skip
COMMANDS = section("commands", "In short: the commands to deploy the bot", "To deploy the bot "
                   "to Google Cloud, run these commands in order: cd terraform && terraform init "
                   "&& terraform apply", 0.1135)  # fmt: skip
TEARDOWN = section("teardown", "7. Tearing down", "terraform destroy removes what it created; "
                   "the commands below delete the buckets first.", 0.1266)  # fmt: skip


def test_the_section_with_the_commands_comes_first_among_near_ties():
    order = ranked(DEPLOY, [SLACK_APP, VERIFY, COMMANDS, TEARDOWN], weight=E5.lexical_weight)
    # Tearing down also says "commands", but is 0.02 farther: it stays last.
    assert order == [COMMANDS, SLACK_APP, VERIFY, TEARDOWN]


def test_words_cannot_lift_a_far_passage_over_a_near_one():
    far = section("far", "9. Costs", "deploy bot Google Cloud commands run commands run", 0.1600)
    order = ranked(DEPLOY, [SLACK_APP, far], weight=E5.lexical_weight)
    assert order == [SLACK_APP, far]


def test_distance_alone_when_the_weight_is_zero_or_no_word_matches():
    assert ranked(DEPLOY, [COMMANDS, SLACK_APP], weight=0.0) == [SLACK_APP, COMMANDS]
    assert ranked("東京の天気は？", [COMMANDS, SLACK_APP], weight=0.02) == [SLACK_APP, COMMANDS]
