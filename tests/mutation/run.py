"""``make mutation``: mutmut over the modules whose tests must be able to fail.

mutmut 3 mutates a copy of the code in ``mutants/`` and imports it from there, which works for
code under ``./``, ``src/`` or ``source/`` only. The library lives in ``layers/strata/python``,
so this script lays out a workspace (``.mutation/``, ignored by git) with the package under
``src/`` and the unit tests beside it, runs ``mutmut run`` there (forked workers, each mutant
against only the tests that reach its function), then reports the score and every survivor and
fails below :data:`MINIMUM_SCORE`. Survivors judged equivalent are listed, with why, in
docs/DECISIONS.md ("Issue 8: mutation testing").

    python tests/mutation/run.py [--max-children N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / ".mutation"
PACKAGE = ROOT / "layers" / "strata" / "python" / "strata"
MINIMUM_SCORE = 0.90

MUTATED = [
    "src/strata/auth/caller.py",
    "src/strata/auth/policy.py",
    "src/strata/auth/directory.py",
    "src/strata/store/keys.py",
    "src/strata/store/tokens.py",
    "src/strata/store/paging.py",
    "src/strata/documents/sniff.py",
]
TESTS = [
    "tests/unit/auth",
    "tests/unit/test_ids.py",
    "tests/unit/store/test_keys.py",
    "tests/unit/store/test_key_shapes.py",
    "tests/unit/store/test_tokens.py",
    "tests/unit/store/test_token_edges.py",
    "tests/unit/store/test_paging.py",
    "tests/unit/documents/test_sniff.py",
    "tests/unit/documents/test_sniff_edges.py",
    "tests/unit/documents/test_sniff_contract.py",
]

PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = [".", {root}]
addopts = "-q -p no:cacheprovider --import-mode=importlib"
filterwarnings = ["ignore::DeprecationWarning"]

[tool.mutmut]
source_paths = ["src/strata"]
only_mutate = {sources}
pytest_add_cli_args_test_selection = {tests}
"""


def lay_out_workspace() -> None:
    """A fresh ``.mutation/``: the package under ``src/``, the tests, and the configuration."""
    shutil.rmtree(WORKSPACE, ignore_errors=True)
    (WORKSPACE / "src").mkdir(parents=True)
    shutil.copytree(PACKAGE, WORKSPACE / "src" / "strata", ignore=_caches)
    shutil.copytree(ROOT / "tests", WORKSPACE / "tests", ignore=_caches)
    (WORKSPACE / "pyproject.toml").write_text(
        PYPROJECT.format(
            root=json.dumps(str(ROOT)), sources=json.dumps(MUTATED), tests=json.dumps(TESTS)
        )
    )


def _caches(_: str, names: list[str]) -> list[str]:
    return [name for name in names if name in {"__pycache__", ".pytest_cache", ".mypy_cache"}]


def mutmut(*arguments: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("mutmut")
    return subprocess.run(  # noqa: S603 - our own venv's mutmut, fixed arguments
        [str(executable), *arguments], cwd=WORKSPACE, text=True, capture_output=True, check=False
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-children", type=int, default=2)
    options = parser.parse_args()

    lay_out_workspace()
    run = mutmut("run", "--max-children", str(options.max_children))
    (WORKSPACE / "run.log").write_text(run.stdout + run.stderr)
    stats = mutmut("export-cicd-stats")
    if stats.returncode != 0:
        print(run.stdout[-3000:], run.stderr[-3000:], stats.stderr, sep="\n")
        return 2
    counts = json.loads((WORKSPACE / "mutants" / "mutmut-cicd-stats.json").read_text())
    killed = counts["killed"]
    # Timeouts count as killed (the mutant hung the code under test); mutants no test reaches
    # count as survivors.
    killed += counts.get("timeout", 0)
    judged = killed + counts["survived"] + counts.get("no_tests", 0) + counts.get("suspicious", 0)
    score = killed / judged if judged else 0.0
    print(json.dumps(counts, indent=2))
    print(f"killed {killed} of {judged} mutants: {score:.1%} (minimum {MINIMUM_SCORE:.0%})")
    survivors = [
        line.split(":")[0].strip()
        for line in mutmut("results").stdout.splitlines()
        if line.strip().endswith(("survived", "no tests", "suspicious"))
    ]
    for name in survivors:
        print(mutmut("show", name).stdout)
    return 0 if score >= MINIMUM_SCORE else 1


if __name__ == "__main__":
    raise SystemExit(main())
