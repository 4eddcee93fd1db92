"""keyring's conformance tests against a REAL Secret Service (gnome-keyring), run inside a D-Bus session.

Collected normally this file skips: test_handover_secret_service.py starts ``dbus-run-session`` and
``gnome-keyring-daemon`` in throwaway folders and runs this file inside them with
LAUNCHREADY_SS_INNER=1, so a developer's desktop keyring is never touched.
"""

from __future__ import annotations

import os

import pytest
from keyring.backends import SecretService
from keyring.testing.backend import BackendBasicTests

INNER = os.environ.get("LAUNCHREADY_SS_INNER") == "1" and bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))

pytestmark = pytest.mark.skipif(not INNER, reason="runs inside test_handover_secret_service.py's D-Bus session")


class TestSecretServiceConformance(BackendBasicTests):
    def init_keyring(self) -> SecretService.Keyring:
        assert SecretService.Keyring.viable, "Secret Service is not reachable in this D-Bus session"
        ring = SecretService.Keyring()
        ring.preferred_collection = "/org/freedesktop/secrets/collection/session"  # in memory, no password
        return ring
