"""Secret rules in the gitleaks TOML format: load, validate, merge.

Reads what gitleaks' ``config/config.go`` reads (``id``, ``description``, ``regex``, ``path``,
``secretGroup``, ``entropy``, ``keywords``, ``tags``, ``skipReport``, ``[[rules.allowlists]]`` with
``condition``/``regexTarget``/``regexes``/``paths``/``commits``/``stopwords``, the deprecated
``[rules.allowlist]``, ``[[rules.required]]`` with ``withinLines``/``withinColumns``, the global
``[allowlist]`` / ``[[allowlists]]`` with ``targetRules``, and ``[extend]`` with ``useDefault`` and
``disabledRules``), parsed with the standard ``tomllib``. Every problem raises RuleFileError naming the
file and the rule, so a founder's hand-written ``.gitleaks.toml`` fails with one clear sentence.

Rule metadata that gitleaks has no field for (provider name, severity, "public by design") lives in a
sidecar table, ``assets/rules/launchready.meta.toml``, so the rule file itself stays loadable by gitleaks.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from launchready_tui.checks.secrets.litset import WordSearch, any_search
from launchready_tui.checks.secrets.regex_go import GoRegexError, compile_go

try:  # optional C speed-up for long stopword lists (same answers without it)
    import ahocorasick
except ImportError:  # pragma: no cover - pyahocorasick is a dependency; the plain loop still works
    ahocorasick = None

DEFAULT_RULES = "launchready.toml"  # the curated set we ship
GITLEAKS_RULES = "gitleaks.toml"  # gitleaks' own default set, for [extend] useDefault = true
META_FILE = "launchready.meta.toml"
_MAX_RULE_FILE = 4 * 1024 * 1024
_STOPWORD_INDEX_MIN = 16  # below this many stopwords a plain loop is as quick as an automaton


class RuleFileError(ValueError):
    """A rule file that cannot be used; ``str()`` names the file and the rule."""


@dataclass(frozen=True, slots=True)
class Allowlist:
    description: str = ""
    condition_and: bool = False
    regex_target: str = "secret"  # secret | match | line
    regexes: tuple[re.Pattern[str], ...] = ()
    paths: tuple[re.Pattern[str], ...] = ()
    commits: frozenset[str] = frozenset()
    stopwords: tuple[str, ...] = ()  # lower-case
    target_rules: tuple[str, ...] = ()
    # generic-api-key has 1,446 stopwords: one automaton pass instead of 1,446 substring tests per candidate
    _stop_index: Any = field(default=None, init=False, repr=False, compare=False, hash=False)
    # and its 29-branch "not a secret" context regex: word alternations searched as words, the other
    # regexes of a list joined into one (litset.py)
    _searches: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        searches: list[Any] = []
        plain: list[re.Pattern[str]] = []
        for r in self.regexes:
            words = WordSearch(r)
            if words.accelerated:
                searches.append(words.search)
            else:
                plain.append(r)
        joined = any_search(plain)
        searches += [joined.search] if joined is not None else [r.search for r in plain]
        object.__setattr__(self, "_searches", tuple(searches))
        if len(self.stopwords) > _STOPWORD_INDEX_MIN and ahocorasick is not None and "" not in self.stopwords:
            auto = ahocorasick.Automaton()
            for w in self.stopwords:
                auto.add_word(w, w)
            auto.make_automaton()
            object.__setattr__(self, "_stop_index", auto)

    def commit_allowed(self, commit: str | None) -> bool:
        return bool(commit) and commit.lower() in self.commits  # type: ignore[union-attr]

    def path_allowed(self, path: str | None) -> bool:
        return bool(path) and any(p.search(path) for p in self.paths)  # type: ignore[arg-type]

    def regex_allowed(self, text: str) -> bool:
        return bool(text) and any(search(text) for search in self._searches)

    def stopword(self, secret: str) -> bool:
        low = secret.lower()
        if self._stop_index is not None:
            return next(self._stop_index.iter(low), None) is not None
        return any(w in low for w in self.stopwords)


@dataclass(frozen=True, slots=True)
class Required:
    rule_id: str
    within_lines: int | None = None
    within_columns: int | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    description: str = ""
    regex: re.Pattern[str] | None = None
    path: re.Pattern[str] | None = None
    secret_group: int = 0
    entropy: float = 0.0
    keywords: tuple[str, ...] = ()  # lower-case
    tags: tuple[str, ...] = ()
    allowlists: tuple[Allowlist, ...] = ()
    required: tuple[Required, ...] = ()
    skip_report: bool = False
    source: str = ""  # the file it came from


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """What gitleaks has no field for: shown to the founder and used to rank findings."""

    provider: str
    severity: str = "high"  # critical | high | medium | low | review
    public: bool = False  # public by design: verdict "public", never a leak by itself
    why_public: str = ""
    rotate: str = ""  # where to rotate the key


@dataclass(slots=True)
class RuleSet:
    rules: list[Rule]
    allowlists: list[Allowlist] = field(default_factory=list)  # global
    sources: list[str] = field(default_factory=list)
    meta: dict[str, RuleMeta] = field(default_factory=dict)
    scanner: Any = field(default=None, repr=False, compare=False)  # engine.Scanner, built once on first use
    # how to build this very set again (worker.py rebuilds it in a second process): ("build", files, base)
    # or ("text", toml, source); empty when it was assembled some other way
    recipe: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @property
    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def meta_for(self, rule_id: str) -> RuleMeta:
        return self.meta.get(rule_id) or RuleMeta(provider=_provider_from_id(rule_id))


def _provider_from_id(rule_id: str) -> str:
    # "adafruit-api-key" -> "Adafruit": a fair guess for rules without a metadata entry
    head = re.split(r"[-_.]", rule_id, maxsplit=1)[0]
    return head.capitalize() if head else rule_id


# ---------------------------------------------------------------------------------------------------------
# Parsing


class _Ctx:
    def __init__(self, source: str) -> None:
        self.source = source

    def err(self, where: str, message: str) -> RuleFileError:
        return RuleFileError(f"{self.source}: {where}: {message}" if where else f"{self.source}: {message}")


def _rx(ctx: _Ctx, where: str, value: Any, what: str) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise ctx.err(where, f"{what} must be text, not {type(value).__name__}")
    try:
        return compile_go(value)
    except GoRegexError as exc:
        raise ctx.err(where, f"{what} {value[:60]!r} does not compile: {exc}") from None


def _str_list(ctx: _Ctx, where: str, raw: dict[str, Any], key: str) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ctx.err(where, f"{key} must be a list of text values")
    return value


def _allowlist(ctx: _Ctx, where: str, raw: Any, global_: bool) -> Allowlist:
    if not isinstance(raw, dict):
        raise ctx.err(where, "an allowlist must be a table")
    cond = str(raw.get("condition", "") or "").upper()
    if cond not in ("", "OR", "||", "AND", "&&"):
        raise ctx.err(where, f"unknown allowlist condition {raw.get('condition')!r} (expected 'and' or 'or')")
    target = raw.get("regexTarget", "") or "secret"
    if target not in ("secret", "match", "line"):
        raise ctx.err(where, f"unknown regexTarget {target!r} (expected secret, match or line)")
    regexes = tuple(_rx(ctx, where, r, "allowlist regex") for r in _str_list(ctx, where, raw, "regexes"))
    paths = tuple(_rx(ctx, where, p, "allowlist path") for p in _str_list(ctx, where, raw, "paths"))
    commits = frozenset(c.strip().lower() for c in _str_list(ctx, where, raw, "commits"))
    stopwords = tuple(dict.fromkeys(w.lower() for w in _str_list(ctx, where, raw, "stopwords")))
    targets = tuple(_str_list(ctx, where, raw, "targetRules")) if global_ else ()
    if not (regexes or paths or commits or stopwords):
        raise ctx.err(where, "an allowlist must contain at least one of commits, paths, regexes or stopwords")
    return Allowlist(str(raw.get("description", "")), cond in ("AND", "&&"), target, regexes, paths, commits,
                     stopwords, targets)


def _rule(ctx: _Ctx, index: int, raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise ctx.err(f"rule #{index + 1}", "each [[rules]] entry must be a table")
    rule_id = str(raw.get("id", "") or "").strip()
    where = f"rule {rule_id!r}" if rule_id else f"rule #{index + 1}"
    if not rule_id:
        hint = f" (description: {str(raw.get('description'))[:60]!r})" if raw.get("description") else ""
        raise ctx.err(where, f"the rule has no id{hint}")
    regex = _rx(ctx, where, raw["regex"], "regex") if raw.get("regex") else None
    path = _rx(ctx, where, raw["path"], "path") if raw.get("path") else None
    if regex is None and path is None:
        raise ctx.err(where, "both regex and path are empty, so this rule would never match")
    group = raw.get("secretGroup", 0) or 0
    if not isinstance(group, int) or group < 0:
        raise ctx.err(where, f"secretGroup must be a whole number, not {group!r}")
    if regex is not None and group > regex.groups:
        raise ctx.err(where, f"secretGroup {group} is larger than the regex's {regex.groups} capture groups")
    entropy = raw.get("entropy", 0) or 0
    if not isinstance(entropy, int | float) or isinstance(entropy, bool) or entropy < 0:
        raise ctx.err(where, f"entropy must be a number of bits per character, not {entropy!r}")
    keywords = tuple(dict.fromkeys(k.lower() for k in _str_list(ctx, where, raw, "keywords") if k))
    tags = tuple(_str_list(ctx, where, raw, "tags"))
    lists_raw = raw.get("allowlists", [])
    if "allowlist" in raw:
        if lists_raw:
            raise ctx.err(where, "[rules.allowlist] cannot be used alongside [[rules.allowlists]]")
        lists_raw = [raw["allowlist"]]
    if not isinstance(lists_raw, list):
        raise ctx.err(where, "allowlists must be a list of tables ([[rules.allowlists]])")
    allowlists = tuple(_allowlist(ctx, f"{where}, allowlist #{i + 1}", a, False) for i, a in enumerate(lists_raw))
    required: list[Required] = []
    for i, req in enumerate(raw.get("required", []) or []):
        if not isinstance(req, dict) or not str(req.get("id", "")).strip():
            raise ctx.err(where, f"[[rules.required]] #{i + 1} has no rule id")
        lines, cols = req.get("withinLines"), req.get("withinColumns")
        for name, v in (("withinLines", lines), ("withinColumns", cols)):
            if v is not None and (not isinstance(v, int) or v < 0):
                raise ctx.err(where, f"[[rules.required]] {name} must be a whole number")
        required.append(Required(str(req["id"]).strip(), lines, cols))
    return Rule(rule_id, str(raw.get("description", "")), regex, path, group, float(entropy), keywords, tags,
                allowlists, tuple(required), bool(raw.get("skipReport", False)), ctx.source)


@dataclass(slots=True)
class _Parsed:
    rules: list[Rule]
    allowlists: list[Allowlist]
    targeted: list[Allowlist]
    use_default: bool
    disabled: list[str]


def _parse(text: str, source: str) -> _Parsed:
    ctx = _Ctx(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ctx.err("", f"not valid TOML ({exc})") from None
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise ctx.err("", "rules must be an array of tables ([[rules]])")
    rules = [_rule(ctx, i, r) for i, r in enumerate(raw_rules)]
    seen: dict[str, int] = {}
    for i, r in enumerate(rules):
        if r.id in seen:
            raise ctx.err(f"rule {r.id!r}", f"the id is used twice (rules #{seen[r.id] + 1} and #{i + 1})")
        seen[r.id] = i
    lists_raw = data.get("allowlists", [])
    if "allowlist" in data:
        if lists_raw:
            raise ctx.err("", "[allowlist] cannot be used alongside [[allowlists]]")
        lists_raw = [data["allowlist"]]
    if not isinstance(lists_raw, list):
        raise ctx.err("", "allowlists must be a list of tables ([[allowlists]])")
    lists = [_allowlist(ctx, f"global allowlist #{i + 1}", a, True) for i, a in enumerate(lists_raw)]
    extend = data.get("extend", {}) or {}
    if not isinstance(extend, dict):
        raise ctx.err("", "[extend] must be a table")
    if extend.get("path") or extend.get("url"):
        raise ctx.err("[extend]", "extending another file by path or URL is not supported; "
                                  "merge the rules into one file, or use useDefault = true")
    disabled = _str_list(ctx, "[extend]", extend, "disabledRules")
    return _Parsed(rules, [a for a in lists if not a.target_rules], [a for a in lists if a.target_rules],
                   bool(extend.get("useDefault", False)), disabled)


def _finish(parsed_rules: list[Rule], allowlists: list[Allowlist], targeted: list[tuple[str, Allowlist]],
            source: str) -> tuple[list[Rule], list[Allowlist]]:
    by_id = {r.id: r for r in parsed_rules}
    for owner, a in targeted:
        for rid in a.target_rules:
            if rid not in by_id:
                raise RuleFileError(f"{owner}: [[allowlists]] targets the rule {rid!r}, which does not exist")
            by_id[rid] = replace(by_id[rid], allowlists=by_id[rid].allowlists + (a,))
    for r in by_id.values():
        for req in r.required:
            if req.rule_id not in by_id:
                raise RuleFileError(f"{r.source or source}: rule {r.id!r}: [[rules.required]] names the rule "
                                    f"{req.rule_id!r}, which does not exist")
    return list(by_id.values()), allowlists


def _merge_rule(base: Rule, over: Rule) -> Rule:
    # gitleaks [extend] semantics: the extending file's fields win, lists are combined
    return replace(
        base,
        description=over.description or base.description,
        regex=over.regex or base.regex,
        path=over.path or base.path,
        secret_group=over.secret_group or base.secret_group,
        entropy=over.entropy or base.entropy,
        keywords=tuple(dict.fromkeys(base.keywords + over.keywords)),
        tags=tuple(dict.fromkeys(base.tags + over.tags)),
        allowlists=base.allowlists + over.allowlists,
        required=over.required or base.required,
        skip_report=over.skip_report or base.skip_report,
        source=over.source,
    )


def _asset(name: str) -> str:
    return resources.files("launchready_tui").joinpath("assets", "rules", name).read_text(encoding="utf-8")


@functools.cache
def _asset_parsed(name: str) -> _Parsed:
    return _parse(_asset(name), f"launchready_tui/assets/rules/{name}")


@functools.cache
def load_meta() -> dict[str, RuleMeta]:
    data = tomllib.loads(_asset(META_FILE))
    out: dict[str, RuleMeta] = {}
    for rid, m in (data.get("rules") or {}).items():
        out[rid] = RuleMeta(provider=m.get("provider") or _provider_from_id(rid), severity=m.get("severity", "high"),
                            public=bool(m.get("public", False)), why_public=m.get("why_public", ""),
                            rotate=m.get("rotate", ""))
    return out


def read_rule_file(path: Path) -> str:
    try:
        if path.stat().st_size > _MAX_RULE_FILE:
            raise RuleFileError(f"{path}: larger than {_MAX_RULE_FILE // 1024 // 1024} MB; not a rule file")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleFileError(f"{path}: no such rule file") from None
    except IsADirectoryError:
        raise RuleFileError(f"{path}: is a folder, not a rule file") from None
    except UnicodeDecodeError:
        raise RuleFileError(f"{path}: not UTF-8 text, so not a TOML rule file") from None
    except OSError as exc:
        raise RuleFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def build_ruleset(user_files: list[tuple[str, str]] | None = None, *, base: str | None = DEFAULT_RULES) -> RuleSet:
    """Our curated rules (``base``), extended by user files given as (source name, TOML text).

    A user rule with the id of an existing rule refines it (gitleaks ``[extend]`` semantics); a user file
    with ``[extend] useDefault = true`` also brings in gitleaks' full default set; ``disabledRules`` drops
    rules from whatever was loaded before.
    """
    rules: dict[str, Rule] = {}
    allowlists: list[Allowlist] = []
    targeted: list[tuple[str, Allowlist]] = []
    sources: list[str] = []

    def add(parsed: _Parsed, source: str) -> None:
        for r in parsed.rules:
            rules[r.id] = _merge_rule(rules[r.id], r) if r.id in rules else r
        allowlists.extend(parsed.allowlists)
        targeted.extend((source, a) for a in parsed.targeted)
        for rid in parsed.disabled:
            rules.pop(rid, None)
        sources.append(source)

    if base:
        add(_asset_parsed(base), f"built-in {base}")
    for source, text in user_files or []:
        parsed = _parse(text, source)
        if parsed.use_default and GITLEAKS_RULES not in " ".join(sources):
            gl = _asset_parsed(GITLEAKS_RULES)
            for r in gl.rules:
                rules.setdefault(r.id, r)
            allowlists.extend(gl.allowlists)
            sources.append(f"built-in {GITLEAKS_RULES}")
        add(parsed, source)
    final, lists = _finish(list(rules.values()), allowlists, targeted, sources[-1] if sources else "rules")
    return RuleSet(final, lists, sources, load_meta(), recipe=("build", tuple(user_files or ()), base))


def ruleset_from_text(text: str, source: str = "rules.toml") -> RuleSet:
    """Exactly the rules of one file (no built-in base): for tests and for scanning with gitleaks' own set."""
    parsed = _parse(text, source)
    final, lists = _finish(parsed.rules, parsed.allowlists, [(source, a) for a in parsed.targeted], source)
    return RuleSet(final, lists, [source], load_meta(), recipe=("text", text, source))


def ruleset_from_recipe(recipe: tuple[Any, ...]) -> RuleSet:
    """The RuleSet a ``RuleSet.recipe`` describes (ValueError for an empty or unknown one)."""
    if recipe and recipe[0] == "build":
        return build_ruleset(list(recipe[1]), base=recipe[2])
    if recipe and recipe[0] == "text":
        return ruleset_from_text(recipe[1], recipe[2])
    raise ValueError("this rule set cannot be rebuilt")


def builtin_ruleset(name: str = DEFAULT_RULES) -> RuleSet:
    return ruleset_from_text(_asset(name), f"built-in {name}")
