"""Container states, roles and storage kinds are declared once, in nicu_milk/vocabulary.py.

A second list of them (a tuple in a page, a Literal in the API, a dict in a template) would
drift from the first the day a state is added; these tests find one if it creeps back.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import get_args

import pytest

from nicu_milk import vocabulary
from nicu_milk.api import responses, schemas

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "nicu_milk").rglob("*.py"))
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
VOCABULARIES = {
    "container states": set(vocabulary.CONTAINER_STATES),
    "roles": set(vocabulary.ROLES),
    "storage kinds": set(vocabulary.LOCATION_KINDS),
}
# A collection of at least this many names of one vocabulary, and nothing else, restates it.
AT_LEAST = 3
# Mappings keyed by a vocabulary that must stay elsewhere; each is checked to cover it all.
ALLOWED = {("nicu_milk/web/auth.py", "START_PAGES"), ("nicu_milk/policy.py", "_STORAGE_WORDS")}


def _literal_strings(node: ast.AST) -> list[str] | None:
    """The strings of a literal tuple, list, set, dict's keys or Literal[...], else None."""
    if isinstance(node, ast.Dict):
        items = node.keys
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = node.elts
    else:
        return None
    if not items or not all(
        isinstance(i, ast.Constant) and isinstance(i.value, str) for i in items
    ):
        return None
    return [i.value for i in items]


def _restatements(path: Path) -> list[str]:
    relative = path.relative_to(ROOT).as_posix()
    if relative == "nicu_milk/vocabulary.py" or "/migrations/" in relative:
        return []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    named = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            named[id(node.value)] = node.targets[0].id
    found = []
    for node in ast.walk(tree):
        strings = _literal_strings(node)
        if strings is None or (relative, named.get(id(node))) in ALLOWED:
            continue
        for what, words in VOCABULARIES.items():
            if len(strings) >= AT_LEAST and set(strings) <= words:
                found.append(f"{relative}:{node.lineno} lists {what} {strings}")
    return found


def test_no_module_but_vocabulary_lists_the_states_roles_or_kinds():
    found = [line for path in SOURCES for line in _restatements(path)]
    assert found == [], "declare these in nicu_milk/vocabulary.py and derive from it:\n" + (
        "\n".join(found)
    )


QUOTED = re.compile(r"""['"]([a-z_]+)['"]""")


def test_no_template_lists_the_states_roles_or_kinds():
    found = []
    for path in TEMPLATES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            quoted = set(QUOTED.findall(line))
            for what, words in VOCABULARIES.items():
                if len(quoted & words) >= AT_LEAST:
                    found.append(f"{path.relative_to(ROOT)}:{number} lists {what}")
    assert found == []


def test_the_guard_finds_a_restated_list(tmp_path):
    """The check above can fail: a module that lists the states again is caught."""
    planted = ROOT / "nicu_milk" / "_planted_for_the_test.py"
    planted.write_text('LEFT = ("fresh", "frozen", "thawed", "consumed")\n', encoding="utf-8")
    try:
        assert _restatements(planted) == [
            "nicu_milk/_planted_for_the_test.py:1 lists container states "
            "['fresh', 'frozen', 'thawed', 'consumed']"
        ]
    finally:
        planted.unlink()


def test_the_allowed_mappings_cover_their_vocabulary():
    from nicu_milk.policy import _STORAGE_WORDS
    from nicu_milk.web.auth import START_PAGES

    # Every role that signs in to pages; a sensor gateway only posts readings to the API.
    assert set(START_PAGES) == set(vocabulary.ROLES) - {vocabulary.DEVICE}
    assert set(_STORAGE_WORDS) == set(vocabulary.LOCATION_KINDS)


@pytest.mark.parametrize(
    ("declared", "derived"),
    [
        (
            vocabulary.CONTAINER_STATES,
            get_args(responses.ContainerSummary.model_fields["state"].annotation),
        ),
        (vocabulary.ROLES, get_args(responses.UserOut.model_fields["role"].annotation)),
        (vocabulary.ROLES, get_args(schemas.UserCreate.model_fields["role"].annotation)),
        (
            vocabulary.LOCATION_KINDS,
            get_args(responses.LocationOut.model_fields["kind"].annotation),
        ),
    ],
)
def test_the_api_types_are_the_vocabulary(declared, derived):
    assert derived == declared


def test_every_state_has_words_and_a_badge_and_the_subsets_partition_them():
    assert set(vocabulary.IN_INVENTORY) | set(vocabulary.GONE) == set(vocabulary.CONTAINER_STATES)
    assert not set(vocabulary.IN_INVENTORY) & set(vocabulary.GONE)
    assert set(vocabulary.ON_HAND) == set(vocabulary.IN_INVENTORY) - {"reserved"}
    for words in vocabulary.STATES.values():
        assert words.words and words.badge in ("plain", "info", "frozen", "stop")
