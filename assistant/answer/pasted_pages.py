"""Web pages the question links to, read before the model is asked, like an uploaded file.

Only where `read_url` itself may be used in this answer (`ReadUrl.permitted`: the audience
policy and the channel's `tools.web`); nothing is fetched otherwise. The links
(`web/pasted.py`: at most three, Slack's own aside) are read at once through `read_url`'s own
instance, so the same SSRF checks hold and a later `read_url` of the same page in the thread
is served from memory; each read is counted in the usage ledger as `read_url`'s calls are.
Together they get a few seconds, less when the answer's deadline is near: a page that has not
come by then is a note, not a wait. Each page read goes into the prompt framed as data within
its share of the budget, and is listed under the answer with `read_url`'s pages (as its
`CallRecord`s); what was cut or could not be read is a note under the answer, and the model
is told which links failed so that it need not try them again.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import time
from collections.abc import Mapping, Sequence

from assistant import deadline
from assistant import settings_registry as registry
from assistant.answer.meter import Meter
from assistant.answer.plan import AnswerPlan
from assistant.audience.policy import AudienceDecision
from assistant.conversation.prompt import PromptPart
from assistant.llm.messages import Message
from assistant.llm.tokens import count_message
from assistant.llm.tools import CallRecord
from assistant.mention import Mention
from assistant.web.pages import Page
from assistant.web.pasted import (
    TOKEN_SHARE,
    fitted,
    left_for_later,
    not_read,
    pasted_links,
    reading_seconds,
)
from assistant.web.tool import READ_URL, ReadUrl

__all__ = ["Pasted", "PastedPages"]

logger = logging.getLogger(__name__)

# After the fetches' own time is up: turning a page into text (trafilatura, a PDF's parse).
EXTRACTION_GRACE_SECONDS = 1.0
_READERS = 8  # pages read at once per instance, across its answers


@dataclasses.dataclass(frozen=True)
class Pasted:
    parts: tuple[PromptPart, ...] = ()  # for the prompt: each page read, then what failed
    notes: tuple[str, ...] = ()  # for the person: what was cut or could not be read
    calls: tuple[CallRecord, ...] = ()  # each page read, as a `read_url` call had read it

    @property
    def earlier_calls(self) -> Mapping[str, Sequence[CallRecord]]:
        """By tool name, for the tools' footers: the pages join `read_url`'s Web sources."""
        return {READ_URL: self.calls} if self.calls else {}


class PastedPages:
    def __init__(self, web: ReadUrl) -> None:
        self._web = web
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=_READERS, thread_name_prefix="pasted-page"
        )

    def gather(
        self, mention: Mention, plan: AnswerPlan, audience: AudienceDecision, meter: Meter
    ) -> Pasted:
        """The question's web links, read and fitted; nothing where read_url may not be used."""
        links = pasted_links(mention.question)
        if not links.urls or not self._web.permitted(plan, audience):
            return Pasted()
        seconds = reading_seconds(deadline.remaining())
        if not seconds:
            logger.info("pasted links not read", extra={"reason": "no time left"})
            return Pasted(notes=("I had no time left to read the links in the question.",))
        pages = self._read(links.urls, mention, plan, meter, seconds)
        return _fitted(pages, plan, later=left_for_later(links.more))

    def _read(
        self,
        urls: Sequence[str],
        mention: Mention,
        plan: AnswerPlan,
        meter: Meter,
        seconds: float,
    ) -> list[Page]:
        """Each page, read at once; one still coming when the time is up is given up on (its
        thread finishes alone, within the fetch's own limit, and keeps what it read)."""
        allowed = plan.channel.get(registry.WEB_ALLOWED_HOSTS)
        until = time.monotonic() + seconds
        futures = []
        for number, url in enumerate(urls, 1):
            meter.record_api_call(f"pasted-url-{number}", kind="web_read", method=READ_URL)
            futures.append(self._pool.submit(self._web.read, url, thread=mention.thread_key,
                                             allowed_hosts=allowed, deadline=until))  # fmt: skip
        concurrent.futures.wait(futures, timeout=seconds + EXTRACTION_GRACE_SECONDS)
        return [_page(url, future) for url, future in zip(urls, futures, strict=True)]


def _page(url: str, future: concurrent.futures.Future[Page]) -> Page:
    if not future.done():
        future.cancel()  # if it never started
        return Page(url, problem=f"{url} took too long to answer.")
    try:
        return future.result()
    except Exception:  # an untrusted page: one that breaks the reader is a note, not a failure
        logger.exception("pasted page not read")
        return Page(url, problem=f"I could not read {url}.")


def _fitted(pages: Sequence[Page], plan: AnswerPlan, *, later: str) -> Pasted:
    """The pages within their share of the budget, split evenly among those that were read."""
    read = [page for page in pages if not page.problem]
    room = int(plan.input_budget * TOKEN_SHARE) // max(1, len(read))
    parts, calls, notes, problems = [], [], [], []
    for page in pages:
        fit = fitted(page, room, plan.spec)
        notes += [fit.note] if fit.note else []
        if not fit.text:
            problems += [fit.note]
            continue
        message = Message.user(fit.text)
        parts.append(PromptPart("passages", message, count_message(message, plan.spec)))
        calls.append(CallRecord({"url": page.url}, fit.text))
    if problems:
        message = Message.user(not_read(problems))
        parts.append(PromptPart("passages", message, count_message(message, plan.spec)))
    logger.info("pasted links read", extra={"pages": len(pages), "read": len(calls),
                                            "left_for_later": bool(later)})  # fmt: skip
    return Pasted(tuple(parts), tuple([*notes, *([later] if later else [])]), tuple(calls))
