"""launchready: from prototype to safe to demo and sell. Never imports Textual here."""

__version__ = "0.1.0"
