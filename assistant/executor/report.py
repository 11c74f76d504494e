"""What the model reads back from a run, and what the person sees under the answer (pure).

The result must fit one tool message (the loop caps it at 16,000 characters) and still say
what matters: how the run ended and why, what it printed (the start and the end of stdout,
the end of stderr, where tracebacks are), each cut said so, and the files it produced.

A run that failed (an error, a limit, or nothing printed and nothing written) says so first, in
words a small model cannot misread, and the person sees it under the code too: a failed run
must never pass for a result. `RunOutcome.read` reads a result back from its text, so a
redelivery that replays recorded rounds shows the same outcome.

    >>> print(describe(RunResult(exit_code=0, stdout="42\\n", stdout_bytes=3), inputs=["a.csv"]))
    Exit status: 0 (0.0 s)
    Input files in the working directory: a.csv
    stdout:
    42
    <BLANKLINE>
    Files written: none
"""

from __future__ import annotations

import dataclasses
import signal
from collections.abc import Sequence

from assistant.executor.numbers import unsupported_numbers
from assistant.executor.protocol import RunResult, Skipped
from assistant.llm.tools import CallRecord, StepSummary

__all__ = ["RunOutcome", "code_footer", "describe", "run_summary", "unavailable"]

STDOUT_HEAD, STDOUT_TAIL, STDERR_TAIL = 4_000, 2_000, 4_000
FAILED = "THE RUN FAILED"
_SUCCEEDED = "Exit status: 0 ("
_ERROR_LINES_SHOWN = 3

_LIMITS = {
    "timeout": "Stopped: the code ran longer than the {wall:g} s time limit.",
    "output": "Stopped: the code printed more than the output limit; print less.",
    "disk": "Stopped: the code wrote too much (size or number of files) to the working directory.",
    "memory": (
        "Stopped: the run's processes together used more memory than the run's limit; "
        "use less memory (smaller chunks, fewer processes)."
    ),
}
_SIGNALS = {
    signal.SIGXFSZ: "a file grew past the 20 MB limit",
    signal.SIGXCPU: "the CPU time limit was reached",
    signal.SIGKILL: "killed",
    signal.SIGSEGV: "it crashed (segmentation fault; often memory)",
}


def unavailable(reason: str) -> str:
    return (
        f"Code execution is unavailable: {reason}. Nothing was run. "
        "Tell the person that code execution is unavailable right now; do not try again."
    )


def describe(
    result: RunResult,
    *,
    inputs: Sequence[str] = (),
    left_out: Sequence[Skipped] = (),
    posted: Sequence[str] = (),
    post_error: str = "",
    wall_seconds: float = 60.0,
    native: Sequence[str] = (),
) -> str:
    lines = [_status(result, wall_seconds)]
    if failure := _failure(result):
        lines.insert(
            0,
            f"{FAILED}: {failure}. Nothing it was meant to compute is known: do not report any "
            "number or result that it did not print below. Fix the code and run it again, or "
            "tell the person that the run failed and why.",
        )
    if inputs:
        lines.append("Input files in the working directory: " + ", ".join(inputs))
    for item in left_out:
        lines.append(f"Not given to the code: {item.name} ({item.reason})")
    lines += ["stdout:", _clip(result.stdout, result.stdout_bytes, STDOUT_HEAD, STDOUT_TAIL)]
    if result.stderr:
        lines += ["stderr:", _clip(result.stderr, result.stderr_bytes, 0, STDERR_TAIL)]
    if "MemoryError" in result.stderr:
        lines.append(
            "Note: it ran out of memory (each process may use 1.5 GiB, all together 2 GiB)."
        )
    names = [f"{file.name} ({file.size:,} bytes)" for file in result.outputs]
    lines.append("Files written: " + (", ".join(names) if names else "none"))
    if posted:
        lines.append("Posted to the thread (the person sees them): " + ", ".join(posted))
    if post_error:
        lines.append(f"The files could not be posted to the thread: {post_error}")
    lines += native
    for item in result.skipped:
        lines.append(f"Not kept: {item.name!r} ({item.reason})")
    return "\n".join(lines)


def _failure(result: RunResult) -> str:
    """Why the run produced no result, in a few words; "" when it did."""
    if result.limit in _LIMITS:
        return f"it was stopped ({result.limit} limit)"
    if result.exit_code != 0:
        return "it ended with an error" if (result.exit_code or 0) > 0 else "it was killed"
    if not result.stdout.strip() and not result.outputs:  # streamed: only their heads are here
        return "it printed nothing and wrote no files"
    return ""


