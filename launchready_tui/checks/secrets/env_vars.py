"""Environment variables: which ones the code reads, which ones the ``.env*`` files and platform configs
declare, and which public-prefix names look like secrets (secrets.md §6).

Reads are found with one regex per language (JS/TS ``process.env``, Vite/Astro ``import.meta.env``,
Bun, Deno, destructuring, Python ``os.environ``/``os.getenv`` and settings helpers, Ruby ``ENV``, Go
``os.Getenv``, Rust ``env::var``, Java ``System.getenv``, Prisma/Terraform ``env("X")``, GitHub Actions
``${{ secrets.X }}``/``${{ vars.X }}``, compose ``${X}``). A dynamic read (``process.env[name]``) is
noted as "unknown variable". Dotenv files are parsed the way dotenv does (``export``, quotes, ``#``
comments), with dotenv-linter's basic checks (duplicate key, lower-case key, spaces around ``=``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_NAME = r"([A-Za-z_][A-Za-z0-9_]*)"
_Q = r"['\"\x60]"
CODE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((lang, re.compile(p)) for lang, p in (
    ("js", rf"\bprocess\.env\.{_NAME}"),
    ("js", rf"\bprocess\.env\[\s*{_Q}{_NAME}{_Q}\s*\]"),
    ("vite", rf"\bimport\.meta\.env\.{_NAME}"),
    ("vite", rf"\bimport\.meta\.env\[\s*{_Q}{_NAME}{_Q}\s*\]"),
    ("bun", rf"\bBun\.env\.{_NAME}"),
    ("deno", rf"\bDeno\.env\.get\(\s*{_Q}{_NAME}{_Q}"),
    ("python", r"\bos\.(?:environ(?:\.get)?\s*[\[\(]|getenv\s*\(|environ\.setdefault\s*\()"
               rf"\s*[rbuf]?['\"]{_NAME}['\"]"),
    ("python", r"\b(?:env(?:\.(?:str|int|bool|list|url|db|float|json))?|config|getenv)\(\s*"
               r"['\"]([A-Z_][A-Z0-9_]*)['\"]"),
    ("ruby", rf"\bENV(?:\.fetch\(\s*|\[\s*)['\"]{_NAME}['\"]"),
    ("go", r"\bos\.(?:Getenv|LookupEnv)\(\s*\"(\w+)\""),
    ("rust", r"\benv::var(?:_os)?\(\s*\"(\w+)\""),
    ("java", r"\bSystem\.getenv\(\s*\"(\w+)\""),
    ("prisma", rf"\benv\(\s*\"{_NAME}\"\s*\)"),
    ("actions", rf"\$\{{\{{\s*(?:secrets|vars|env)\.{_NAME}\s*\}}\}}"),
    ("compose", r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?+][^}]*)?\}"),
))
_DESTRUCTURE = re.compile(r"\{([^{}=]{1,400})\}\s*=\s*(?:process\.env|import\.meta\.env|Bun\.env)\b")
_DYNAMIC = re.compile(r"\bprocess\.env\[\s*(?![\s'\"\x60])")
CODE_SUFFIXES = frozenset({".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts", ".vue", ".svelte",
                           ".astro", ".py", ".rb", ".go", ".rs", ".java", ".kt", ".prisma", ".tf", ".yml", ".yaml",
                           ".toml", ".json", ".sh"})
CODE_NAMES = frozenset({"Dockerfile", "Procfile", "Makefile"})
_SKIP_PARTS = frozenset({"node_modules", "vendor", "dist", "build", ".next", "out", "coverage", ".venv", "venv",
                         "__pycache__", "site-packages"})
EXAMPLE_FILES = (".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults", "example.env",
                 ".env.local.example", ".env.development.example")
# Set by the platform or the runtime, never something to document.
PLATFORM_VARS = re.compile(
    r"^(?:NODE_ENV|PORT|HOST|HOSTNAME|PWD|HOME|PATH|USER|SHELL|TZ|LANG|CI|DEBUG|TERM|TMPDIR|"
    r"VERCEL(?:_\w+)?|NETLIFY(?:_\w+)?|RENDER(?:_\w+)?|RAILWAY_\w+|FLY_\w+|HEROKU_\w+|GITHUB_\w+|RUNNER_\w+|"
    r"NEXT_RUNTIME|NEXT_PHASE|npm_\w+|MODE|DEV|PROD|SSR|BASE_URL|PYTHON\w*|VIRTUAL_ENV|AWS_REGION|"
    r"AWS_LAMBDA_\w+|K_SERVICE|K_REVISION|GOOGLE_CLOUD_PROJECT|DYNO)$")
PUBLIC_PREFIXES = ("NEXT_PUBLIC_", "VITE_", "REACT_APP_", "EXPO_PUBLIC_", "NUXT_PUBLIC_", "PUBLIC_", "GATSBY_",
                   "VUE_APP_", "STORYBOOK_")
_SECRETISH = re.compile(r"SECRET|PRIVATE|SERVICE_ROLE|PASSWORD|PASSWD|TOKEN|API_KEY|APIKEY|ACCESS_KEY|CREDENTIAL|"
                        r"DATABASE_URL|DB_URL|_DSN$|WEBHOOK_SECRET|JWT|SIGNING|ADMIN_KEY")
_PUBLIC_OK = re.compile(r"PUBLISHABLE|ANON_KEY|_URL$|MEASUREMENT_ID|SENTRY_DSN|POSTHOG_(?:KEY|TOKEN|API_KEY)|"
                        r"FIREBASE_(?:API_KEY|AUTH_DOMAIN|PROJECT_ID|APP_ID|MESSAGING_SENDER_ID|STORAGE_BUCKET)|"
                        r"SITE_KEY|RECAPTCHA_KEY|TURNSTILE|MAPBOX_(?:TOKEN|ACCESS_TOKEN)|ALGOLIA_SEARCH|"
                        r"CLERK_PUBLISHABLE|GA_|GTM_|PUBLIC_KEY$")


@dataclass(slots=True)
class EnvReads:
    names: dict[str, list[str]] = field(default_factory=dict)  # NAME -> ["src/app.ts:12", …]
    dynamic: list[str] = field(default_factory=list)  # "src/config.ts:4": process.env[name]
    files_read: int = 0

    def add(self, name: str, where: str) -> None:
        self.names.setdefault(name, []).append(where)


def is_code_file(rel: str) -> bool:
    parts = rel.split("/")
    if any(p in _SKIP_PARTS for p in parts[:-1]):
        return False
    name = parts[-1]
    if name.startswith(".env"):
        return False
    return name in CODE_NAMES or Path(name).suffix in CODE_SUFFIXES or name.startswith("docker-compose")


def find_reads(files: list[tuple[str, str]]) -> EnvReads:
    """``files``: (relative path, text). Lock files and generated folders are the caller's to skip."""
    out = EnvReads()
    for rel, text in files:
        out.files_read += 1
        is_workflow = rel.startswith(".github/workflows/")
        is_compose = "compose" in rel.rsplit("/", 1)[-1]
        for lang, rx in CODE_PATTERNS:
            if lang == "actions" and not is_workflow:
                continue
            if lang == "compose" and not (is_compose or rel.endswith((".sh", "Dockerfile")) or is_workflow):
                continue
            for m in rx.finditer(text):
                out.add(m.group(1), f"{rel}:{text.count(chr(10), 0, m.start()) + 1}")
        for m in _DESTRUCTURE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            for part in m.group(1).split(","):
                name = part.split(":")[0].strip().lstrip(".")
                if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                    out.add(name, f"{rel}:{line}")
        for m in _DYNAMIC.finditer(text):
            out.dynamic.append(f"{rel}:{text.count(chr(10), 0, m.start()) + 1}")
    return out


