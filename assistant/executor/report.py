"""What the model reads back from a run, and what the person sees under the answer (pure).

The result must fit one tool message (the loop caps it at 16,000 characters) and still say
what matters: how the run ended and why, what it printed (the start and the end of stdout,
the end of stderr, where tracebacks are), each cut said so, and the files it produced.

    >>> print(describe(RunResult(exit_code=0, stdout="42\\n", stdout_bytes=3), inputs=["a.csv"]))
    Exit status: 0 (0.0 s)
    Input files in the working directory: a.csv
    stdout:
    42
    <BLANKLINE>
    Files written: none
"""

from __future__ import annotations

import signal
from collections.abc import Sequence

from assistant.executor.protocol import RunResult, Skipped
from assistant.llm.tools import StepSummary

__all__ = ["code_footer", "describe", "run_summary", "unavailable"]

STDOUT_HEAD, STDOUT_TAIL, STDERR_TAIL = 4_000, 2_000, 4_000

_LIMITS = {
    "timeout": "Stopped: the code ran longer than the {wall:g} s time limit.",
    "output": "Stopped: the code printed more than the output limit; print less.",
    "disk": "Stopped: the code wrote too much (size or number of files) to the working directory.",
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
) -> str:
    lines = [_status(result, wall_seconds)]
    if inputs:
        lines.append("Input files in the working directory: " + ", ".join(inputs))
    for item in left_out:
        lines.append(f"Not given to the code: {item.name} ({item.reason})")
    lines += ["stdout:", _clip(result.stdout, result.stdout_bytes, STDOUT_HEAD, STDOUT_TAIL)]
    if result.stderr:
        lines += ["stderr:", _clip(result.stderr, result.stderr_bytes, 0, STDERR_TAIL)]
    if "MemoryError" in result.stderr:
        lines.append("Note: it ran out of memory (each process may use 1.5 GiB).")
    names = [f"{file.name} ({len(file.data):,} bytes)" for file in result.files]
    lines.append("Files written: " + (", ".join(names) if names else "none"))
    if posted:
        lines.append("Posted to the thread (the person sees them): " + ", ".join(posted))
    if post_error:
        lines.append(f"The files could not be posted to the thread: {post_error}")
    for item in result.skipped:
        lines.append(f"Not kept: {item.name!r} ({item.reason})")
    return "\n".join(lines)


def run_summary(report: str) -> StepSummary:
    """A run's step card: how it ended and the first line it printed; failed unless it exited 0.

    >>> run_summary("Exit status: 0 (0.1 s)\\nstdout:\\nANSWER 42\\n\\nFiles written: none")
    StepSummary(output='Exit status: 0 (0.1 s) · ANSWER 42', sources=(), failed=False)
    >>> run_summary("Exit status: 1 (0.2 s)\\nstdout:\\n\\nstderr:\\nValueError: x").failed
    True
    """
    lines = report.splitlines()
    status = lines[0] if lines else ""
    printed = ""
    if "stdout:" in lines:
        after = lines[lines.index("stdout:") + 1 :]
        printed = next((line.strip() for line in after if line.strip()), "")
        printed = "" if printed.startswith(("Files written:", "stderr:")) else printed[:120]
    output = f"{status} · {printed}" if printed else status
    return StepSummary(output, failed=not status.startswith("Exit status: 0 "))


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


def code_footer(codes: Sequence[str], answer: str) -> str:
    """The code that produced the answer's numbers, under it, so people can check them."""
    shown = [code.strip("\n") for code in dict.fromkeys(codes) if code.strip()]
    shown = [code for code in shown if code not in answer]
    if not shown:
        return ""
    title = "Code run" if len(shown) == 1 else f"Code run ({len(shown)} runs)"
    blocks = "\n".join(f"```python\n{code}\n```" for code in shown)
    return f"\n\n*{title}:*\n{blocks}"
