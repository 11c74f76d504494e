"""Does isolation work here? Checked once at startup by running a probe inside the sandbox.

Some container runtimes block user namespaces (Docker's default seccomp profile does), a
machine may lack bubblewrap, the Python environment may live where the sandbox's uid cannot
read it. Any of these, or a sandbox that can see the host's network, processes, files or
environment, or code inside that could make namespaces of its own (user namespaces not
disabled, no seccomp filter), means no code runs: `probe` returns the reason, in words for a
person, naming what is missing.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import threading

from runner import Runner
from sandbox import ENVIRONMENT

from assistant.executor.protocol import RunRequest

__all__ = ["probe"]

_CODE = r"""
import ctypes, errno, json, os, resource, socket
facts = {"uid": os.getuid(), "env": sorted(os.environ)}
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
facts["seccomp"] = status.get("Seccomp", "").strip()
libc = ctypes.CDLL(None, use_errno=True)
for kind, flag in (("user", 0x10000000), ("net", 0x40000000), ("mount", 0x00020000)):
    pid = os.fork()
    if pid == 0:  # in a child: a namespace made here goes with it
        os._exit(0 if libc.unshare(flag) == 0 else min(ctypes.get_errno(), 255) or 255)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    facts["unshare_" + kind] = "created" if code == 0 else errno.errorcode.get(code, str(code))
facts["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
    facts["tcp"] = "connected"
except OSError as error:
    facts["tcp"] = str(error)
host = ("/root", "/home", "/etc/passwd", "/var/log", "/run")
facts["host_files"] = [path for path in host if os.path.exists(path)]
facts["nproc"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
try:
    open("/usr/probe", "w").close()
    facts["usr_writable"] = True
except OSError:
    facts["usr_writable"] = False
import matplotlib, numpy, openpyxl, pandas
print(json.dumps(facts))
"""


def probe(runner: Runner) -> str | None:
    """None when isolation works; otherwise why code execution is unavailable."""
    runtime = runner.runtime
    if not runtime.bwrap or not shutil.which(runtime.bwrap):
        return "bubblewrap (bwrap) is not installed on the executor"
    python = runtime.venv / "bin" / "python"
    if not python.exists():
        return f"the code's Python environment is missing ({python})"
    base = python.resolve()
    if not base.is_relative_to("/usr"):
        return (
            f"the code's Python ({base}) is outside /usr, so the sandbox cannot run it: "
            "build the environment from /usr/bin/python3 (functions/executor/setup-runtime.sh)"
        )
    with _Listener() as listener:
        code = _CODE.replace("PORT", str(listener.port))
        try:
            result = runner.run(RunRequest(run_id="probe", code=code, timeout_seconds=60))
        except OSError as error:
            return f"bubblewrap could not be started ({error})"
        if listener.connections:
            return "the sandbox reached a listener on the host's loopback: no network isolation"
    if result.exit_code != 0:
        detail = " ".join(result.stderr.strip().splitlines()[-2:]) or f"exit {result.exit_code}"
        return f"the sandbox does not start here ({detail[:300]})"
    try:
        facts = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return "the sandbox's probe printed nothing readable"
    return _verdict(facts, runner)


def _verdict(facts: dict, runner: Runner) -> str | None:
    if facts.get("uid") == 0:
        return "code would run as root inside the sandbox"
    if facts.get("unshare_user") == "created":
        return "user namespaces are not disabled inside the sandbox (bwrap --disable-userns)"
    if facts.get("seccomp") != "2":
        missing = "" if runner.seccomp else f" ({runner.runtime.venv}/seccomp.bpf is missing)"
        return f"no seccomp filter is in force inside the sandbox{missing}"
    if facts.get("unshare_user") != "EPERM":  # ENOSPC: only --disable-userns refused it
        return "the seccomp filter does not refuse user namespaces"
    if facts.get("unshare_net") != "EPERM" or facts.get("unshare_mount") != "EPERM":
        return "the seccomp filter does not refuse network and mount namespaces"
    if facts.get("tcp") == "connected":
        return "the sandbox has network access"
    if len(facts.get("pids", [])) > 3:
        return "the sandbox sees other processes: no pid namespace"
    if facts.get("host_files"):
        return f"the sandbox sees host files: {', '.join(facts['host_files'])}"
    if facts.get("usr_writable"):
        return "the sandbox can write to /usr"
    leaked = set(facts.get("env", [])) - {"PWD", "LC_CTYPE", *ENVIRONMENT}
    if leaked:
        return f"the sandbox's environment is not cleared ({', '.join(sorted(leaked))})"
    if facts.get("nproc") != runner.limits.processes:
        return "the process limit does not hold inside the sandbox"
    return None


class _Listener:
    """A TCP listener on the host's loopback that counts who reaches it."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self._socket.settimeout(0.2)
        self.port = self._socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> _Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                connection, _ = self._socket.accept()
                connection.close()
                self.connections += 1
