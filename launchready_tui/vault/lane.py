"""One lane for blocking backend calls: a daemon thread per call, a timeout, and no queue behind a stuck call.

A locked Secret Service collection whose unlock prompt nobody answers blocks ``unlock()`` for ever
(secretstorage #33, twine #1276), and D-Bus activation without a daemon can take minutes. So every
backend call runs on its own *daemon* thread and the caller waits at most ``timeout`` seconds.

Why not ``concurrent.futures.ThreadPoolExecutor``: its workers are joined at interpreter exit, so a
single stuck keyring call would keep ``launchready`` from exiting. Daemon threads are abandoned.

After a timeout the lane remembers the stuck call: later calls fail at once with TIMEOUT ("still
waiting for the keyring") instead of piling up more stuck threads, until the stuck call returns.
Calls are serialised, because keyring backends are not documented as thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from launchready_tui.vault.errors import VaultError, VaultStatus

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 5.0  # handover.md §3.3: 3-5 s (GitHub CLI uses 3, dbflux 5); scrypt needs ~0.2 s of it


class _Call:
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class CallLane:
    """Runs blocking calls with a timeout; see the module docstring."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT_S, what: str = "the keyring") -> None:
        self.timeout = timeout
        self.what = what
        self._lock = threading.Lock()
        self._stuck: _Call | None = None

    @property
    def stuck(self) -> bool:
        """True while an earlier call that timed out has not returned yet."""
        return self._stuck is not None and not self._stuck.done.is_set()

    def call(self, func: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """``func(*args)`` on a daemon thread; its exception is re-raised here. Raises VaultError(TIMEOUT)."""
        wait = self.timeout if timeout is None else timeout
        if not self._lock.acquire(timeout=wait):
            raise VaultError(VaultStatus.TIMEOUT, f"{self.what} is busy with another request; try again")
        try:
            if self.stuck:
                raise VaultError(VaultStatus.TIMEOUT, f"still waiting for {self.what} to answer an earlier "
                                 "request (an unlock prompt may be open): answer or close it, then try again")
            self._stuck = None
            call = _Call()

            def run() -> None:
                try:
                    call.result = func(*args)
                except BaseException as exc:  # handed to the caller's thread, re-raised there
                    call.error = exc
                finally:
                    call.done.set()

            threading.Thread(target=run, name="launchready-vault", daemon=True).start()
            if not call.done.wait(wait):
                self._stuck = call
                raise VaultError(VaultStatus.TIMEOUT, f"{self.what} did not answer within {wait:g} s (it may be "
                                 "locked and waiting for a password prompt); the request was abandoned")
        finally:
            self._lock.release()
        if call.error is not None:
            raise call.error
        return call.result  # type: ignore[no-any-return]
