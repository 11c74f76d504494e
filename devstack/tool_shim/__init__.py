"""OpenAI tool calling for local models that cannot produce reliable `tool_calls` themselves.

Part of the local stack only, never of the deployed functions: the bot keeps speaking plain
OpenAI tools, and this shim, in front of llama.cpp's server, turns each request with `tools`
into grammar-constrained steps (which tool, or none; then its arguments) and answers in
OpenAI's format, streamed or not. Everything else passes through unchanged.

- `rewrite`: the request rewriting (pure)
- `chunks`: the tool call in OpenAI's wire format (pure)
- `server`: the aiohttp app tying them to the model server
"""
