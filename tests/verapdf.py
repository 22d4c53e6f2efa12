"""veraPDF, the PDF/A validator, assembled from Maven Central (tools/verapdf/pom.xml) into the
ignored build/verapdf folder on first use. Where Java or Maven is missing or the download fails,
:func:`validate` skips the calling test and says why."""
from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POM = ROOT / "tools" / "verapdf" / "pom.xml"
LIB = ROOT / "build" / "verapdf" / "lib"
MAIN = "org.verapdf.apps.GreenfieldCliWrapper"


def _classpath() -> str:
    if not any(LIB.glob("greenfield-apps-*.jar")):
        if shutil.which("mvn") is None:
            pytest.skip("veraPDF cannot run here: Maven (mvn) is not installed")
        done = subprocess.run(["mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies"],
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"veraPDF could not be assembled from Maven Central: {done.stdout[-500:]}{done.stderr[-500:]}")
    return str(LIB / "*")


def validate(paths: Sequence[Path], flavour: str = "2b") -> dict[str, list[str]]:
    """Per file, the PDF/A rules it fails (empty: compliant)."""
    if shutil.which("java") is None:
        pytest.skip("veraPDF cannot run here: no Java runtime")
    done = subprocess.run(["java", "-cp", _classpath(), MAIN, "--flavour", flavour, "--format", "mrr",
                           *map(str, paths)], capture_output=True, text=True, timeout=600)
    if not done.stdout.strip():
        pytest.fail(f"veraPDF gave no report (exit {done.returncode}): {done.stderr[-1000:]}")
    report = ET.fromstring(done.stdout)
    found: dict[str, list[str]] = {}
    for job in report.iter("job"):
        name = job.find("item/name").text
        details = job.find("validationReport/details")
        assert details is not None, f"veraPDF did not validate {name}: {ET.tostring(job)[:500]!r}"
        found[Path(name).name] = [f"{r.get('clause')}-{r.get('testNumber')}" for r in details.iter("rule")
                                  if r.get("status") == "failed"]
    return found