def run_summary(report: str) -> StepSummary:
    """A run's step card: how it ended and the first line it printed; an error card unless it
    succeeded (a run that failed, or printed nothing and wrote nothing, is no result).

    >>> run_summary("Exit status: 0 (0.1 s)\\nstdout:\\nANSWER 42\\n\\nFiles written: none")
    StepSummary(output='Exit status: 0 (0.1 s) · ANSWER 42', sources=(), failed=False)
    >>> run_summary("Exit status: 1 (0.2 s)\\nstdout:\\n\\nstderr:\\nValueError: x").failed
    True
    """
    outcome = RunOutcome.read(report)
    lines = report.splitlines() or [""]
    # A failed run's report opens with the words for the model; the card shows how it ended.
    status = lines[1] if lines[0].startswith(FAILED) and len(lines) > 1 else lines[0]
    printed = next((line.strip() for line in outcome.stdout.splitlines() if line.strip()), "")
    output = f"{status} · {printed[:120]}" if printed else status
    return StepSummary(output, failed=not outcome.succeeded)


def _status(result: RunResult, wall_seconds: float) -> str:
    took = f"({result.seconds:.1f} s)"
    if result.limit in _LIMITS:
        return _LIMITS[result.limit].format(wall=wall_seconds) + f" {took}"
    code = result.exit_code
    if code is not None and code < 0:
        try:
            why = _SIGNALS.get(signal.Signals(-code), signal.Signals(-code).name)
        except ValueError:
            why = f"signal {-code}"
        return f"Exit status: killed by signal {-code} ({why}) {took}"
    return f"Exit status: {code} {took}"


def _clip(text: str, total_bytes: int, head: int, tail: int) -> str:
    """The start and the end of a stream, saying what was left out."""
    shown = text
    if len(text) > head + tail:
        shown = text[:head] + ("\n…\n" if head else "…\n") + text[len(text) - tail :]
    if len(shown) < len(text) or total_bytes > len(text.encode()):
        what = f"first {head:,} and last {tail:,}" if head else f"last {tail:,}"
        shown += (
            f"\n[cut: {total_bytes:,} bytes were printed in all; the {what} characters "
            "of what was kept are shown]"
        )
    return shown


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """A run as its result text tells it: whether it succeeded, why not, what it printed."""

    succeeded: bool
    status: str  # the first line: how the run ended
    error: str  # the last lines of stderr (where a traceback ends), or the status
    stdout: str

    @classmethod
    def read(cls, text: str) -> RunOutcome:
        lines = text.splitlines() or [""]
        succeeded = lines[0].startswith(_SUCCEEDED)
        status = lines[0].split(". ", 1)[0] if lines[0].startswith(FAILED) else lines[0]
        stdout = _section(lines, "stdout:", ("stderr:", "Files written:"))
        stderr = _section(lines, "stderr:", ("Files written:",))
        error_lines = [line for line in stderr.splitlines() if line.strip()][-_ERROR_LINES_SHOWN:]
        return cls(succeeded, status, "\n".join(error_lines) or status, stdout)


def _section(lines: Sequence[str], start: str, ends: Sequence[str]) -> str:
    if start not in lines:
        return ""
    body = lines[lines.index(start) + 1 :]
    stop = next((i for i, line in enumerate(body) if line.startswith(tuple(ends))), len(body))
    return "\n".join(body[:stop])


def code_footer(calls: Sequence[CallRecord], answer: str) -> str:
    """The code that produced the answer's numbers, under it, so people can check them: each
    failed run says so with the end of its error, and numbers the answer states that no
    successful run printed get a caution."""
    runs: dict[str, RunOutcome] = {}  # by code, the last outcome of each
    for call in calls:
        code = str(call.arguments.get("code", "")).strip("\n")
        if code.strip():
            runs.pop(code, None)
            runs[code] = RunOutcome.read(call.result)
    if not runs:
        return ""
    shown = [(code, outcome) for code, outcome in runs.items() if code not in answer]
    text = ""
    if shown:
        title = "Code run" if len(shown) == 1 else f"Code run ({len(shown)} runs)"
        text = f"\n\n*{title}:*"
        for code, outcome in shown:
            text += f"\n```python\n{code}\n```"
            if not outcome.succeeded:
                text += (
                    f"\n_This run failed ({_brief(outcome.status)}):_\n```\n{outcome.error}\n```"
                )
    return text + _caution(answer, list(runs.items()))


def _brief(status: str) -> str:
    return status.removeprefix(f"{FAILED}: ").rstrip(".")


def _caution(answer: str, runs: Sequence[tuple[str, RunOutcome]]) -> str:
    outputs = [outcome.stdout for _, outcome in runs if outcome.succeeded]
    missing = unsupported_numbers(answer, outputs, [code for code, _ in runs])
    if not missing:
        return ""
    listed = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
    if not outputs:
        return (
            f"\n\n:warning: _No code run succeeded, so these numbers were not computed from "
            f"the data: {listed}. Check them before relying on them._"
        )
    return (
        f"\n\n:warning: _These numbers do not appear in the output of any successful code run: "
        f"{listed}. Check them before relying on them._"
    )
