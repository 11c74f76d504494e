"""Data analysis on uploads, through the real path: Slack sandbox -> ingress -> files ->
responder -> the model's `run_python` -> the executor under functions-framework (bubblewrap)
-> files posted into the thread and mirrored in the bucket -> the model's next request."""

from __future__ import annotations

import json
import subprocess

import pytest

from devstack.executor_runtime import ensure_runtime
from tests.e2e.harness import eventually, last_user_text, message_text, unique

TEAM, CHANNEL = "T0SANDBOX", "C0GENERAL"
SALES = b"region,q1,q2\nnorth,10,14\nsouth,8,9\neast,5,11\n"


@pytest.fixture(scope="module", autouse=True)
def executor_running(stack):
    if "executor" not in stack.urls:
        pytest.skip(f"the executor is not running: {stack.executor_problem}")


def run_python(code: str) -> str:
    return f"[[tool:run_python:{json.dumps({'code': code})}]]"


def ask(sandbox, claims, text: str, **kwargs):
    posted = sandbox.mention(text, **kwargs)
    claim = claims.wait_final(posted["event_id"], timeout=90)
    return posted, claim


def tool_results(model, question: str) -> list[str]:
    """What each run returned to the model, from the requests that followed it."""
    [*_, last] = model.requests(question)
    return [m["content"] for m in last["tool_messages"]]


def answer_and_files(sandbox, thread_ts: str) -> tuple[list[str], list[dict]]:
    replies = sandbox.bot_replies(thread_ts)
    texts = [message_text(m) for m in replies if not m.get("files")]
    return texts, [f for m in replies for f in m.get("files") or []]


def thread_objects(bucket, thread_ts: str) -> list[str]:
    prefix = f"{TEAM}/{CHANNEL}/{thread_ts}/"
    return [b.name.removeprefix(prefix) for b in bucket.client.list_blobs(bucket, prefix=prefix)]


def test_a_csv_total_reaches_the_model_and_the_chart_is_posted_and_kept(
    sandbox, claims, model, bucket
):
    code = (
        "import pandas as pd, matplotlib.pyplot as plt\n"
        "df = pd.read_csv('sales.csv')\n"
        "print('TOTAL', int(df['q2'].sum()))\n"
        "df.plot.bar(x='region', y='q2').set_title('地域別の売上')\n"
        "plt.savefig('chart.png')\n"
    )
    question = unique("which region grew fastest? plot it")
    csv = {"name": "sales.csv", "mimetype": "text/csv", "content": SALES}
    posted, claim = ask(sandbox, claims, f"{question} {run_python(code)}", files=[csv])

    assert claim["state"] == "done"
    [result] = tool_results(model, question)
    assert "Exit status: 0" in result and "TOTAL 34" in result
    assert "Posted to the thread (the person sees them): chart.png" in result
    [offered] = [
        tool["function"]["description"]
        for tool in model.requests(question)[0]["body"]["tools"]
        if tool["function"]["name"] == "run_python"
    ]  # the model knew the file by name, with its columns, before writing any code
    assert offered.endswith(
        "- `sales.csv` (45 bytes), columns: region, q1, q2; first rows: north, 10, 14 | south, 8, 9"
    )
    [answer], files = answer_and_files(sandbox, posted["ts"])
    assert "TOTAL 34" in answer  # the fake model quotes the result it was sent
    assert "*Code run:*\n```python\nimport pandas as pd" in answer  # people can check it
    [chart] = files
    assert chart["name"] == "chart.png" and chart["mimetype"] == "image/png"
    [stored] = [name for name in thread_objects(bucket, posted["ts"]) if "/run-" in name]
    assert stored.startswith(f"bot/{posted['event_id']}/run-") and stored.endswith("/chart.png")
    blob = bucket.blob(f"{TEAM}/{CHANNEL}/{posted['ts']}/{stored}")
    assert blob.download_as_bytes().startswith(b"\x89PNG")


def test_an_xlsx_is_read_a_follow_up_sees_the_first_runs_file_and_other_threads_do_not(
    sandbox, claims, model
):
    upload = {
        "name": "units.xlsx",
        "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "content": _workbook([["region", "units"], ["north", 3], ["south", 4]]),
    }
    first = unique("sum the units")
    code = (
        "import pandas as pd\n"
        "df = pd.read_excel('units.xlsx')\n"
        "print('UNITS', int(df['units'].sum()))\n"
        "df.assign(double=df['units'] * 2).to_csv('doubled.csv', index=False)\n"
    )
    posted, _ = ask(sandbox, claims, f"{first} {run_python(code)}", files=[upload])
    [result] = tool_results(model, first)
    assert "UNITS 7" in result and "doubled.csv" in result

    follow_up = unique("and the doubled total?")
    code = "import pandas as pd\nprint(sorted(__import__('os').listdir()))\n"
    code += "print('DOUBLED', int(pd.read_csv('doubled.csv')['double'].sum()))\n"
    ask(sandbox, claims, f"{follow_up} {run_python(code)}", thread_ts=posted["ts"])
    [result] = tool_results(model, follow_up)
    assert "DOUBLED 14" in result
    assert "['doubled.csv', 'units.xlsx']" in result

    elsewhere = unique("what files are here?")
    code = "import os\nprint('FILES', sorted(os.listdir()))\n"
    ask(sandbox, claims, f"{elsewhere} {run_python(code)}")
    [result] = tool_results(model, elsewhere)
    assert "FILES []" in result


