"""Keys under the project file's ``answers:`` that the email checks read (written by the wizard's panels).

A module of its own so the "Did it land?" panel can name them without importing anything that touches DNS.
"""

from __future__ import annotations

ANSWER_SELECTORS = "email.header_selectors"  # DKIM selectors read from a pasted e-mail (list of str)
ANSWER_REPORT_ADDRESS = "email.report_address"  # where DMARC/TLS-RPT reports should go (PII, never a secret)
