"""Long answers are cut into messages Slack accepts, each rendering on its own."""

from __future__ import annotations

from assistant.slack.markdown import MARKDOWN_TEXT_LIMIT, split_markdown


def test_short_text_is_one_message():
    assert split_markdown("Hello *world*") == ["Hello *world*"]


def test_pieces_respect_the_limit_and_lose_no_words():
    text = "\n\n".join(f"Paragraph {n}: " + "lorem ipsum " * 40 for n in range(200))
    pieces = split_markdown(text)
    assert len(pieces) > 1
    assert all(len(piece) <= MARKDOWN_TEXT_LIMIT for piece in pieces)
    assert " ".join(pieces).split() == text.split()


def test_a_code_block_cut_in_two_is_closed_and_reopened():
    code = "```python\n" + "\n".join(f"print({n})" for n in range(400)) + "\n```"
    pieces = split_markdown("Here:\n\n" + code, limit=1000)
    assert len(pieces) > 2
    for piece in pieces:
        assert piece.count("```") % 2 == 0, piece
    assert pieces[1].startswith("```python\n")


def test_a_single_huge_word_is_hard_cut():
    pieces = split_markdown("x" * 2500, limit=1000)
    assert "".join(pieces) == "x" * 2500
    assert all(len(p) <= 1000 for p in pieces)