def test_escapes_fail_are_reported_to_the_model_and_the_person_still_gets_an_answer(
    sandbox, claims, model, stack
):
    code = (
        "import os, socket\n"
        "print('ENV', sorted(os.environ))\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {stack.urls['ingress'].rsplit(':', 1)[1]}))\n"
        "    print('REACHED INGRESS')\n"
        "except OSError as error:\n"
        "    print('NET', error)\n"
        "print('ROOT', os.path.exists('/root'))\n"
        "while True:\n"
        "    pass\n"
    )
    question = unique("try to escape")
    posted = sandbox.mention(f"{question} {run_python(code)}")

    def status_shown():  # while the code runs (until the time limit stops it): its task card
        return any(
            chunk.get("type") == "task_update" and chunk["status"] == "in_progress"
            and chunk["title"] == "Running Python"
            for reply in sandbox.bot_replies(posted["ts"])
            for chunk in reply.get("chunks") or ()
        )  # fmt: skip

    eventually(status_shown, timeout=30, interval=0.05)
    claim = claims.wait_final(posted["event_id"], timeout=90)
    assert claim["state"] == "done"
    [result] = tool_results(model, question)
    assert "Stopped: the code ran longer than the" in result
    assert "NET [Errno 111] Connection refused" in result and "ROOT False" in result
    assert "REACHED INGRESS" not in result and "SLACK_BOT_TOKEN" not in result
    [answer], _ = answer_and_files(sandbox, posted["ts"])
    assert "ROOT False" in answer and "Running Python" not in answer
    [request, *_] = model.requests(question)
    assert "run_python" in [t["function"]["name"] for t in request["body"]["tools"]]
    assert question in last_user_text(request)


def _workbook(rows: list[list]) -> bytes:
    """A real .xlsx, written by openpyxl from the executor's runtime (the tests' own
    environment does not have it)."""
    venv, _ = ensure_runtime()
    write = (
        "import io, json, sys, openpyxl\n"
        "book = openpyxl.Workbook()\n"
        "[book.active.append(row) for row in json.loads(sys.argv[1])]\n"
        "buffer = io.BytesIO(); book.save(buffer); sys.stdout.buffer.write(buffer.getvalue())\n"
    )
    return subprocess.run(
        [str(venv / "bin" / "python"), "-c", write, json.dumps(rows)],
        capture_output=True,
        check=True,
    ).stdout


def test_a_runs_csv_reaches_slack_as_a_native_table_and_an_oversized_one_as_a_file_only(
    sandbox, claims, model
):
    code = (
        "import pandas as pd\n"
        "df = pd.read_csv('sales.csv')\n"
        "df.assign(growth=df.q2 - df.q1).to_csv('growth.csv', index=False)\n"
        "pd.DataFrame({'n': range(150)}).to_csv('long.csv', index=False)\n"
    )
    question = unique("growth per region as a table")
    csv = {"name": "sales.csv", "mimetype": "text/csv", "content": SALES}
    posted, claim = ask(sandbox, claims, f"{question} {run_python(code)}", files=[csv])

    assert claim["state"] == "done"
    [result] = tool_results(model, question)
    assert "Shown natively under your answer as a Slack table: growth.csv" in result
    assert "Not shown natively (posted as a file only): long.csv: it has 151 rows" in result
    [answer] = [m for m in sandbox.bot_replies(posted["ts"]) if m.get("blocks")]
    [table] = [block for block in answer["blocks"] if block["type"] == "table"]
    assert [[cell["text"] for cell in row] for row in table["rows"]] == [
        ["region", "q1", "q2", "growth"],
        ["north", "10", "14", "4"],
        ["south", "8", "9", "1"],
        ["east", "5", "11", "6"],
    ]
    assert answer["blocks"][-1]["type"] == "context_actions"  # the feedback stays last
    _, files = answer_and_files(sandbox, posted["ts"])
    assert sorted(f["name"] for f in files) == ["growth.csv", "long.csv"]  # both downloadable
