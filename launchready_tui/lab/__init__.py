"""The built-in lab: a demo target on loopback (DNS, CA, HTTPS/HTTP app with planted flaws, git repos).

``from launchready_tui.lab import Lab`` is resolved lazily so importing the package stays free
(aiohttp and cryptography load only when a lab is actually used). See PLANTED.md for what is planted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from launchready_tui.lab.server import Lab, run_lab_foreground

__all__ = ["Lab", "run_lab_foreground"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from launchready_tui.lab import server

        return getattr(server, name)
    raise AttributeError(name)
