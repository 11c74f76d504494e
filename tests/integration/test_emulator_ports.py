"""The emulators start even when the free port picked for them is taken before they bind it
(a CI run lost its whole stack to "Address already in use")."""

from __future__ import annotations

import socket
from unittest import mock

from devstack import emulators


def test_the_firestore_emulator_moves_to_another_port_when_its_port_is_taken(tmp_path):
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    busy = held.getsockname()[1]
    ports = iter([busy])
    real = emulators.free_port
    try:
        with mock.patch.object(emulators, "free_port", lambda: next(ports, None) or real()):
            process, host = emulators.start_firestore(tmp_path)
        try:
            assert host != f"127.0.0.1:{busy}"
            assert "Address already in use" in process.log_path.read_text(errors="replace")
        finally:
            process.stop()
    finally:
        held.close()
