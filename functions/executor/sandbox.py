"""The bubblewrap command line for one run, and the limits it runs under (pure).

Inside the sandbox the code sees only: the system's /usr (read-only), the Python environment
(read-only, at the same path as outside so matplotlib's prebuilt font cache stays valid), its
code at /code/main.py (read-only), its run directory at /mnt/data (the working directory, the
only writable place besides a size-capped /tmp and /dev/shm), a fresh /proc and a minimal,
read-only /dev. Every namespace is new: no network at all (not even the host's loopback), its
own process tree, no host users. The root is read-only; the environment is cleared and rebuilt
from `ENVIRONMENT`.

The code cannot make namespaces of its own (a kernel bug reachable through one would escape
onto the instance): bubblewrap disables user namespaces inside (`--disable-userns`), and a
seccomp filter (seccomp_filter.py, passed as `--seccomp FD`) refuses the namespace, mount,
ptrace, keyring, bpf, perf and module syscalls.

matplotlib reads ./matplotlibrc before its own configuration, and the working directory holds
the thread's attachments: `sitecustomize.py` (sandbox_site/, on PYTHONPATH) imports matplotlib
from its configuration directory instead, so an attachment cannot restyle the charts.

bwrap itself is started as an unprivileged uid (`Limits.uid`), so the process limit
(RLIMIT_NPROC) holds: the kernel ignores it for root.

    >>> layout = Layout(bwrap="bwrap", venv="/opt/venv", run_dir="/r", code="/c.py", seccomp_fd=3)
    >>> argv = bwrap_command(layout)
    >>> argv[:4]
    ['bwrap', '--unshare-all', '--unshare-user', '--disable-userns']
    >>> argv[-5:]
    ['--seccomp', '3', '/opt/venv/bin/python', '-B', '/code/main.py']
"""

from __future__ import annotations

import dataclasses
import resource
from collections.abc import Sequence

__all__ = ["ENVIRONMENT", "WORKDIR", "Layout", "Limits", "bwrap_command", "set_limits"]

WORKDIR = "/mnt/data"
CODE_PATH = "/code/main.py"
MPL_DIR = "/tmp/matplotlib"
SITE_DIR = "/opt/sandbox"  # sitecustomize.py: matplotlib configured from MPL_DIR only
GIB = 1024**3
MIB = 1024**2

ENVIRONMENT = {
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": MPL_DIR,
    "MATPLOTLIBRC": f"{MPL_DIR}/matplotlibrc",
    "PYTHONPATH": SITE_DIR,
    # OpenBLAS reserves buffers per thread: with many threads pandas crashes under RLIMIT_AS.
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",  # what was printed before a kill is still reported
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Limits:
    wall_seconds: float = 60.0
    memory_bytes: int = int(1.5 * GIB)  # address space of each process
    run_memory_bytes: int = 2 * GIB  # resident memory of all the run's processes together
    file_bytes: int = 20_000_000  # the largest file a process may write
    processes: int = 64  # threads count too
    open_files: int = 256
    tmp_bytes: int = 128 * MIB  # /tmp is a tmpfs: memory that RLIMIT_AS does not see
    shm_bytes: int = 32 * MIB  # /dev/shm (multiprocessing's semaphores), a tmpfs too
    disk_bytes: int = 100_000_000  # what the run may add to its directory
    disk_entries: int = 5_000
    stream_bytes: int = 8_000_000  # printing more than this stops the run
    uid: int = 65534
    gid: int = 65534

    def cpu_seconds(self, wall_seconds: float) -> int:
        return int(wall_seconds) + 2


@dataclasses.dataclass(frozen=True, kw_only=True)
class Layout:
    bwrap: str
    venv: str  # a virtual environment made from the system's /usr/bin/python3
    run_dir: str  # host directory bound at WORKDIR
    code: str  # host file bound at CODE_PATH
    # /etc/alternatives: Debian's font packages link fonts through it (fonts-japanese-gothic.ttf);
    # without it matplotlib finds a cached font missing, rebuilds its cache and warns on stderr.
    extra_ro: Sequence[str] = (
        "/etc/fonts", "/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives",
    )  # fmt: skip
    mpl_files: Sequence[tuple[str, str]] = ()  # (host file, name) placed in MPL_DIR
    site_dir: str = ""  # host folder bound at SITE_DIR (sandbox_site/)
    # The compiled filter, open for bwrap to read; -1 (no descriptor): none, the probe refuses.
    seccomp_fd: int = -1
    tmp_bytes: int = Limits.tmp_bytes
    shm_bytes: int = Limits.shm_bytes


def bwrap_command(layout: Layout) -> list[str]:
    argv = [
        layout.bwrap,
        "--unshare-all",
        # Explicit: bwrap skips its own user namespace when started as uid 0.
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--cap-drop", "ALL",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin",
        "--symlink", "usr/sbin", "/sbin",
    ]  # fmt: skip
    for path in layout.extra_ro:
        argv += ["--ro-bind-try", path, path]
    argv += [
        "--ro-bind", layout.venv, layout.venv,
        "--proc", "/proc",
        # bwrap's /dev is a tmpfs it cannot size: read-only, with a capped tmpfs for /dev/shm.
        "--dev", "/dev",
        "--size", str(layout.shm_bytes), "--tmpfs", "/dev/shm",
        "--remount-ro", "/dev",
        "--size", str(layout.tmp_bytes), "--tmpfs", "/tmp",
        "--dir", MPL_DIR,
    ]  # fmt: skip
    if layout.site_dir:
        argv += ["--ro-bind", layout.site_dir, SITE_DIR]
    for host, name in layout.mpl_files:
        argv += ["--ro-bind", host, f"{MPL_DIR}/{name}"]
    argv += [
        "--ro-bind", layout.code, CODE_PATH,
        "--bind", layout.run_dir, WORKDIR,
        "--chdir", WORKDIR,
        "--remount-ro", "/",
    ]  # fmt: skip
    for name, value in ENVIRONMENT.items():
        argv += ["--setenv", name, value]
    if layout.seccomp_fd >= 0:
        argv += ["--seccomp", str(layout.seccomp_fd)]
    return [*argv, f"{layout.venv}/bin/python", "-B", CODE_PATH]


def set_limits(limits: Limits, wall_seconds: float) -> None:
    """In the child before bwrap starts (subprocess's preexec_fn, after the uid switch):
    soft and hard limits alike, so the code cannot raise them again."""
    for kind, value in (
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_CPU, limits.cpu_seconds(wall_seconds)),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(kind, (value, value))
