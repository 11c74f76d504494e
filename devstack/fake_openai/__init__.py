"""A deterministic, local OpenAI-compatible Chat Completions server.

It speaks the real wire protocol (JSON and server-sent events), records every
chat request, and injects failures from ``[[directives]]`` written in the last
user message, so tests exercise the official ``openai`` client end to end.
See ``directives.py`` for the directive list.

>>> from devstack.fake_openai import create_app
>>> app = create_app()  # serve with aiohttp, or: python -m devstack.fake_openai
"""

from .server import FAKE_MODEL, create_app

__all__ = ["FAKE_MODEL", "create_app"]
