"""Issue 15, point 7: checkov over the synthesized templates, beside cdk-nag.

Every finding must be accepted in infra/checkov.json with its reason (and docs/RELIABILITY.md
must give the same reasons): a new finding fails the test until it is fixed in infra/ or
accepted there. The findings fixed in infra/ are listed there too, with how: checkov must pass
each of them (a fixed finding that comes back fails the test). The short form scans dev and the
account stack (the session's synthesis, tests/infra/conftest.py); the long form
(``RELIABILITY_FORM=long``, ``make reliability``) every environment, and also fails on an
accepted entry that no longer matches anything.

checkov runs from its own virtualenv, ``.venv/checkov`` (``make test``; requirements-checkov.txt
says why it cannot share ours), on the templates only, with no download of policies.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from tests.infra.conftest import Synthesized
from tests.reliability.frame import from_environment

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED = ROOT / "infra" / "checkov.json"
RELIABILITY_DOC = ROOT / "docs" / "RELIABILITY.md"
CHECKOV = Path(sys.executable).parent.parent / "checkov" / "bin" / "checkov"


def accepted() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(ACCEPTED.read_text(encoding="utf-8"))["accepted"]
    return entries


def fixed() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(ACCEPTED.read_text(encoding="utf-8"))["fixed"]
    return entries


def templates(synthesized: Synthesized, environments: list[str], into: Path) -> int:
    """Copy the stacks' templates (no assets) of ``environments`` and the account stack."""
    copied = 0
    sources = [synthesized.outdir] + [
        synthesized.outdir / f"assembly-strata-{env}" for env in environments
    ]
    for folder in sources:
        for template in folder.glob("*.template.json"):
            target = into / folder.name
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(template, target / template.name)
            copied += 1
    return copied


def scan(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """checkov's (failed, passed) checks over the templates in ``folder``."""
    assert CHECKOV.exists(), f"checkov is not installed at {CHECKOV}: make test installs it"
    completed = subprocess.run(  # noqa: S603 (our pinned checkov, fixed arguments)
        [
            str(CHECKOV),
            "--directory",
            str(folder),
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--compact",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    # Exit 1 means findings; anything else (2: a usage or parse error) is not a scan.
    assert completed.returncode in (0, 1), completed.stderr[-2000:]
    report = json.loads(completed.stdout or "[]")
    reports = report if isinstance(report, list) else [report]
    failed: list[dict[str, Any]] = []
    passed: list[dict[str, Any]] = []
    for one in reports:
        if not one:  # checkov's empty report of a framework with nothing to scan
            continue
        assert one["summary"]["parsing_errors"] == 0, one["summary"]
        failed.extend(one["results"]["failed_checks"])
        passed.extend(one["results"]["passed_checks"])
    return failed, passed


def matching(finding: dict[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    for entry in entries:
        prefixes = entry["resources"]
        if entry["check"] == finding["check_id"] and any(
            str(finding["resource"]).startswith(prefix) for prefix in prefixes
        ):
            return entry
    return None


def test_every_accepted_finding_has_its_reason_in_the_reliability_doc() -> None:
    doc = " ".join(RELIABILITY_DOC.read_text(encoding="utf-8").split())
    for entry in accepted():
        assert entry["reason"].strip(), entry["check"]
        assert f"`{entry['check']}`" in doc, entry["check"]
        assert " ".join(entry["reason"].split()) in doc, entry["check"]
    for entry in fixed():
        assert entry["how"].strip(), entry["check"]
        assert " ".join(entry["how"].split()) in doc, entry["check"]
        # And no accepted entry would hide the fixed finding coming back
        finding = {"check_id": entry["check"], "resource": entry["resources"][0]}
        assert matching(finding, accepted()) is None, entry["check"]


def test_checkov_finds_nothing_unaccepted_in_the_templates(
    synthesized: Synthesized, tmp_path: Path
) -> None:
    frame = from_environment("tests/infra/test_checkov.py")
    environments = ["dev", "staging", "prod"] if frame.long else ["dev"]
    # Given the synthesized templates
    assert templates(synthesized, environments, tmp_path) > 0
    # When checkov scans them
    findings, passes = scan(tmp_path)
    # Then every finding is one accepted with a reason
    entries = accepted()
    unlisted = [
        f"{f['check_id']} {f['resource']} ({Path(f['file_path']).name}): {f['check_name']}"
        for f in findings
        if matching(f, entries) is None
    ]
    assert unlisted == [], "fix these in infra/ or accept them in infra/checkov.json"
    used = Counter(str(entry["check"]) for f in findings if (entry := matching(f, entries)))
    # And checkov passes every finding fixed in infra/, in each environment scanned
    repairs = fixed()
    repaired = [f for f in passes if matching(f, repairs) is not None]
    assert {str(e["check"]) for e in repairs} <= {str(f["check_id"]) for f in repaired}
    if frame.long:
        # And every accepted entry still matches something (the list stays true)
        assert {str(e["check"]) for e in entries} <= set(used)
    frame.record(
        "7",
        f"checkov {'/'.join(environments)} + account",
        injected="checkov 3.3.30 (CloudFormation checks) over the synthesized templates",
        volume=f"{len(environments)} environment(s), {len(findings)} findings accepted "
        f"of {len(used)} checks, {len(repaired)} fixed in infra/ of {len(repairs)} checks",
        lost=len(unlisted),
        accepted_with_reason=len(findings) - len(unlisted),
        accepted_checks=len(used),
        fixed_in_infra=len(repaired),
        fixed_checks=len(repairs),
        passed=len(passes),
    )
