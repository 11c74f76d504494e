"""What the model reads back from a run, and the code shown under the answer."""

from __future__ import annotations

from assistant.executor.protocol import FileHead, RunFile, RunResult, Skipped
from assistant.executor.report import FAILED, RunOutcome, code_footer, describe, unavailable
from assistant.llm.tools import CallRecord

OK = describe(RunResult(exit_code=0, stdout="Europe 77.6149\nAfrica 54.8060\n", stdout_bytes=30))
ERROR = describe(
    RunResult(
        exit_code=1,
        stderr='Traceback (most recent call last):\n  File "/code/main.py", line 2\n'
        "urllib.error.URLError: <urlopen error [Errno -3] Temporary failure>\n",
    )
)


def ran(code: str, result: str = OK) -> CallRecord:
    return CallRecord({"code": code}, result)


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
    assert (
        describe(RunResult(limit="timeout"), wall_seconds=60)
        .splitlines()[1]
        .startswith("Stopped: the code ran longer than the 60 s time limit.")
    )
    assert "killed by signal 9 (killed)" in describe(RunResult(exit_code=-9))
    assert "segmentation fault" in describe(RunResult(exit_code=-11))
    assert "ran out of memory" in describe(RunResult(exit_code=1, stderr="MemoryError"))


def test_unavailable_tells_the_model_to_tell_the_person():
    text = unavailable("bubblewrap (bwrap) is not installed on the executor")

    assert text.startswith("Code execution is unavailable: bubblewrap")
    assert "Nothing was run" in text and "do not try again" in text


def test_the_code_is_shown_once_each_under_the_answer_unless_the_answer_has_it():
    assert code_footer([ran("print(1)\n"), ran("print(1)\n")], "The answer is 1.") == (
        "\n\n*Code run:*\n```python\nprint(1)\n```"
    )
    assert code_footer([ran("a = 1"), ran("b = 2")], "").startswith("\n\n*Code run (2 runs):*")
    assert code_footer([ran("print(1)")], "I ran:\n```python\nprint(1)\n```") == ""
    assert code_footer([ran("  ")], "") == ""


def test_a_failed_run_tells_the_model_first_not_to_report_what_it_did_not_print():
    lines = ERROR.splitlines()

    assert lines[0].startswith(f"{FAILED}: it ended with an error. ")
    assert "do not report any number or result that it did not print" in lines[0]
    assert lines[1] == "Exit status: 1 (0.0 s)"
    for result, why in [
        (RunResult(exit_code=0), "it printed nothing and wrote no files"),
        (RunResult(exit_code=-9), "it was killed"),
        (RunResult(exit_code=-9, limit="timeout"), "it was stopped (timeout limit)"),
    ]:
        assert describe(result).startswith(f"{FAILED}: {why}. ")
    assert not describe(RunResult(exit_code=0, files=(RunFile("chart.png", b"x"),))).startswith(
        FAILED
    )


def test_the_outcome_reads_back_from_the_text_the_model_was_given():
    ok, failed = RunOutcome.read(OK), RunOutcome.read(ERROR)

    assert ok.succeeded and ok.stdout == "Europe 77.6149\nAfrica 54.8060\n"
    assert not failed.succeeded and failed.status == f"{FAILED}: it ended with an error"
    assert failed.error.endswith(
        "urllib.error.URLError: <urlopen error [Errno -3] Temporary failure>"
    )
    assert not RunOutcome.read("Error: the code could not be run (HTTP 500).").succeeded
    assert not RunOutcome.read("").succeeded


def test_a_failed_run_shows_as_failed_under_its_code_with_the_end_of_its_error():
    code = "import pandas as pd\npd.read_csv('https://example.com/data.csv')"
    footer = code_footer([ran(code, ERROR)], "The run failed, so I have no figures.")

    assert footer == (
        f"\n\n*Code run:*\n```python\n{code}\n```\n_This run failed (it ended with an error):_\n"
        '```\nTraceback (most recent call last):\n  File "/code/main.py", line 2\n'
        "urllib.error.URLError: <urlopen error [Errno -3] Temporary failure>\n```"
    )


def test_numbers_no_successful_run_printed_get_a_caution():
    failed_only = code_footer([ran("df = load()", ERROR)], "Europe had the highest: 78.3 years.")
    assert failed_only.endswith(
        ":warning: _No code run succeeded, so these numbers were not computed from the data: "
        "78.3. Check them before relying on them._"
    )

    retried = [ran("df = load()", ERROR), ran("print(means)", OK)]
    assert "warning" not in code_footer(retried, "Europe: 77.6 years, Africa: 54.81.")
    assert code_footer(retried, "Europe: 77.6, Oceania: 80.7.").endswith(
        "_These numbers do not appear in the output of any successful code run: 80.7. "
        "Check them before relying on them._"
    )


def test_a_streamed_run_that_only_saved_a_chart_is_not_called_a_failure():
    # Issue 26: the responder streams results (files as names and sizes), and a run that saved
    # its chart was reported to the model and the person as "printed nothing and wrote no files".
    chart_only = RunResult(exit_code=0, written=(FileHead("averages.png", 28_028),))
    text = describe(chart_only, posted=["averages.png"])
    assert not text.startswith(FAILED)
    assert "Files written: averages.png (28,028 bytes)" in text
    assert RunOutcome.read(text).succeeded
