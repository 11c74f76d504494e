"""Attachments in the user's turn: file references + loaded extractions in, content parts out.

Pure: no storage, no Slack. `plan_user_turn` decides what of each file fits (at most
`max_file_tokens` of text per file, and the whole turn within `room`), and returns the parts
for the model, the notes for the person (files cut, skipped or unreadable), and the references
stored with the turn in the thread's history. `rebuild_user_turn` turns those stored references
back into the same parts on later turns, so a follow-up question still sees the file.

    >>> from assistant.llm.models import model_spec
    >>> ref = FileRef(file_id="F1", name="notes.txt", mimetype="text/plain", kind="text")
    >>> turn = plan_user_turn(
    ...     "Summarise", [LoadedFile(ref, Extraction(kind="text", text="Hello"))],
    ...     spec=model_spec("gpt-4o"), room=1000, max_file_tokens=100)
    >>> [part.text for part in turn.content]
    ['Summarise', '<file name="notes.txt" type="text/plain">\\nHello\\n</file>']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from assistant.conversation.turns import StoredFileRef
from assistant.files.extract import Extraction
from assistant.llm.framing import defuse_tags
from assistant.llm.messages import ImagePart, Part, TextPart
from assistant.llm.models import ModelSpec
from assistant.llm.tokens import TOKENS_PER_MESSAGE, count_content, count_text, truncate_text
from assistant.mention import FileRef

__all__ = [
    "PREVIEW_TOKENS",
    "FileContext",
    "LoadedFile",
    "notes_text",
    "plan_user_turn",
    "rebuild_user_turn",
]

NO_QUESTION = "Please look at the attached files."
_MIN_USEFUL_TOKENS = 50  # a file cut to fewer tokens than this is left out instead
# What a model is shown of a data file its code reads whole: the header and a sample of rows.
# The day-in-the-life CSV inline was 4,094 tokens: 100 s of prompt on 2 cores for a 1.5B model.
PREVIEW_TOKENS = 300
_GONE = "it is no longer stored"


@dataclasses.dataclass(frozen=True)
class LoadedFile:
    ref: FileRef
    extraction: Extraction | None  # None: its extraction record could not be found


@dataclasses.dataclass(frozen=True)
class FileContext:
    content: tuple[Part, ...]  # the user's turn as content parts
    tokens: int  # what the turn costs, files included
    refs: tuple[StoredFileRef, ...]  # stored with the turn, to rebuild `content` later
    notes: tuple[str, ...]  # for the person, after the answer


def plan_user_turn(
    question: str,
    files: Sequence[LoadedFile],
    *,
    spec: ModelSpec,
    room: int,
    max_file_tokens: int,
    read_by_code: frozenset[str] = frozenset(),
) -> FileContext:
    """The question and as much of each file as fits, in order; `room` bounds the whole turn.
    Files named in `read_by_code` are ones the answer's code reads whole: the model is shown
    their header and rows spread across them (`PREVIEW_TOKENS`), nobody is told they were cut,
    and the question comes after the files."""
    question_text = question or NO_QUESTION
    if count_content(question_text, spec) > room // 2:
        question_text, _ = truncate_text(question_text, room // 2, spec)
    parts: list[Part] = [TextPart(question_text)]
    used = count_content(tuple(parts), spec)
    refs: list[StoredFileRef] = []
    notes: list[str] = []
    for loaded in files:
        kept_note = ""  # said only if the file is kept: a left-out file was not "read"
        ref, extraction = loaded.ref, loaded.extraction
        name = display_name(ref.name)
        problem = ref.problem or (extraction.problem if extraction else _GONE)
        new: list[Part]
        if extraction is None or not extraction.kind or ref.problem:
            notes.append(f"I could not read `{name}`: {problem}.")
            new, stored = [_problem_part(name, problem)], _stored(ref, kind="", problem=problem)
        elif extraction.kind == "image":
            if not spec.supports_images:
                notes.append(f"I skipped the image `{name}`: the model I use cannot see images.")
                problem = "the model cannot see images"
                new, stored = [_problem_part(name, problem)], _stored(ref, kind="", problem=problem)
            else:
                new, stored = _image_parts(ref, extraction), _stored(ref, kind="image")
        else:
            overhead = count_text(_text_body(ref, "", cut=True), spec)
            by_code = ref.name in read_by_code
            limit = min(max_file_tokens, PREVIEW_TOKENS) if by_code else max_file_tokens
            allowance = min(limit, room - used - overhead)
            if allowance < _MIN_USEFUL_TOKENS:
                notes.append(f"I left out `{name}`: there was no room left for it.")
                continue
            part, cut = _text_part(ref, extraction, allowance, spec, by_code=by_code)
            if cut and not by_code:
                kept_note = (
                    f"`{name}` is long, so I read only about its first {allowance:,} tokens."
                )
            new, stored = [part], _stored(ref, kind="text", max_tokens=allowance)
        cost = count_content(tuple(new), spec) - TOKENS_PER_MESSAGE
        if used + cost > room:
            what = "the image " if stored.kind == "image" else ""
            notes.append(f"I left out {what}`{name}`: there was no room left for it.")
            continue
        parts += new
        used += cost
        refs.append(stored)
        notes += [kept_note] if kept_note else []
    if read_by_code & {ref.name for ref in refs}:
        # The question last, right before the model writes its code: after the file rows, a
        # 1.5B model's code dropped the question's "in 2007" (it averaged every year).
        parts = [*parts[1:], parts[0]]
    return FileContext(
        content=tuple(parts),
        tokens=count_content(tuple(parts), spec),
        refs=tuple(refs),
        notes=tuple(notes),
    )


def rebuild_user_turn(
    question: str,
    refs: Sequence[StoredFileRef],
    extractions: Mapping[str, Extraction | None],
    *,
    spec: ModelSpec,
) -> tuple[Part, ...]:
    """The parts of an earlier turn, from its stored references and their extractions."""
    parts: list[Part] = [TextPart(question or NO_QUESTION)]
    for stored in refs:
        ref = FileRef(
            file_id=stored.file_id,
            name=stored.name,
            mimetype=stored.mimetype,
            extraction_uri=stored.extraction_uri,
        )
        name = display_name(ref.name)
        kind = stored.kind
        extraction = extractions.get(ref.extraction_uri)
        if kind == "image" and extraction and spec.supports_images:
            parts += _image_parts(ref, extraction)
        elif kind == "image":
            parts.append(_problem_part(name, "it is an image this model cannot see now"))
        elif kind == "text" and extraction:
            parts.append(_text_part(ref, extraction, stored.max_tokens, spec)[0])
        else:
            parts.append(_problem_part(name, stored.problem or _GONE))
    return tuple(parts)


def notes_text(notes: Sequence[str]) -> str:
    """What follows the answer in Slack: one line per note, or nothing."""
    return "".join(f"\n_{note}_" if i else f"\n\n_{note}_" for i, note in enumerate(notes))


def display_name(name: str) -> str:
    """A file name safe inside Markdown backticks and our file tags."""
    return (name.replace("`", "'").replace('"', "'").replace("\n", " ").strip() or "file")[:200]


def _text_body(ref: FileRef, text: str, *, cut: bool, note: str = "") -> str:
    name = display_name(ref.name)
    if cut and not note:
        note = "The file continues; only its beginning is included here."
    ending = f"\n[{note}]" if note else ""
    # The file cannot end its frame early: what it says after a `</file>` is still its text.
    text = defuse_tags(text, "file")
    return f'<file name="{name}" type="{ref.mimetype or "text/plain"}">\n{text}{ending}\n</file>'


def _text_part(
    ref: FileRef, extraction: Extraction, limit: int, spec: ModelSpec, *, by_code: bool = False
) -> tuple[TextPart, bool]:
    if by_code:
        return _sample_part(ref, extraction, limit, spec)
    text, cut = truncate_text(extraction.text, limit, spec)
    cut = cut or extraction.truncated
    return TextPart(_text_body(ref, text, cut=cut)), cut


def _sample_part(
    ref: FileRef, extraction: Extraction, limit: int, spec: ModelSpec
) -> tuple[TextPart, bool]:
    """A table its code reads whole: its header and whole rows spread evenly across it, within
    `limit`. Its first rows alone misled: all twelve were one country of Africa, and the code
    for "the average in Africa in 2007" left out the continent."""
    lines = extraction.text.splitlines()
    head = 0
    while head < len(lines) - 1 and lines[head].startswith("## "):  # a workbook's sheet name
        head += 1
    header, rows = lines[: head + 1], lines[head + 1 :]

    def body(count: int) -> str:
        picked = [rows[index * len(rows) // count] for index in range(count)] if count else []
        return "\n".join([*header, *picked]) + "\n"

    if count_text(extraction.text, spec) <= limit and not extraction.truncated:
        return TextPart(_text_body(ref, extraction.text, cut=False)), False
    low, high = 0, min(len(rows), 200)
    while low < high:  # the most rows that fit
        middle = (low + high + 1) // 2
        if count_text(body(middle), spec) <= limit:
            low = middle
        else:
            high = middle - 1
    name = display_name(ref.name)
    total = f"{len(rows):,}" + ("+" if extraction.truncated else "")
    note = (
        f"{low} of its {total} rows, spread evenly across it: run code that reads `{name}` whole."
    )
    return TextPart(_text_body(ref, body(low), cut=True, note=note)), True


def _image_parts(ref: FileRef, extraction: Extraction) -> list[Part]:
    name = display_name(ref.name)
    header = TextPart(f'<file name="{name}" type="{ref.mimetype}"> (image below)')
    return [header, ImagePart(extraction.image_data_url)]


def _problem_part(name: str, problem: str) -> TextPart:
    return TextPart(f"[The user attached `{name}`, which could not be read: {problem}.]")


def _stored(ref: FileRef, *, kind: str, problem: str = "", max_tokens: int = 0) -> StoredFileRef:
    return StoredFileRef(
        file_id=ref.file_id,
        name=ref.name,
        mimetype=ref.mimetype,
        extraction_uri=ref.extraction_uri,
        kind=kind,
        problem=problem,
        max_tokens=max_tokens,
    )