@dataclass(slots=True)
class DotenvFile:
    path: str
    keys: dict[str, int] = field(default_factory=dict)  # key -> first line
    problems: list[str] = field(default_factory=list)  # dotenv-linter style, plain words
    values: dict[str, str] = field(default_factory=dict)  # kept only for the secret rules, never reported


_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([^\s=#]+)(\s*)=(\s*)(.*)$")


def parse_dotenv(path: str, text: str) -> DotenvFile:
    out = DotenvFile(path)
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _DOTENV_LINE.match(raw)
        if not m:
            out.problems.append(f"{path}:{i}: not a KEY=value line")
            continue
        key, before, after, value = m.groups()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", key):
            out.problems.append(f"{path}:{i}: {key!r} is not a valid variable name")
            continue
        if key in out.keys:
            out.problems.append(f"{path}:{i}: {key} is defined twice (first on line {out.keys[key]})")
            continue
        if key != key.upper():
            out.problems.append(f"{path}:{i}: {key} is not upper case")
        if before or after:
            out.problems.append(f"{path}:{i}: spaces around '=' in {key} (some loaders keep them)")
        out.keys[key] = i
        value = value.strip()
        if value[:1] in ("'", '"') and value.endswith(value[:1]) and len(value) >= 2:
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out.values[key] = value
    return out


def is_example_env(name: str) -> bool:
    low = name.lower()
    return low in EXAMPLE_FILES or any(w in low for w in ("example", "sample", "template", ".dist"))


def environment_of(name: str) -> str | None:
    """``.env.production`` -> "production"; ``.env`` / examples -> None."""
    low = name.rsplit("/", 1)[-1].lower()
    if is_example_env(low) or not low.startswith(".env."):
        return None
    env = low[5:].replace(".local", "")
    return {"prod": "production", "stage": "staging", "dev": "development"}.get(env, env) or None


def public_prefix_secret(name: str) -> bool:
    """``NEXT_PUBLIC_OPENAI_API_KEY`` yes; ``VITE_SUPABASE_ANON_KEY`` and ``NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY`` no."""
    prefix = next((p for p in PUBLIC_PREFIXES if name.startswith(p)), None)
    if prefix is None:
        return False
    rest = name[len(prefix):]
    return bool(_SECRETISH.search(rest)) and not _PUBLIC_OK.search(rest)


def public_prefix_of(name: str) -> str | None:
    return next((p for p in PUBLIC_PREFIXES if name.startswith(p)), None)
