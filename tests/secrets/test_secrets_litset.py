"""litset.WordSearch gives ``regex.search``'s answer on every allowlist regex of both shipped rule sets,
for texts built from the regexes' own words, case games, non-ASCII look-alikes and random noise."""

from __future__ import annotations

import random
import re
import string

from launchready_tui.checks.secrets.litset import WordSearch, _plan, any_search
from launchready_tui.checks.secrets.rules import builtin_ruleset

WORDS = ["access", "accessor", "accessibility", "api_id", "API-NAME", "apiVersion", "keyboard", "KeyPress", "key.up",
         "monkey", "Monkey", "MONKEY", "mOnkey", "turkey", "csrf_token", "io.jsonwebtoken: x", "A_B=\nC_D=\n",
         "a.b=\nc.d=", "foo-api-bar:jar:", "public.token", "secret_size", "key.vault.id", "keyVaultToStoreSecrets",
         "withCredentials", "UserSecretsId", "Kelvin_\u212aey", "\u017fecret_name", "change_me", "your-key", "xxxxxx",
         "example", "placeholder", "true", "${FOO}", "{{ x }}", "%s", "/usr/bin/x", "rapid", "capital", "author"]


def _regexes() -> list[re.Pattern[str]]:
    out: dict[tuple[str, int], re.Pattern[str]] = {}
    for name in ("launchready.toml", "gitleaks.toml"):
        rs = builtin_ruleset(name)
        lists = list(rs.allowlists) + [a for r in rs.rules for a in r.allowlists]
        for a in lists:
            for r in a.regexes:
                out[(r.pattern, r.flags)] = r
    return list(out.values())


def test_same_answers_as_the_regex() -> None:
    rng = random.Random(3)
    texts = [w for w in WORDS] + [w.upper() for w in WORDS] + [w.swapcase() for w in WORDS]
    for _ in range(6000):
        parts = [rng.choice(WORDS) if rng.random() < 0.6 else
                 "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 6)))
                 for _ in range(rng.randint(1, 5))]
        texts.append("".join(p.swapcase() if rng.random() < 0.3 else p for p in parts))
    accelerated = 0
    for regex in _regexes():
        words = WordSearch(regex)
        accelerated += words.accelerated
        wrong = [t for t in texts if words.search(t) != (regex.search(t) is not None)]
        assert wrong == [], (regex.pattern[:60], wrong[:3])
    assert accelerated >= 1  # generic-api-key's context regex at least


def test_generic_context_regex_is_mostly_words() -> None:
    rule = next(r for r in builtin_ruleset().rules if r.id == "generic-api-key")
    big = max((x for a in rule.allowlists for x in a.regexes), key=lambda x: len(x.pattern))
    plan = _plan(big)
    assert plan is not None
    words, rest = plan
    assert {"keyboard", "key_press", "csrf-token", "apiversion"} <= words
    # case-sensitive and open-ended branches stay regexes, each behind a word it cannot match without
    gates = {needs: branch.pattern for needs, branch in rest}
    assert frozenset({"onkey"}) in gates and frozenset({":jar:"}) in gates and frozenset({"=\n"}) in gates


def test_joined_allowlist_regexes_answer_like_each_one() -> None:
    """any_search: the regexes of one allowlist joined into one give any()'s answer (global list: 13)."""
    rng = random.Random(4)
    texts = WORDS + ["true", "FALSE", "null", "aaaa", "****", "$1", "${1}", "$FOO", "${foo_bar}", "{{ .Values.x }}",
                     "${{ secrets.TOKEN }}", "%FOO%", "%s", "%-d", "{0}", "@FOO@", "/Users/me/x", "/usr/lib/x",
                     "--mount=type=secret,id=x", "import { a, b } from 'x'", 'LICENSE = "MIT"', 'SRC = "abc123"']
    for _ in range(4000):
        texts.append("".join(rng.choice(texts[:40] + list(string.printable)) for _ in range(rng.randint(1, 4))))
    joined = 0
    for name in ("launchready.toml", "gitleaks.toml"):
        rs = builtin_ruleset(name)
        for allow in list(rs.allowlists) + [a for r in rs.rules for a in r.allowlists]:
            regexes = list(allow.regexes)
            one = any_search(regexes)
            if one is None:
                continue
            joined += 1
            wrong = [t for t in texts if (one.search(t) is not None) != any(r.search(t) for r in regexes)]
            assert wrong == [], (regexes[0].pattern[:40], wrong[:3])
    assert joined >= 6
