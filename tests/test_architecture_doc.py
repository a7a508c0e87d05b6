"""docs/architecture.md stays a true map: every module, handler and ASL file it names exists, and its
index covers each section of domain.md (§1–§7)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
PACKAGE = ROOT / "layers" / "kokuho" / "python"
LOCAL = ROOT / "local"  # kokuho_local, the development package
# Folders of a working copy that are not the project's (.gitignore)
IGNORED_FOLDERS = {"build", "cdk.out", "out", "__pycache__"}


def _module_exists(dotted: str) -> bool:
    """kokuho.a.b is a module or package, or names an attribute of one (kokuho.premium.compute_case)."""
    parts = dotted.split(".")
    root = LOCAL if parts[0] == "kokuho_local" else PACKAGE
    for n in range(len(parts), 1, -1):
        base = root.joinpath(*parts[:n])
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            rest = parts[n:]
            if not rest:
                return True
            source = (base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py")
            return len(rest) == 1 and re.search(rf"^(def |class |){rest[0]}\b", source.read_text(), re.M) is not None
    return False


def test_every_module_the_map_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    modules = set(re.findall(r"`(kokuho(?:_local)?(?:\.\w+)+)`", text))
    assert len(modules) > 40  # the scan sees the map
    missing = sorted(m for m in modules if not _module_exists(m))
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


def test_every_file_the_map_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    files = set(re.findall(r"`((?:functions|statemachines|infra)/[\w/.]+\.(?:py|json))`", text))
    files |= {f"layers/kokuho/python/{p}" for p in re.findall(r"`(kokuho/data/[\w/.]+\.json)`", text)}
    assert files
    assert not sorted(f for f in files if not (ROOT / f).is_file())


def test_the_index_covers_every_section_of_domain_md() -> None:
    index = DOC.read_text(encoding="utf-8").split("## Index", 1)[1]
    assert {int(n) for n in re.findall(r"^\| §(\d)", index, re.M)} == set(range(1, 8))


def test_the_readme_layout_lists_the_top_level_folders() -> None:
    """README "Layout" names each tracked top-level folder, and only folders that exist."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Layout", 1)[1].split("```")[1]
    listed = set(re.findall(r"^(\w[\w-]*)/", section, re.M))
    tracked = {p.name for p in ROOT.iterdir()
               if p.is_dir() and not p.name.startswith(".") and p.name not in IGNORED_FOLDERS
               and not p.name.endswith(".egg-info")}
    assert listed == tracked, f"in the tree, not in the layout: {sorted(tracked - listed)}; " \
                              f"in the layout, not in the tree: {sorted(listed - tracked)}"


def _layout_entries() -> dict[str, set[str]]:
    """README "Layout": each top-level entry (`name/` at the line's start, `.ci/` included) and the entries
    indented under it (`  name/` or `  name.py`)."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Layout", 1)[1].split("```")[1]
    entries: dict[str, set[str]] = {}
    parent = ""
    for line in section.splitlines():
        top = re.match(r"^([.\w][\w.-]*/)", line)
        child = re.match(r"^ {2,}([\w.-]+/?)\s", line)
        if top:
            parent = top.group(1).rstrip("/")
            entries[parent] = set()
        elif child and parent:
            entries[parent].add(child.group(1).rstrip("/"))
    return entries


def _tracked(folder: str) -> set[str]:
    """What git tracks directly in `folder`: its files and subfolders (an untracked scratch file is not the
    project's)."""
    import subprocess

    out = subprocess.run(["git", "ls-files", "--", folder], cwd=ROOT, capture_output=True, text=True, check=True)
    return {p.removeprefix(f"{folder}/").split("/", 1)[0] for p in out.stdout.splitlines()}


def test_the_readme_layout_lists_the_hidden_folders_the_packages_and_the_areas() -> None:
    """The layout matches the tree one level down where a newcomer looks first: the CI folder, every
    package of the layer's `kokuho`, every handler area of functions/, every part of the local platform."""
    entries = _layout_entries()
    hidden = {p.split("/", 1)[0] for p in _tracked(".") if p.startswith(".") and p != ".gitignore"}
    assert hidden <= entries.keys(), f"hidden folders not in the layout: {sorted(hidden - entries.keys())}"
    expected = {
        "layers": {p for p in _tracked("layers/kokuho/python/kokuho") if "." not in p},
        "functions": _tracked("functions"),
        "local": {p.removesuffix(".py") for p in _tracked("local/kokuho_local") if p != "__init__.py"},
    }
    for parent, names in expected.items():
        listed = {n.removesuffix(".py") for n in entries.get(parent, set())}
        assert listed == names, f"{parent}: in the tree, not in the layout: {sorted(names - listed)}; " \
                                f"in the layout, not in the tree: {sorted(listed - names)}"
