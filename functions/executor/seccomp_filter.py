"""The sandbox's seccomp filter: the syscalls model-written code never needs, refused.

Namespaces (a kernel bug reachable through a fresh user or network namespace would escape
onto the instance, which serves later runs of other threads), mounts, ptrace and reading other
processes' memory, the kernel keyring, bpf, perf events, kernel modules and kexec. Everything
else is allowed: pandas, matplotlib, threads and subprocesses keep working.

Built with libseccomp's Python bindings (Debian's python3-seccomp, a kept library) by
setup-runtime.sh with Debian's /usr/bin/python3, into `<venv>/seccomp.bpf`; the runner hands
that program to bubblewrap (`--seccomp FD`), which loads it just before it starts the code.

    /usr/bin/python3 seccomp_filter.py OUTPUT
"""

from __future__ import annotations

import errno
import sys
from typing import Any

__all__ = ["CLONE_NAMESPACE_FLAGS", "DENIED", "build"]

DENIED = (
    # namespaces
    "unshare",
    "setns",
    # mounts and the filesystem tree
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    # other processes
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    # the kernel keyring
    "add_key",
    "request_key",
    "keyctl",
    # bpf and perf
    "bpf",
    "perf_event_open",
    "userfaultfd",
    # kernel modules and kexec
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
)

# clone(2) flags that make a namespace: CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER,
# NEWPID, NEWNET, NEWTIME.
CLONE_NAMESPACE_FLAGS = (
    0x00020000,
    0x02000000,
    0x04000000,
    0x08000000,
    0x10000000,
    0x20000000,
    0x40000000,
    0x00000080,
)


def build(seccomp: Any) -> Any:  # the module, passed in: only Debian's python3 has it
    deny = seccomp.ERRNO(errno.EPERM)
    program = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in DENIED:
        try:
            program.add_rule(deny, name)
        except (RuntimeError, ValueError):  # unknown to this libseccomp: nothing to refuse
            continue
    for flag in CLONE_NAMESPACE_FLAGS:
        program.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory, where a filter cannot look: refuse it as unknown, so
    # the C library falls back to clone(2), whose flags the rules above check.
    program.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    return program


def main(output: str) -> None:
    import seccomp  # type: ignore[import-not-found]  # Debian's python3-seccomp

    with open(output, "wb") as handle:
        build(seccomp).export_bpf(handle)


if __name__ == "__main__":
    main(sys.argv[1])
