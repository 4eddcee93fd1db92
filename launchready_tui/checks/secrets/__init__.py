"""Secret scanning for stage 4 (and the stage-1 quick pass): the engine behind the ``secrets.*`` checks.

Modules, each with one job:
* ``regex_go``  — Go RE2 patterns (gitleaks format) compiled with Python ``re``;
* ``rules``     — gitleaks-format TOML rule files: load, validate, extend; sidecar metadata;
* ``engine``    — keyword prefilter + regex + entropy + allowlists over text fragments;
* ``anchors``   — runs a rule only where its literals allow a match to start (same matches as finditer);
* ``decode``    — secrets inside base64 / hex / percent-encoded text, rescanned and reported at the encoded span;
* ``classify``  — public-by-design keys, JWT/Clerk decoding, placeholders, severity: Match -> Finding;
* ``findings``  — the Finding shape of the contract, fingerprints, accepted findings, ``.gitleaksignore``;
* ``tree``      — the working tree (tracked + untracked-not-ignored files), size and binary caps;
* ``history``   — ``git log -p -U0 --all`` streamed, added lines only, cancellable;
* ``worker``    — a second process running the rules for big histories (two cores: parse here, match there);
* ``litset``    — big case-insensitive word alternations (allowlist regexes) searched as words;
* ``diffparse`` — that text turned into fragments (added lines of one file in one commit) and line numbers;
* ``web``       — JavaScript bundles and source maps discovered from the live HTML;
* ``env_vars``  — env-var reads in code and ``.env*`` files (deploy.* checks);
* ``runtimes``  — Node/Python version pins.

Nothing here imports Textual; blocking work is called through ``asyncio.to_thread`` by the checks.
"""
