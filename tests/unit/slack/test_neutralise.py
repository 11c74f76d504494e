"""Links in the model's answer that nothing it read contains are shown, not clickable."""

from __future__ import annotations

from assistant.slack.neutralise import unlink_unknown, urls_in

KNOWN = frozenset({"https://hr.example/leave", "https://docs.example/a?b=1"})


def test_a_link_the_model_read_stays_a_link():
    text = "See [the policy](https://hr.example/leave) and https://docs.example/a?b=1."
    assert unlink_unknown(text, KNOWN) == text


def test_a_made_up_markdown_link_becomes_its_words_and_the_address_as_code():
    text = "Click [here](https://evil.example/?q=secret) now"
    assert unlink_unknown(text, KNOWN) == "Click here (`https://evil.example/?q=secret`) now"


def test_a_made_up_bare_or_angle_or_image_link_is_not_clickable_either():
    text = (
        "Go to https://evil.example/x, or <https://evil.example/y|this> "
        "or <https://evil.example/z> ![pixel](https://evil.example/p.png) www.evil.example/w"
    )
    assert unlink_unknown(text, KNOWN) == (
        "Go to `https://evil.example/x`, or this (`https://evil.example/y`) "
        "or `https://evil.example/z` pixel (`https://evil.example/p.png`) `www.evil.example/w`"
    )


def test_addresses_in_code_are_left_as_they_are():
    text = "Run `curl https://evil.example/a`\n```\nhttps://evil.example/b\n```"
    assert unlink_unknown(text, KNOWN) == text


def test_a_known_address_with_a_trailing_slash_or_sentence_end_is_still_known():
    assert unlink_unknown("At https://hr.example/leave/.", KNOWN) == "At https://hr.example/leave/."


def test_the_addresses_in_what_the_model_read():
    text = "Docs: https://docs.example/a?b=1, and (https://hr.example/leave). <https://x.example|x>"
    assert urls_in(text) == {
        "https://docs.example/a?b=1",
        "https://hr.example/leave",
        "https://x.example",
    }
