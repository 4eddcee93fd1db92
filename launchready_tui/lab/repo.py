"""Generated git repositories for the stage-4 checks (secrets in tree and history, env hygiene, runtimes).

``make_repo(path, flawed=True)`` plants, with the ``git`` CLI:
* an OpenAI key committed in an OLD commit and removed later (history only, not in HEAD);
* a ``.env`` committed once, then deleted, and never listed in ``.gitignore``;
* a Stripe secret still in HEAD (``scripts/seed.js``) for the working-tree scan;
* a GitHub token inside a base64-encoded ``.env`` in a Kubernetes Secret (``k8s/app-secret.yaml``);
* code reading env vars that ``.env.example`` does not document, and a ``NEXT_PUBLIC_`` secret;
* ``.nvmrc`` (20) disagreeing with the Dockerfile's ``node:18``;
* a single deploy workflow straight to production (no staging, no rollback notes).
``flawed=False`` builds the clean counterpart. All keys are LAB FAKES from fakes.py.
"""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from launchready_tui.lab.fakes import Fakes

_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,  # the user's hooks, signing and templates must not apply
    "GIT_AUTHOR_NAME": "Lab Founder",
    "GIT_AUTHOR_EMAIL": "founder@lab.test",
    "GIT_COMMITTER_NAME": "Lab Founder",
    "GIT_COMMITTER_EMAIL": "founder@lab.test",
}

DOCKERFILE = 'FROM node:{node}-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "src/server.js"]\n'
SERVER_JS = """import express from 'express'
import OpenAI from 'openai'
const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, timeout: 15000, maxRetries: 1 })
const db = process.env.DATABASE_URL
const stripe = process.env.STRIPE_SECRET_KEY
const app = express()
app.get('/health', (req, res) => res.json({ status: 'pass' }))
app.listen(process.env.PORT || 3000)
"""


def _git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, **_ENV}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def _write(repo: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def _commit(repo: Path, message: str, date: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--no-verify", "--no-gpg-sign", "-m", message, date=date)


def make_repo(path: Path, fakes: Fakes, *, flawed: bool) -> Path:
    """Create the repository at ``path`` (must not exist or be empty) and return it."""
    path.mkdir(parents=True, exist_ok=True)
    _git(path, "init", "-q", "-b", "main")
    package = '{"name": "lab-app", "private": true, "dependencies": {"express": "^4.19.0", "openai": "^4.50.0"%s}}\n'
    if not flawed:
        _write(path, {
            ".gitignore": "node_modules/\n.env\n.env.*\n!.env.example\n",
            ".nvmrc": "20\n",
            "Dockerfile": DOCKERFILE.format(node=20),
            "package.json": package % ', "@sentry/node": "^8.0.0"',
            "src/server.js": "import * as Sentry from '@sentry/node'\n"
            "Sentry.init({ dsn: process.env.SENTRY_DSN })\n" + SERVER_JS,
            ".env.example": "OPENAI_API_KEY=\nDATABASE_URL=\nSTRIPE_SECRET_KEY=\nSENTRY_DSN=\nPORT=3000\n",
            ".github/workflows/deploy.yml": "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n"
            "  staging:\n    runs-on: ubuntu-latest\n    environment: staging\n"
            "    steps: [{run: ./deploy.sh staging}]\n"
            "  production:\n    needs: staging\n    runs-on: ubuntu-latest\n    environment: production\n"
            "    steps: [{run: ./deploy.sh production}]\n",
            "docs/ROLLBACK.md": "# Rollback\n\nRe-deploy the previous tag: `./deploy.sh production v1.2.2`.\n",
        })
        _commit(path, "Initial app", "2026-01-05T10:00:00Z")
        _write(path, {"README.md": "# Lab app (good)\n"})
        _commit(path, "Add readme", "2026-01-06T10:00:00Z")
        return path

    # LAB FAKES below: committed on purpose for the secret and env-hygiene checks
    _write(path, {
        ".gitignore": "node_modules/\n",  # .env is not ignored
        ".nvmrc": "20\n",
        "Dockerfile": DOCKERFILE.format(node=18),  # .nvmrc says 20
        "package.json": package % "",
        "src/server.js": SERVER_JS.replace("process.env.OPENAI_API_KEY", f"'{fakes.openai_key}'"),
        ".env": f"DATABASE_URL=postgres://app:{fakes.db_password}@db.internal:5432/app\n"
        f"OPENAI_API_KEY={fakes.openai_key}\n",
        ".github/workflows/deploy.yml": "name: deploy\non: push\njobs:\n  prod:\n    runs-on: ubuntu-latest\n"
        "    steps: [{run: ./deploy.sh production}]\n",
    })
    _commit(path, "Initial app", "2026-01-05T10:00:00Z")
    (path / ".env").unlink()
    _write(path, {
        "src/server.js": SERVER_JS,  # the key leaves HEAD, but stays in history
        "src/pay.js": "export const key = process.env.NEXT_PUBLIC_STRIPE_SECRET_KEY\n",  # public prefix secret
        ".env.example": "OPENAI_API_KEY=\nPORT=3000\n",  # DATABASE_URL, STRIPE_SECRET_KEY undocumented
        "scripts/seed.js": f"// TODO remove before launch\nconst stripe = '{fakes.stripe_secret}'\n",
        # a .env committed base64-encoded in a Kubernetes Secret: only a decoding scanner sees the token
        "k8s/app-secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-env\ntype: Opaque\ndata:\n"
        "  .env: " + base64.b64encode(f"GITHUB_TOKEN={fakes.github_token}\nLOG_LEVEL=info\n".encode()).decode()
        + "\n",
    })
    _commit(path, "Move key to env, remove .env", "2026-01-09T10:00:00Z")
    return path
