"""One module per CLI command; each exposes ``add_parser(subparsers)`` and ``run(args) -> int``.

Imported lazily by ``cli.py`` so ``launchready --help`` stays fast and never loads Textual.
"""
