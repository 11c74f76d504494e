"""Escapes fail, limits hold, outputs are collected safely: model-written code is untrusted.

Each test runs hostile code in the real sandbox and checks from the host that nothing got
out, and that the result says what happened (the model reads it back)."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest
from probe import probe

from assistant.executor.protocol import RunFile, RunRequest, RunResult
from assistant.executor.report import describe
from tests.executor.conftest import make_runner


def run(runner, code: str, *, files=(), timeout: float = 20) -> RunResult:
    request = RunRequest(
        run_id=uuid.uuid4().hex, code=code, files=tuple(files), timeout_seconds=timeout
    )
    return runner.run(request)


def test_pandas_reads_an_input_and_a_chart_comes_back(runner):
    csv = RunFile("sales.csv", b"region,q1\nnorth,10\nsouth,8\n")
    code = (
        "import pandas as pd, matplotlib.pyplot as plt\n"
        "df = pd.read_csv('sales.csv')\n"
        "print('total', df['q1'].sum())\n"
        "df.plot.bar(x='region', y='q1').set_title('地域別の売上')\n"
        "plt.savefig('chart.png')\n"
    )
    result = run(runner, code, files=[csv])

    assert result.exit_code == 0, result.stderr
    assert "total 18" in result.stdout
    assert "missing from font" not in result.stderr  # the Japanese title has its glyphs
    assert result.stderr == ""  # a clean run looks clean: no font-cache warning to misread
    [chart] = result.files  # the unchanged input is not returned
    assert chart.name == "chart.png" and chart.data.startswith(b"\x89PNG")


def test_a_tcp_connection_to_a_host_listener_never_arrives(runner):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    arrived: list[object] = []
    done = threading.Event()

    def accept():
        while not done.is_set():
            try:
                arrived.append(listener.accept())
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    code = (
        "import socket\n"
        f"for host in ('127.0.0.1', 'localhost', '10.0.2.2', '169.254.169.254'):\n"
        "    try:\n"
        f"        socket.create_connection((host, {port}), timeout=1)\n"
        "        print(host, 'CONNECTED')\n"
        "    except OSError as error:\n"
        "        print(host, 'refused:', error)\n"
    )
    result = run(runner, code)
    done.set()
    thread.join()
    listener.close()

    assert arrived == []
    assert "CONNECTED" not in result.stdout
    assert result.stdout.count("refused:") == 4


def test_the_hosts_environment_root_and_files_are_not_visible(runner, tmp_path, monkeypatch):
    secret = f"xoxb-{uuid.uuid4().hex}"
    monkeypatch.setenv("SLACK_BOT_TOKEN", secret)  # as if the executor's process held one
    host_file = tmp_path / "host-secret.txt"
    host_file.write_text(secret)
    code = (
        "import os\n"
        "print(dict(os.environ))\n"
        "for path in ('/proc/1/environ', '/root', f'{HOST}', '/etc/passwd', '/home'):\n"
        "    try:\n"
        "        print(path, open(path).read() if os.path.isfile(path) else os.listdir(path))\n"
        "    except OSError as error:\n"
        "        print(path, 'error:', error)\n"
    ).replace("{HOST}", str(host_file))
    result = run(runner, code)

    assert result.exit_code == 0, result.stderr
    assert secret not in result.stdout
    assert "SLACK_BOT_TOKEN" not in result.stdout
    for path in ("/root", str(host_file), "/etc/passwd", "/home"):
        assert f"{path} error: [Errno 2] No such file or directory" in result.stdout


def test_writes_outside_the_run_directory_fail_or_stay_inside(runner, tmp_path):
    outside = tmp_path / "escaped.txt"
    code = (
        "for path in ('/usr/escaped', '/escaped', '/etc/escaped', f'{OUTSIDE}', '../escaped'):\n"
        "    try:\n"
        "        open(path, 'w').write('x')\n"
        "        print(path, 'written')\n"
        "    except OSError as error:\n"
        "        print(path, 'error:', error.strerror)\n"
    ).replace("{OUTSIDE}", str(outside))
    result = run(runner, code)

    assert not outside.exists()
    assert not Path("/usr/escaped").exists() and not Path("/escaped").exists()
    assert "/usr/escaped error: Read-only file system" in result.stdout
    assert "/escaped error: Read-only file system" in result.stdout
    assert result.files == ()


def test_an_endless_loop_is_stopped_at_the_wall_clock(runner):
    started = time.monotonic()
    result = run(runner, "print('start', flush=True)\nwhile True:\n    pass\n", timeout=2)

    assert result.limit == "timeout"
    assert time.monotonic() - started < 6
    assert "start" in result.stdout  # what it printed before the kill is kept
    assert "Stopped: the code ran longer than the 2 s" in describe(result, wall_seconds=2)


def test_a_fork_bomb_hits_the_process_limit_and_everything_dies_with_the_run(runner):
    marker = uuid.uuid4().hex
    code = (
        "import os, time\n"
        "children = 0\n"
        "try:\n"
        "    while True:\n"
        "        if os.fork() == 0:\n"
        f"            os.execv('/bin/sleep', ['sleep', '300', '{marker}'])\n"
        "        children += 1\n"
        "except OSError as error:\n"
        "    print('fork failed after', children, error, flush=True)\n"
        "time.sleep(60)\n"
    )
    result = run(runner, code, timeout=2)

    assert "fork failed after" in result.stdout
    assert int(result.stdout.split()[3]) < 64
    assert _host_processes_with(marker) == []


def test_a_memory_hog_gets_a_memory_error(runner):
    result = run(runner, "data = bytearray(3 * 1024**3)\n")

    assert result.exit_code == 1
    assert "MemoryError" in result.stderr
    assert "ran out of memory" in describe(result)


def test_a_gigabyte_of_stdout_is_cut_short_and_said_so(runner):
    started = time.monotonic()
    result = run(runner, "import sys\nfor _ in range(1024):\n    sys.stdout.write('x' * 2**20)\n")

    assert result.limit == "output"
    assert time.monotonic() - started < 10
    assert len(result.stdout) < 40_000
    text = describe(result)
    assert "Stopped: the code printed more than the output limit" in text
    assert "bytes were printed in all" in text and len(text) < 16_000


def test_a_symlink_in_the_outputs_is_not_followed(runner):
    code = (
        "import os\n"
        "os.symlink('/etc/hostname', 'hostname.txt')\n"
        "os.symlink('/usr/lib/os-release', 'release.txt')\n"
        "open('real.txt', 'w').write('mine')\n"
    )
    result = run(runner, code)

    assert [(f.name, f.data) for f in result.files] == [("real.txt", b"mine")]
    assert {s.name for s in result.skipped} == {"hostname.txt", "release.txt"}
    assert all("symbolic link" in s.reason for s in result.skipped)


def test_a_background_process_is_killed_when_the_run_ends(runner):
    marker = uuid.uuid4().hex
    code = (
        "import subprocess\n"
        f"subprocess.Popen(['sleep', '300', '{marker}'], start_new_session=True)\n"
        "print('left it running')\n"
    )
    result = run(runner, code)

    assert result.exit_code == 0 and "left it running" in result.stdout
    assert _host_processes_with(marker) == []


def test_a_huge_file_is_stopped_by_the_file_size_limit(runner):
    result = run(runner, "open('big.bin', 'wb').write(b'x' * 30_000_000)\n")

    # Python ignores SIGXFSZ, so the write past the limit fails with EFBIG.
    assert result.exit_code == 1
    assert "File too large" in result.stderr
    assert all(len(f.data) <= 20_000_000 for f in result.files)


def test_writing_thousands_of_files_is_stopped(runtime_venv, work_root):
    few_entries = make_runner(runtime_venv, work_root, disk_entries=500)
    code = "import os\nfor i in range(100_000):\n    open(f'f{i}', 'w').close()\n"
    result = run(few_entries, code, timeout=20)

    assert result.limit == "disk"
    assert len(result.files) <= 20
    assert any("more than 20 files" in s.reason for s in result.skipped)


def test_a_follow_up_run_gets_the_changed_file_back_only_when_it_changed(runner):
    data = RunFile("data.csv", b"a\n1\n")
    unchanged = run(runner, "print(open('data.csv').read())", files=[data])
    changed = run(runner, "open('data.csv', 'a').write('2\\n')", files=[data])

    assert unchanged.files == ()
    assert [(f.name, f.data) for f in changed.files] == [("data.csv", b"a\n1\n2\n")]


def test_the_probe_passes_where_isolation_works(runner):
    assert probe(runner) is None


def test_the_probe_refuses_without_bubblewrap_and_says_why(runtime_venv, work_root):
    broken = make_runner(runtime_venv, work_root)
    object.__setattr__(broken.runtime, "bwrap", "/nonexistent/bwrap")

    assert probe(broken) == "bubblewrap (bwrap) is not installed on the executor"


def test_the_probe_refuses_a_python_the_sandbox_cannot_run(work_root, tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(os.path.realpath(os.sys.executable))

    problem = probe(make_runner(venv, work_root))

    assert problem is not None and "outside /usr" in problem


def _host_processes_with(marker: str) -> list[str]:
    time.sleep(0.2)  # the kernel tears the pid namespace down right after bwrap exits
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(pid)
    return found


@pytest.fixture(autouse=True)
def _timed(request):
    started = time.monotonic()
    yield
    assert time.monotonic() - started < 30, f"{request.node.name} took too long"


def test_an_output_with_an_undecodable_name_is_skipped_not_fatal(runner):
    result = run(runner, "open(b'bad\\xff.txt', 'wb').write(b'x')\nopen('ok.txt', 'w').write('y')")

    assert [f.name for f in result.files] == ["ok.txt"]
    assert [s.reason for s in result.skipped] == ["its name starts with a dot or is not printable"]


def test_writing_more_than_the_disk_budget_is_stopped(runtime_venv, work_root):
    small_disk = make_runner(runtime_venv, work_root, disk_bytes=5_000_000)
    code = "import time\nfor i in range(60):\n    open(f'part{i}', 'wb').write(b'x' * 1_000_000)\n"
    code += "    time.sleep(0.05)\n"
    result = run(small_disk, code, files=[RunFile("input.bin", b"y" * 4_000_000)])

    assert result.limit == "disk"  # the input does not count against the budget
    assert 5 <= len(result.files) < 60


_UNSHARE = (
    "import ctypes, os, subprocess\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "for kind, flag in (('user', 0x10000000), ('net', 0x40000000), ('mount', 0x00020000)):\n"
    "    made = libc.unshare(flag) == 0\n"
    "    print(kind, 'CREATED' if made else 'refused: ' + os.strerror(ctypes.get_errno()))\n"
    "commands = (['unshare', '--user', '--map-root-user', 'true'], ['unshare', '--net', 'true'])\n"
    "for argv in commands:\n"
    "    done = subprocess.run(argv, capture_output=True, text=True)\n"
    "    print(argv[1], 'CREATED' if done.returncode == 0 else 'refused: ' + done.stderr.strip())\n"
    "print([line.strip() for line in open('/proc/self/status') if line.startswith('Seccomp:')])\n"
)


def test_the_code_cannot_create_user_or_network_namespaces(runner):
    result = run(runner, _UNSHARE)

    assert result.exit_code == 0, result.stderr
    assert "CREATED" not in result.stdout
    assert result.stdout.count("refused:") == 5
    assert "'Seccomp:\\t2'" in result.stdout  # a filter is in force


def test_the_probe_refuses_without_a_seccomp_filter_and_says_so(runtime_venv, work_root):
    unfiltered = make_runner(runtime_venv, work_root)
    unfiltered.seccomp = b""

    problem = probe(unfiltered)

    assert problem is not None and problem.startswith("no seccomp filter is in force")
    assert "seccomp.bpf is missing" in problem


def test_the_probe_names_user_namespaces_when_they_are_not_disabled(runner):
    from probe import _verdict

    facts = {"uid": 65534, "seccomp": "2", "unshare_user": "created"}

    assert _verdict(facts, runner) == (
        "user namespaces are not disabled inside the sandbox (bwrap --disable-userns)"
    )
    only_disabled = {**facts, "unshare_user": "ENOSPC"}
    assert "does not refuse user namespaces" in (_verdict(only_disabled, runner) or "")


def test_several_processes_over_the_run_memory_limit_are_killed_as_one_run(runtime_venv, work_root):
    small = make_runner(runtime_venv, work_root, run_memory_bytes=600 * 1024**2)
    marker = f"hog-{uuid.uuid4().hex}"
    # Four processes of 200 MB each: every one is far below the per-process limit.
    code = (
        "import subprocess, sys, time\n"
        f"hog = \"import time; held = b'x' * 200_000_000; time.sleep(60)  # {marker}\"\n"
        "children = [subprocess.Popen([sys.executable, '-c', hog]) for _ in range(4)]\n"
        "time.sleep(60)\n"
    )
    result = run(small, code, timeout=30)

    assert result.limit == "memory"
    assert result.seconds < 20
    report = describe(result, wall_seconds=30)
    assert "Stopped: the run's processes together used more memory" in report
    assert _host_processes_with(marker) == []


def test_dev_is_read_only_and_dev_shm_is_capped(runner):
    code = (
        "import glob, multiprocessing, os\n"
        "for folder in ('/dev', '/dev/shm'):\n"
        "    try:\n"
        "        for part in range(100):  # 1 GB in files under the 20 MB file size limit\n"
        "            with open(f'{folder}/filler{part}', 'wb') as out:\n"
        "                out.write(b'x' * 10_000_000)\n"
        "        print(folder, 'WROTE 1 GB')\n"
        "    except OSError as error:\n"
        "        print(folder, 'refused:', error.strerror)\n"
        "for path in glob.glob('/dev/shm/filler*'):\n"
        "    os.remove(path)\n"
        "multiprocessing.Lock()  # its semaphore lives in /dev/shm\n"
    )
    result = run(runner, code)

    assert result.exit_code == 0, result.stderr
    assert "/dev refused: Read-only file system" in result.stdout
    assert "/dev/shm refused: No space left on device" in result.stdout


def test_an_attachment_named_matplotlibrc_does_not_restyle_the_charts(runner):
    rc = RunFile("matplotlibrc", b"lines.linewidth: 17\nfont.family: monospace\n")
    code = (
        "import matplotlib\n"
        "print('linewidth', matplotlib.rcParams['lines.linewidth'])\n"
        "print('family', matplotlib.rcParams['font.family'])\n"
        "print('readable', 'linewidth' in open('matplotlibrc').read())\n"
    )
    result = run(runner, code, files=[rc])

    assert result.exit_code == 0, result.stderr
    assert "linewidth 1.5" in result.stdout
    assert "IPAexGothic" in result.stdout  # the executor's own configuration
    assert "readable True" in result.stdout  # the attachment itself is still there to read


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86-64 syscall numbers")
def test_the_seccomp_filter_refuses_ptrace_the_keyring_bpf_perf_and_modules(runner):
    code = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "calls = {'ptrace': (101, 0, 0, 0, 0), 'keyctl': (250, 0, -3, 0, 0),\n"
        "         'bpf': (321, 0, 0, 0, 0), 'perf_event_open': (298, 0, 0, -1, -1),\n"
        "         'init_module': (175, 0, 0, 0, 0), 'mount': (165, 0, 0, 0, 0)}\n"
        "for name, (number, *args) in calls.items():\n"
        "    done = libc.syscall(number, *[ctypes.c_long(a) for a in args])\n"
        "    print(name, 'ALLOWED' if done >= 0 else os.strerror(ctypes.get_errno()))\n"
    )
    result = run(runner, code)

    assert result.exit_code == 0, result.stderr
    assert "ALLOWED" not in result.stdout
    assert result.stdout.count("Operation not permitted") == 6, result.stdout
