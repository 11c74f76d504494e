"""Chunking follows the document's structure and keeps every chunk within its size."""

from __future__ import annotations

import itertools

import pytest

from assistant.llm.encodings import get_encoding
from assistant.retrieval.chunking import chunk_text


def words(text: str) -> int:
    return len(text.split())


def sentences(n: int, topic: str) -> str:
    return " ".join(f"Sentence {i} about {topic} has exactly eight words." for i in range(n))


HANDBOOK = f"""# Handbook

{sentences(5, "welcome")}

## Leave

{sentences(30, "annual leave")}

### Contractors

{sentences(3, "contractor leave")}

## Expenses

{sentences(60, "expense claims")}
"""


def test_every_word_lands_in_a_chunk_and_no_chunk_exceeds_the_maximum():
    chunks = chunk_text(HANDBOOK, count=words, min_tokens=60, max_tokens=100, overlap_tokens=10)
    assert all(chunk.tokens <= 100 for chunk in chunks)
    covered = set(" ".join(chunk.text for chunk in chunks).split())
    assert set(HANDBOOK.split()) <= covered
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))


def test_a_chunk_carries_the_path_of_headings_it_sits_under():
    chunks = chunk_text(HANDBOOK, count=words, min_tokens=20, max_tokens=400)
    by_first_line = {chunk.text.splitlines()[0]: chunk.heading for chunk in chunks}
    assert by_first_line["### Contractors"] == ("Handbook", "Leave", "Contractors")
    assert by_first_line["## Expenses"] == ("Handbook", "Expenses")


def test_short_sections_are_packed_together_under_their_common_heading():
    text = "# Policies\n\n## A\n\nOne two three.\n\n## B\n\nFour five six.\n\n## C\n\nSeven."
    [chunk] = chunk_text(text, count=words, min_tokens=300, max_tokens=500)
    assert chunk.heading == ("Policies",)
    assert "## B" in chunk.text and "Seven." in chunk.text


def test_a_full_chunk_inside_a_section_repeats_its_tail_in_the_next_one():
    chunks = chunk_text(sentences(40, "backups"), count=words, max_tokens=100, overlap_tokens=20)
    assert len(chunks) >= 4
    for before, after in itertools.pairwise(chunks):
        repeated = after.text.split("\n\n")[0]
        assert before.text.endswith(repeated) and 0 < words(repeated) <= 20


def test_fenced_code_stays_whole_and_its_comments_are_not_headings():
    code = "```python\n# not a heading\nprint('hi')\n\nprint('still code')\n```"
    chunks = chunk_text(f"# Run\n\n{code}\n\nAfter.", count=words, min_tokens=1)
    assert any(code in chunk.text for chunk in chunks)
    assert all("not a heading" not in chunk.heading for chunk in chunks)


def test_text_without_spaces_or_sentences_is_still_cut_within_the_limit():
    encoding = get_encoding("cl100k_base")

    def tokens(text: str) -> int:
        return len(encoding.encode(text))

    blob = "x9" * 3000  # a hash, a base64 blob: no word or sentence boundary at all
    chunks = chunk_text(f"# Data\n\n{blob}", count=tokens, max_tokens=500)
    assert len(chunks) > 1
    assert all(chunk.tokens <= 500 for chunk in chunks)
    assert "".join(c.text.removeprefix("# Data").strip() for c in chunks).replace(" ", "") == blob


# A heading line with a long run of spaces or `#` before its last word: the old pattern
# `(.+?)[ \t#]*$` tried every split of the run (20,000 characters took 1.4 s, 200,000 minutes).
PATHOLOGICAL_HEADINGS = ["# a" + " " * 200_000 + "b", "## a" + "#" * 200_000 + "b"]


@pytest.mark.timeout(5)
@pytest.mark.parametrize("line", PATHOLOGICAL_HEADINGS, ids=["spaces", "hashes"])
def test_a_pathological_heading_line_is_chunked_in_linear_time(line):
    chunks = chunk_text(line + "\n\ntext", count=words)
    assert chunks[0].heading[0].startswith("a") and chunks[0].heading[0].endswith("b")


def test_headings_are_read_as_markdown_writes_them():
    text = "## C# ##\n\nabout C\n\n#nospace\n\n#######seven\n"
    assert {c.heading for c in chunk_text(text, count=words)} == {("C",)}
