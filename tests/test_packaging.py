"""The built wheel works outside the checkout: built from a copy of the source tree,
installed into a fresh virtualenv in a temporary folder, it scores a chat with its own
default rubric and packaged models, from a working directory that is not the checkout.

The new virtualenv sees the third-party packages already installed beside the test run
through a plain path line in a ``.pth`` file: site does not read the ``.pth`` files of a
folder added that way, so the checkout's editable install stays invisible to it, and
``import qa_coach`` can only find the wheel's copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import jsonschema
import pytest

pytestmark = pytest.mark.slow  # builds a wheel, makes a virtualenv, loads the real models

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "docs" / "scorecard.schema.json").read_text())
# What is not source: left out of the copy the wheel is built from (setuptools' build/
# folder would otherwise carry files deleted from the source into the wheel).
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
                                    ".pytest_cache", "artifacts", ".qa_coach_cache")
CHAT = """\
Agent: Good morning, thank you for contacting Northwind, my name is Sam. How can I help you today?
Customer: Hi, my order arrived broken and I'm really frustrated.
Agent: I'm so sorry about that, I understand how annoying that is. Let me send you a replacement right away.
Customer: Thank you, that fixes it.
Agent: You're welcome! Is there anything else I can help you with today?
Customer: No, that's all. Bye.
"""


def run(cmd: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n{result.stderr[-3000:]}"
    return result.stdout


def test_the_wheel_in_a_fresh_virtualenv_outside_the_checkout_scores_a_chat(tmp_path: Path) -> None:
    source, wheels, venv, elsewhere = (tmp_path / name for name in ("source", "wheels", "venv", "elsewhere"))
    shutil.copytree(REPO, source, ignore=NOT_SOURCE, symlinks=True)
    # No build isolation: setuptools and wheel come from the dev extra, nothing is downloaded.
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir",
         "-w", wheels, source], cwd=tmp_path)
    (wheel,) = wheels.glob("qa_coach-*.whl")

    run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1")
    run([python, "-m", "pip", "install", "--no-deps", wheel], cwd=tmp_path, env=env)
    # Only after the install, so that pip sees an empty environment.
    site_packages = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             cwd=tmp_path, env=env).strip())
    (site_packages / "third_party_from_the_test_run.pth").write_text(sysconfig.get_path("purelib") + "\n")

    elsewhere.mkdir()
    (elsewhere / "chat.txt").write_text(CHAT)
    where = json.loads(run([python, "-c", "import json, qa_coach; r = qa_coach.load_rubric(); "
                            "print(json.dumps({'file': qa_coach.__file__, 'criteria': len(r.criteria)}))"],
                           cwd=elsewhere, env=env))
    assert Path(where["file"]).resolve().is_relative_to(site_packages.resolve()), where["file"]
    assert not Path(where["file"]).resolve().is_relative_to(REPO), where["file"]
    assert where["criteria"] > 0

    report = json.loads(run([venv / "bin" / "qa-coach", "score", "chat.txt", "--json"], cwd=elsewhere, env=env))
    assert report["errors"] == []
    (card,) = report["scorecards"]
    jsonschema.validate(card, SCHEMA)
    assert {c["id"] for c in card["criteria"]} >= {"greeting", "apology", "closing"}
    assert 0 <= card["score"] <= 100
