"""The apps import each other in one direction only (ARCHITECTURE.md):

    config → editorial → assistant → transfers → actors, sources → common
    config → explorer → transfers → actors, sources → common

`common/` is the ground floor and imports no app; `actors` and `sources`
import neither each other nor `transfers`; nothing but `config` imports
`editorial` or `explorer`. Every import counts, at the top of a module or inside a
function, absolute or relative, migrations included."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Each first-party package, and the first-party packages it may import.
MAY_IMPORT = {
    "common": set(),
    "actors": {"common"},
    "sources": {"common"},
    "transfers": {"common", "actors", "sources"},
    "assistant": {"common", "actors", "sources", "transfers"},
    "editorial": {"common", "actors", "sources", "transfers", "assistant"},
    # The public pages read the records; no app imports them.
    "explorer": {"common", "actors", "sources", "transfers"},
    "config": {"common", "actors", "sources", "transfers", "assistant", "editorial", "explorer"},
}


def imported_packages(source: str, path: Path) -> set[tuple[int, str]]:
    """(line, first-party package) of every import in `source`, the module at
    `path` (relative to the repository)."""
    package = path.parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the module's package
                base = package[: len(package) - node.level + 1]
                names = [".".join([*base, node.module] if node.module else base)]
            else:
                names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in MAY_IMPORT:
                found.add((node.lineno, top))
    return found


def _modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def test_every_package_exists():
    for package in MAY_IMPORT:
        assert (ROOT / package / "__init__.py").exists(), package


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_imports_go_one_way(package):
    wrong = []
    for module in _modules(package):
        relative = module.relative_to(ROOT)
        for line, imported in imported_packages(module.read_text(encoding="utf-8"), relative):
            if imported != package and imported not in MAY_IMPORT[package]:
                wrong.append(f"{relative}:{line} imports {imported}")
    assert not wrong, "\n".join(sorted(wrong))


def test_the_walk_sees_every_kind_of_import():
    """The check above can fail: each form of import is seen, and relative
    ones are resolved to their package."""
    source = (
        "import transfers.models\n"
        "from actors import models\n"
        "def lazy():\n"
        "    from editorial.merges import actor_merge\n"
        "from ..transfers import x\n"
        "from . import views\n"
        "import json\n"
    )
    assert imported_packages(source, Path("sources/api/serializers.py")) == {
        (1, "transfers"),
        (2, "actors"),
        (4, "editorial"),
        (5, "sources"),  # sources/api/.. is sources: `..transfers` is sources.transfers
        (6, "sources"),
    }
    assert imported_packages("from .. import x\n", Path("common/api/views.py")) == {(1, "common")}
