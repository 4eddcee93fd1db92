"""Stage 7 costs, measured side by side in one run (ratios, not absolute promises; nothing here asserts a time).

1. Vault calls: the same ``get`` straight on a backend vs through ``KeyringStore`` (daemon thread + timeout per
   call) - what the lane costs; and the encrypted file's first open (scrypt, n=2^15) vs a cached read.
2. The handover document: model build, Markdown, HTML and PDF (fpdf2 + DejaVu) for a project with every core
   account and a 40-row env matrix - the PDF as a multiple of the Markdown.
3. The CLI: ``launchready accounts list`` (file vault) vs ``launchready --help``, interleaved, CPU time.

    .venv/bin/python bench/handover_bench.py [-n 30]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from launchready_tui.core.model import CheckResult, Impact, Status  # noqa: E402
from launchready_tui.core.project import Endpoint, Project, save_project  # noqa: E402
from launchready_tui.report.handover_model import HandoverSources, build_document  # noqa: E402
from launchready_tui.report.handover_pdf import render_pdf  # noqa: E402
from launchready_tui.report.handover_render import render_html, render_markdown  # noqa: E402
from launchready_tui.vault.accounts import CORE_SERVICES, AccountRecord, save_account  # noqa: E402
from launchready_tui.vault.encrypted_file import EncryptedFileKeyring  # noqa: E402
from launchready_tui.vault.keyring_store import KeyringStore  # noqa: E402
from launchready_tui.vault.memory import MemoryStore  # noqa: E402


def median_ms(fn: Callable[[], object], n: int) -> float:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def vault(n: int, tmp: Path) -> None:
    path = tmp / "vault.enc"
    ring = EncryptedFileKeyring(path, "correct horse battery")
    ring.set_password("launchready:b", "account:dns", '{"owner":"Ann"}')
    store = KeyringStore(ring, "launchready:b", name="bench")
    direct = median_ms(lambda: ring.get_password("launchready:b", "account:dns"), n * 10)
    laned = median_ms(lambda: store.get("account:dns"), n * 10)
    first = median_ms(lambda: EncryptedFileKeyring(path, "correct horse battery").get_password("launchready:b",
                                                                                                 "account:dns"), n)
    write = median_ms(lambda: ring.set_password("launchready:b", "token:x", "v"), n)
    print("vault (median per call)")
    print(f"  cached get, direct on the backend      {direct:8.3f} ms")
    print(f"  cached get, through the lane           {laned:8.3f} ms   lane/direct = {laned / direct:6.1f}x")
    print(f"  first get of a new process (scrypt)    {first:8.3f} ms   first/cached = {first / direct:6.0f}x")
    print(f"  set (encrypt, fsync, rename)           {write:8.3f} ms")


def document_sources(tmp: Path) -> HandoverSources:
    project = Project(domain="acme.example", product="Acme AI",
                      endpoints=[Endpoint(name="home", url="https://acme.example/")],
                      environments=["production", "staging", "preview"])
    project.source = tmp / "launchready.yaml"
    store = MemoryStore()
    for service in CORE_SERVICES:
        save_account(project, store, service, AccountRecord(owner="Ольга Петрова", backup_owner="Zoë Ōkubo",
                                                            login_email=f"{service}@acme.example", twofa=True,
                                                            recovery_location="1Password Ops"),
                     {"provider": "cloudflare", "verified_on": "2026-11-20", "verified_by": "Bob"})
    rows = [{"name": f"VAR_{i:02d}_SECRET_KEY", "secret": True,
             "cells": {"production": "set", "staging": "set", "preview": "not known"},
             "where": ["Vercel → Project → Settings → Environment Variables", "listed in .env.example"],
             "documented": True, "read_at": []} for i in range(40)]
    results = {"handover.env_vars": CheckResult(
        id="handover.env_vars", title="env", status=Status.PASS, summary="40 variables", stage=7, impact=Impact.OPS,
        evidence={"matrix": {"environments": ["production", "staging", "preview"], "rows": rows,
                             "undocumented": [], "documented_in": [".env.example"], "notes": []}})}
    records = {s: AccountRecord.from_json(store.get(f"account:{s}") or "{}") for s in CORE_SERVICES}
    return HandoverSources(project=project, results=results, records=records,
                           generated_at=datetime(2026, 11, 27, tzinfo=UTC))


def document(n: int, tmp: Path) -> None:
    src = document_sources(tmp)
    doc = build_document(src)
    build = median_ms(lambda: build_document(src), n)
    md = median_ms(lambda: render_markdown(doc), n)
    html = median_ms(lambda: render_html(doc), n)
    pdf = median_ms(lambda: render_pdf(doc), max(3, n // 5))
    size = len(render_pdf(doc))
    print("handover document (median)")
    print(f"  build the model                        {build:8.2f} ms")
    print(f"  Markdown                               {md:8.2f} ms")
    print(f"  HTML                                   {html:8.2f} ms   html/md = {html / md:6.1f}x")
    print(f"  PDF ({size // 1024} KiB, fonts subset)            {pdf:8.2f} ms   pdf/md = {pdf / md:6.0f}x")


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def cli(n: int, tmp: Path) -> None:
    binary = str(Path(sys.executable).parent / "launchready")
    project = Project(domain="acme.example", endpoints=[Endpoint(name="home", url="https://acme.example/")])
    env = {**os.environ, "LAUNCHREADY_VAULT": "file", "LAUNCHREADY_VAULT_FILE": str(tmp / "cli.enc"),
           "LAUNCHREADY_VAULT_PASSPHRASE": "correct horse battery", "XDG_CONFIG_HOME": str(tmp / "cfg")}
    path = tmp / "launchready.yaml"
    save_project(project, path)
    subprocess.run([binary, "accounts", "set", "dns", "--project", str(path), "--owner", "Ann"], env=env,
                   check=True, capture_output=True)
    runs = {"help": [binary, "--help"], "accounts list": [binary, "accounts", "list", "--project", str(path)]}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(n):
        for name, argv in runs.items():  # interleaved: machine load hits both alike
            before = _children_cpu()
            subprocess.run(argv, env=env, check=True, capture_output=True)
            cpu[name].append((_children_cpu() - before) * 1000)
    help_ms, list_ms = statistics.median(cpu["help"]), statistics.median(cpu["accounts list"])
    print("CLI (median CPU per process)")
    print(f"  launchready --help                     {help_ms:8.1f} ms")
    print(f"  launchready accounts list (file vault) {list_ms:8.1f} ms   list/help = {list_ms / help_ms:6.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        vault(args.n, Path(tmp))
        document(args.n, Path(tmp))
        cli(max(5, args.n // 3), Path(tmp))


if __name__ == "__main__":
    main()
