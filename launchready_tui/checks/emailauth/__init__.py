"""Email-authentication records as pure data: parse, lint, explain and propose the record to publish.

Modules (no Textual, and only ``dns_source``/``spf_eval``/``spf_lint``/``discovery`` touch DNS, through
``net/resolver.py``):

* ``errors`` — the typed parse errors every parser raises (never another exception).
* ``findings`` — ``Finding`` (stable code, severity, plain words, the DNS name asked) and status rules.
* ``spf_syntax``/``spf_macros`` — RFC 7208 record grammar and macro expansion.
* ``spf_eval`` — ``check_host()`` (RFC 7208 §4-§6), proven on the OpenSPF suite.
* ``spf_lint`` — the include/redirect tree, lookup and void-lookup counts, findings.
* ``spf_fix`` — the SPF record to publish, merged with what is there.
* ``dmarc`` — RFC 9989 record parsing, linting and the none → quarantine → reject progression.
* ``dkim`` — DKIM key records (RFC 6376/8301/8463), key sizes read with ``cryptography``.
* ``dkim_signature``/``headers`` — ``DKIM-Signature`` and ``Authentication-Results`` for "Did it land?".
* ``context_records`` — MTA-STS, TLS-RPT and BIMI records and the MTA-STS policy file.
* ``providers`` — the provider table (``assets/email_providers.yaml``) and provider inference.

Why our own code instead of checkdmarc/pyspf/dkimpy: see ``../shared/design/checks-email.md`` §3 (stale
global DNS cache, timeouts reported as missing records, no DKIM, no ``+all`` warning, blocking API).

This package's ``__init__`` stays import-free so the wizard's header panel can import
``emailauth.headers`` without loading dnspython or cryptography.
"""
