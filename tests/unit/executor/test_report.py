"""What the model reads back from a run, and the code shown under the answer."""

from __future__ import annotations

from assistant.executor.protocol import RunFile, RunResult, Skipped
from assistant.executor.report import code_footer, describe, unavailable


def test_a_finished_run_lists_its_inputs_output_and_posted_files():
    result = RunResult(
        exit_code=0,
        stdout="total 18\n",
        stdout_bytes=9,
        seconds=1.25,
        files=(RunFile("chart.png", b"x" * 1234),),
        skipped=(Skipped("link", "a symbolic link (not followed)"),),
    )
    text = describe(
        result,
        inputs=["sales.csv"],
        left_out=[Skipped("huge.csv", "over the 22 MB a run can be given")],
        posted=["chart.png"],
    )

    assert text.splitlines() == [
        "Exit status: 0 (1.2 s)",
        "Input files in the working directory: sales.csv",
        "Not given to the code: huge.csv (over the 22 MB a run can be given)",
        "stdout:",
        "total 18",
        "",
        "Files written: chart.png (1,234 bytes)",
        "Posted to the thread (the person sees them): chart.png",
        "Not kept: 'link' (a symbolic link (not followed))",
    ]


def test_long_output_keeps_its_start_and_end_and_says_it_was_cut():
    stdout = "HEAD" + "x" * 30_000 + "TAIL"
    stderr = "noise\n" * 5_000 + "ValueError: the real error"
    result = RunResult(
        exit_code=1, stdout=stdout, stdout_bytes=10**9, stderr=stderr, stderr_bytes=len(stderr)
    )
    text = describe(result)

    assert "HEAD" in text and "TAIL" in text and "ValueError: the real error" in text
    assert "[cut: 1,000,000,000 bytes were printed in all" in text
    assert len(text) < 12_000


def test_limits_and_signals_are_named():
    assert describe(RunResult(limit="timeout"), wall_seconds=60).startswith(
        "Stopped: the code ran longer than the 60 s time limit."
    )
    assert "killed by signal 9 (killed)" in describe(RunResult(exit_code=-9))
    assert "segmentation fault" in describe(RunResult(exit_code=-11))
    assert "ran out of memory" in describe(RunResult(exit_code=1, stderr="MemoryError"))


def test_unavailable_tells_the_model_to_tell_the_person():
    text = unavailable("bubblewrap (bwrap) is not installed on the executor")

    assert text.startswith("Code execution is unavailable: bubblewrap")
    assert "Nothing was run" in text and "do not try again" in text


def test_the_code_is_shown_once_each_under_the_answer_unless_the_answer_has_it():
    assert code_footer(["print(1)\n", "print(1)\n"], "The answer is 1.") == (
        "\n\n*Code run:*\n```python\nprint(1)\n```"
    )
    assert code_footer(["a = 1", "b = 2"], "").startswith("\n\n*Code run (2 runs):*")
    assert code_footer(["print(1)"], "I ran:\n```python\nprint(1)\n```") == ""
    assert code_footer(["  "], "") == ""
