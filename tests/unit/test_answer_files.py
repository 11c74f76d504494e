"""Which parts of an answer become files in the thread, and what they are called."""

from __future__ import annotations

from assistant.answer_files import LONG_BLOCK_CHARS, find_answer_files


def test_a_csv_block_becomes_answer_csv():
    [file] = find_answer_files("Here you go:\n\n```csv\nregion,growth\nnorth,12%\n```\n")
    assert (file.name, file.content, file.content_type) == (
        "answer.csv",
        "region,growth\nnorth,12%\n",
        "text/csv",
    )


def test_a_long_block_becomes_a_snippet_named_by_its_language():
    script = "print('hello')\n" * (LONG_BLOCK_CHARS // 10)
    files = find_answer_files(f"```python\n{script}```\n\n```bash\n{script}```\n~~~\n{script}~~~")
    assert [f.name for f in files] == ["snippet.py", "snippet.sh", "snippet.txt"]
    assert files[0].content == script


def test_short_code_blocks_stay_in_the_message_only():
    assert find_answer_files("```python\nprint(1)\n```\nand `inline`") == []


def test_several_files_of_one_kind_get_numbered_names():
    answer = "```csv\na\n```\ntext\n```CSV\nb\n```\n```csv\nc\n```"
    assert [f.name for f in find_answer_files(answer)] == [
        "answer.csv",
        "answer-2.csv",
        "answer-3.csv",
    ]


def test_an_unclosed_block_is_not_a_file():
    assert find_answer_files("```csv\na,b\n1,2\n") == []
