"""The day-in-the-life benchmark's requests, its seeded threads and data files, and the facts
each answer must hold (pandas computes the expected numbers from the same files, in the
executor's own runtime)."""

from __future__ import annotations

import dataclasses
import io
import json
import random
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

CONTINENTS = {"Africa": 48.0, "Americas": 60.0, "Asia": 52.0, "Europe": 66.0, "Oceania": 69.0}


@dataclasses.dataclass(frozen=True)
class Upload:
    name: str
    mimetype: str
    content: bytes


@dataclasses.dataclass(frozen=True)
class Request:
    name: str
    text: str
    expect: tuple[str, ...] = ()  # patterns the final answer must all match (case-insensitive)
    files: tuple[Upload, ...] = ()
    thread: str = ""  # a seeded thread's name, or an earlier request's, to ask in
    chart: bool = False  # an image must be posted in the thread
    cites: str = ""  # a document the answer's Sources must name
    no_sources: bool = False  # a general question: no passages may be cited


def life_expectancy_csv() -> bytes:
    """A gapminder-like table: country, continent, year, lifeExp (fixed seed)."""
    rng = random.Random(2007)
    lines = ["country,continent,year,lifeExp,pop"]
    for continent, base in CONTINENTS.items():
        for n in range(12):
            country = f"{continent[:3]}land {n + 1}"
            start = base + rng.uniform(-8, 8)
            for year in range(1952, 2008, 5):
                value = start + (year - 1952) * rng.uniform(0.15, 0.3)
                lines.append(
                    f"{country},{continent},{year},{value:.3f},{rng.randint(10**5, 10**8)}"
                )
    return ("\n".join(lines) + "\n").encode()


def units_workbook() -> bytes:
    import openpyxl

    rng = random.Random(11)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "sales"
    sheet.append(["region", "month", "units"])
    for region in ("north", "south", "east", "west"):
        for month in range(1, 13):
            sheet.append([region, month, rng.randint(20, 400)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pandas_facts(runtime_python: Path, csv: bytes, xlsx: bytes) -> dict[str, Any]:
    """The expected answers, computed by pandas in the executor's runtime from the same files."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "life.csv").write_bytes(csv)
        Path(folder, "units.xlsx").write_bytes(xlsx)
        code = (
            "import json, pandas as pd\n"
            "life = pd.read_csv('life.csv'); y = life[life.year == 2007]\n"
            "means = y.groupby('continent').lifeExp.mean()\n"
            "units = pd.read_excel('units.xlsx').groupby('region').units.sum()\n"
            "print(json.dumps({'best': means.idxmax(), 'worst': means.idxmin(),\n"
            "  'africa': round(means['Africa'], 1), 'top_region': units.idxmax(),\n"
            "  'total_units': int(units.sum())}))\n"
        )
        done = subprocess.run(
            [str(runtime_python), "-c", code], cwd=folder, capture_output=True, text=True,
            check=True, timeout=120,
        )  # fmt: skip
    return json.loads(done.stdout)


SEEDED_THREADS = {
    "incident-en": [
        ("U0BOB", "The payments API started returning 502s at 09:12 after the 09:05 deploy."),
        ("U0ALICE", "Rolled back at 09:31; error rate is back to normal by 09:40."),
        ("U0BOB", "Root cause: the new connection pool limit of 5 was too small for peak load."),
        ("U0ALICE", "Action items: raise the pool to 50, add an alert on 5xx above 1%."),
    ],
    "release-ja": [
        ("U0BOB", "来週のリリースは水曜日の10時に決まりました。"),
        ("U0ALICE", "検索機能の改善とログイン画面の修正が含まれます。"),
        ("U0BOB", "リリース前に負荷試験を火曜日に行います。担当は佐藤さんです。"),
    ],
}


def requests_for(facts: dict[str, Any], csv: bytes, xlsx: bytes) -> list[Request]:
    life = Upload("life.csv", "text/csv", csv)
    units = Upload("units.xlsx", "application/vnd.ms-excel", xlsx)
    return [
        Request(
            "plain-tcp",
            "Explain the difference between TCP and UDP in three short bullet points.",
            expect=(r"\bTCP\b", r"\bUDP\b"),
            no_sources=True,
        ),
        Request("plain-capital", "What is the capital of Japan? Answer in one word.", (r"Tokyo",)),
        Request(
            "plain-ja",
            "日本の首都はどこですか？一言で答えてください。",
            (r"東京",),
            no_sources=True,
        ),
        Request(
            "docs-deploy",
            "How do I deploy this bot to Google Cloud? Which commands do I run?",
            expect=(r"terraform",),
            cites="deploy.md",
        ),
        Request(
            "docs-knowledge",
            "How are documents in the knowledge bucket indexed and searched?",
            expect=(r"index",),
            cites="knowledge.md",
        ),
        Request(
            "csv-chart",
            "Which continent had the highest average life expectancy in 2007? "
            "Plot the 2007 averages per continent as a bar chart.",
            expect=(re.escape(facts["best"]),),
            files=(life,),
            chart=True,
        ),
        Request(
            "csv-number",
            "What was the average life expectancy in Africa in 2007 in life.csv? "
            "Give one number rounded to one decimal.",
            expect=(re.escape(f"{facts['africa']:.1f}"),),
            files=(life,),
        ),
        Request(
            "follow-up",
            "And which continent had the lowest average in 2007?",
            expect=(re.escape(facts["worst"]),),
            thread="csv-chart",
        ),
        Request(
            "excel-top",
            "In units.xlsx, which region sold the most units in total?",
            expect=(re.escape(facts["top_region"]),),
            files=(units,),
        ),
        Request(
            "excel-total",
            "What is the total of the units column in units.xlsx?",
            expect=(rf"{facts['total_units']:,}|{facts['total_units']}",),
            files=(units,),
        ),
        Request(
            "summary-en",
            "Summarise this thread: what happened, the cause, and the action items.",
            expect=(r"roll", r"pool"),
            thread="incident-en",
        ),
        Request(
            "summary-ja",
            "このスレッドを日本語で要約してください。",
            expect=(r"水曜", r"負荷試験"),
            thread="release-ja",
        ),
    ]
