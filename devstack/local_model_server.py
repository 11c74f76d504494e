"""llama.cpp's OpenAI-compatible server for one GGUF model, in a process of its own.

    python -m devstack.local_model_server --model M.gguf --alias NAME --port P

xllamacpp runs the server on threads inside this process and offers no way to stop it, so the
process is the unit the stack starts and stops: SIGTERM (ManagedProcess.stop) ends it at once.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.local_model_server")
    parser.add_argument("--model", required=True, help="path of the GGUF file")
    parser.add_argument("--alias", required=True, help="the model id the API reports and accepts")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ctx", type=int, default=4096, help="context window in tokens")
    # Two by default: the development machines and CI have two cores, shared with the stack.
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    import xllamacpp  # late: `--help` works without the wheel

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}
    params.hostnames = [args.host]
    params.port = args.port
    params.n_ctx = args.ctx
    params.n_parallel = 1  # one slot gets the whole window; the stack answers one at a time
    params.use_jinja = True  # the GGUF's own chat template, not a generic fallback
    params.cpuparams.n_threads = args.threads
    # Sampling when a request names none (the bot's answers never do): Qwen2.5's published
    # generation config (top_p 0.8, top_k 20, repetition penalty 1.05) with a lower temperature
    # than its 0.7, for answers that report facts. At llama.cpp's default 0.8 the 1.5B model,
    # handed "highest: Oceania (81.2)", answered "Afrland".
    params.sampling.temp = 0.2
    params.sampling.top_p = 0.8
    params.sampling.top_k = 20
    params.sampling.penalty_repeat = 1.05
    params.cpuparams_batch.n_threads = args.threads

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server = xllamacpp.Server(params)  # returns once the model is loaded and the port listens
    print(f"serving {args.alias} on {server.listening_address}", flush=True)
    stop.wait()
    # The server's threads cannot be joined; skip interpreter teardown, which could wait on them.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
