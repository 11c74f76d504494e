"""What reading one web page (`read_url`) adds to an answer, against a page server on loopback.

Per read: the SSRF checks and the pinned connection (`PageFetcher.fetch`) against a plain
`http.client` GET of the same page, then the HTML turned into text (trafilatura) for a small
and a large article, a PDF through the files' extraction, and a thread's second read of the
same page (from memory). The first read in a fresh process also imports trafilatura and lxml:
measured in a child process. Then what a link pasted in the question adds before the model is
asked (`PastedPages.gather`: the same read, fitted into the prompt, metered), and three links
whose server takes 200 ms each (read at once). Run alone: `python -m bench.web_reads`.
"""

from __future__ import annotations

import http.client
import http.server
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from assistant.answer.meter import Meter
from assistant.answer.pasted_pages import PastedPages
from assistant.answer.plan import UNPRICED, PlanDefaults, plan_answer
from assistant.audience.facts import Audience, ConversationFacts, ConversationKind
from assistant.audience.policy import Reach, decide
from assistant.channels.settings import ChannelSettings, WebReach
from assistant.files.isolation import ExtractionLimits, IsolatedExtractor
from assistant.web.fetch import PageFetcher
from assistant.web.pages import PageReader, page_from
from assistant.web.tool import ReadUrl
from tests.builders import make_mention
from tests.file_samples import pdf_with_text
from tests.memory_usage import MemoryLedger

ROUNDS = 30
PARAGRAPH = (
    "<p>Rule {n}: everyone gets {n} days of paid leave a year; unused days carry over until "
    "March, and a manager may approve up to {n} more days for a move or a wedding.</p>"
)


def _article(paragraphs: int) -> bytes:
    navigation = "<nav>" + " | ".join(f"<a href='/{n}'>Link {n}</a>" for n in range(60)) + "</nav>"
    body = "".join(PARAGRAPH.format(n=n) for n in range(paragraphs))
    return (f"<!doctype html><html><head><title>Leave policy</title></head><body>{navigation}"
            f"<article><h1>Leave policy</h1>{body}</article><footer>© 2026</footer></body></html>"
            ).encode()  # fmt: skip


PAGES = {
    "/small": ("text/html; charset=utf-8", _article(5)),  # ~5 KB
    "/large": ("text/html; charset=utf-8", _article(700)),  # ~150 KB
    "/policy.pdf": ("application/pdf", pdf_with_text(*["Remote work needs a form."] * 20)),
}


SLOW_SECONDS = 0.2  # how long each /slow/<n> page takes to answer


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path.startswith("/slow/"):
            time.sleep(SLOW_SECONDS)
        kind, body = PAGES["/small" if self.path.startswith("/slow/") else self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _median_ms(action: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _plain_get(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    body = connection.getresponse().read()
    connection.close()
    return body


def _cold_import_ms() -> float:
    code = (
        "import time; t = time.perf_counter(); import trafilatura; print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout) * 1000


def _row(page: str, *, get: float = 0.0, fetch: float = 0.0, text: float = 0.0,
         chars: int = 0) -> dict[str, object]:  # fmt: skip
    return {"page": page, "plain GET ms": get, "checked fetch ms": fetch, "to text ms": text,
            "text chars": chars}  # fmt: skip


def _page_row(fetcher: PageFetcher, port: int, path: str) -> dict[str, object]:
    url, allowed = f"http://127.0.0.1:{port}{path}", ["127.0.0.1"]
    fetched = fetcher.fetch(url, allowed_hosts=allowed)
    chars = len(page_from(fetched).text)  # warm: imports, parsers
    return _row(
        f"{path} ({len(fetched.body) // 1024} KB)",
        get=_median_ms(lambda: _plain_get(port, path)),
        fetch=_median_ms(lambda: fetcher.fetch(url, allowed_hosts=allowed)),
        text=_median_ms(lambda: page_from(fetched)),
        chars=chars,
    )


def _pasted_rows(port: int) -> list[dict[str, object]]:
    """What reading the question's links adds before the model is asked (the whole gather:
    the links found, each read, fitted into its share of the prompt, metered)."""
    web = WebReach(allowed_hosts=frozenset({"127.0.0.1"}))
    plan = plan_answer(PlanDefaults(model="gpt-4o-mini"),
                       channel=ChannelSettings(model="gpt-4o-mini", web=web))  # fmt: skip
    pasted, ledger, threads = PastedPages(ReadUrl(PageReader())), MemoryLedger(), [0]

    def gather(paths: list[str], *, new_thread: bool = True) -> object:
        threads[0] += new_thread  # a thread's first read of the page, or its memory
        links = " ".join(f"<http://127.0.0.1:{port}{path}>" for path in paths)
        mention = make_mention(f"<@U0BOT> what do these say? {links}",
                               thread_ts=f"{threads[0]}.000100")  # fmt: skip
        facts = ConversationFacts(id=mention.channel, kind=ConversationKind.PUBLIC,
                                  team=mention.team_id)  # fmt: skip
        audience = decide(Audience(conversation=facts, team=mention.team_id,
                                   asker=mention.user), Reach())  # fmt: skip
        meter = Meter(ledger=ledger, prices=UNPRICED, mention=mention, fence=1)
        return pasted.gather(mention, plan, audience, meter)

    gather(["/small"])  # warm: imports, parsers
    first = _median_ms(lambda: gather(["/small"]))
    again = _median_ms(lambda: gather(["/small"], new_thread=False))
    slow = [f"/slow/{n}" for n in range(3)]
    three = _median_ms(lambda: gather(slow))
    return [
        _row("pasted link before the answer: first read in the thread", text=first),
        _row("  the same link, the thread's memory (a later question)", text=again),
        _row(f"  3 pasted links, each page taking {SLOW_SECONDS * 1000:.0f} ms", text=three),
    ]


def run() -> list[dict[str, object]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fetcher, allowed = PageFetcher(), ["127.0.0.1"]
    try:
        rows = [_page_row(fetcher, port, path) for path in PAGES]
        reader = PageReader(fetcher)
        url = f"http://127.0.0.1:{port}/small"
        reader.read(url, thread="T:C:1", allowed_hosts=allowed)
        cached = _median_ms(lambda: reader.read(url, thread="T:C:1", allowed_hosts=allowed))
        rows.append(_row("/small again, same thread (memory)", fetch=cached))
        isolated = IsolatedExtractor(ExtractionLimits(cpu_seconds=5))
        pdf = fetcher.fetch(f"http://127.0.0.1:{port}/policy.pdf", allowed_hosts=allowed)
        started = time.perf_counter()
        page_from(pdf, isolated)  # the worker starts on the instance's first PDF
        first = (time.perf_counter() - started) * 1000
        in_child = _median_ms(lambda: page_from(pdf, isolated))
        rows.append(_row("/policy.pdf in the limited child process (deployed)", text=in_child))
        rows.append(_row("  that worker's start (first PDF per instance)", text=first))
        isolated.close()
        rows.append(_row("first page per instance: import trafilatura", text=_cold_import_ms()))
        rows += _pasted_rows(port)
    finally:
        server.shutdown()
        server.server_close()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
