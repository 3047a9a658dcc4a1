"""The docs name only paths that exist: a renamed module or a removed file fails here.

Checked in README.md and docs/*.md: a markdown link to a local file, and a code span that
starts with a top-level entry of the repository (``infra/stage.py``, ``lambdas/api/``) or with
``strata/`` (the library, under layers/strata/python), must name an existing file or folder (a
pytest node id ``tests/x.py::test_y`` names its file).
Placeholders (``lambdas/<fn>/``, ``{env}``, globs) and generated output (cdk.out, build,
.strata-local) are not paths to check. In the docs and the code, a capitalised document name
(``ARCHITECTURE.md``) must be one of the repository's, and no text may lean on shorthand only
its authors know (the design brief's source documents by number, review item numbers).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "layers" / "strata" / "python"
GENERATED = {"cdk.out", "build", ".strata-local", "node_modules", ".venv"}
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")
PLACEHOLDER = re.compile(r"[<>{}*$]|\.\.\.")
DOCUMENT_NAME = re.compile(r"\b[A-Z][A-Z_]+\.md\b")
SHORTHAND = re.compile(r"\bseeds? 0\d\d\b|\bH\d\b")
SOURCES = (
    "app.py",
    "infra",
    "lambdas",
    "layers/strata/python",
    "local",
    "ops",
    "migrations",
    "tests",
)


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def texts() -> list[Path]:
    """Every doc and Python source whose prose a reader meets."""
    this = Path(__file__).resolve()
    sources = [
        path
        for entry in SOURCES
        for path in ([ROOT / entry] if entry.endswith(".py") else (ROOT / entry).rglob("*.py"))
        if path.resolve() != this and not GENERATED & set(path.relative_to(ROOT).parts)
    ]
    return [*documents(), *sorted(sources)]


def _top_level() -> set[str]:
    return {p.name for p in ROOT.iterdir() if p.name not in GENERATED and p.name != ".git"}


def named_paths(text: str) -> set[str]:
    """Repository paths a document names, in links and code spans."""
    top = _top_level() | {"strata"}
    found = set()
    for target in LINK.findall(text):
        if "://" in target or target.startswith(("#", "mailto:")):
            continue
        found.add("link:" + target.split("#", 1)[0])
    for span in CODE.findall(text):
        # A pytest node id (``tests/x.py::test_y``) names the file before its ``::``.
        candidate = span.split("::", 1)[0].rstrip(".,:;)")
        head = candidate.split("/", 1)[0]
        generated = GENERATED & set(candidate.split("/"))
        if PLACEHOLDER.search(candidate) or generated or head not in top:
            continue
        if "/" in candidate or "." in candidate:
            found.add(candidate)
    return found


def missing(document: Path) -> list[str]:
    absent = []
    for name in sorted(named_paths(document.read_text(encoding="utf-8"))):
        if name.startswith("link:"):
            target = name.removeprefix("link:")
            exists = (document.parent / target).exists() if target else True
        elif name.startswith("strata/") or name == "strata":
            exists = (LIBRARY / name).exists()
        else:
            exists = (ROOT / name).exists()
        if not exists:
            absent.append(name)
    return absent


def test_every_path_a_doc_names_exists() -> None:
    problems = {
        doc.relative_to(ROOT).as_posix(): absent for doc in documents() if (absent := missing(doc))
    }
    assert problems == {}


def test_docs_and_code_name_only_documents_of_the_repository() -> None:
    known = {p.name for p in documents()}
    problems = {
        path.relative_to(ROOT).as_posix(): sorted(set(names) - known)
        for path in texts()
        if set(names := DOCUMENT_NAME.findall(path.read_text(encoding="utf-8"))) - known
    }
    assert problems == {}


def test_no_internal_shorthand_in_docs_or_code() -> None:
    problems = {
        path.relative_to(ROOT).as_posix(): found
        for path in texts()
        if (found := SHORTHAND.findall(path.read_text(encoding="utf-8")))
    }
    assert problems == {}


def test_the_check_sees_a_missing_path(tmp_path: Path) -> None:
    # Given a document naming one real and two missing paths
    doc = tmp_path / "doc.md"
    doc.write_text(
        "See `infra/stage.py`, `infra/no_such.py`, [design](../DESIGN.md) and `lambdas/<fn>/`.",
        encoding="utf-8",
    )
    # Then only the missing ones are reported (the placeholder is not a path)
    assert missing(doc) == ["infra/no_such.py", "link:../DESIGN.md"]


def test_a_pytest_node_id_is_checked_by_its_file(tmp_path: Path) -> None:
    # Given a document naming a test of a real file and a test of a missing one
    doc = tmp_path / "doc.md"
    doc.write_text(
        "Failed: `tests/unit/test_doc_paths.py::test_x` and `tests/unit/gone.py::test_y`.",
        encoding="utf-8",
    )
    # Then only the missing file is reported
    assert missing(doc) == ["tests/unit/gone.py"]
