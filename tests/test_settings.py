"""Settings: one declaration, the README's table equal to it, and no other reader of the
environment in the package."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qa_coach.settings import (
    SettingError,
    Settings,
    declared_settings,
    env_var_of,
    get_settings,
    settings_table,
)

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "qa_coach"
SETTINGS_MODULE = PACKAGE / "settings.py"
# Reading or changing the process environment, by any spelling of it.
ENVIRONMENT_ACCESS = re.compile(r"\bos\.(environ|getenv|putenv|unsetenv)\b|\bfrom\s+os\s+import\b[^\n]*\b(environ|getenv)\b")


def _readme_settings() -> dict[str, tuple[str, str]]:
    """The README's "Settings" table: variable -> (default, meaning)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Settings\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README.md has no '## Settings' section"
    rows = [line for line in match.group(1).splitlines() if line.startswith("| `")]
    table = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split(" | ")]
        assert len(cells) == 3, f"README Settings row should have 3 cells: {row}"
        name = cells[0].strip("`")
        assert name not in table, f"{name} is listed twice in the README"
        table[name] = (cells[1], cells[2])
    return table


def test_readme_table_lists_exactly_the_declared_settings():
    readme = _readme_settings()
    declared = {s.env_var: (s.default, s.meaning) for s in declared_settings()}
    hint = f"\nThe table the code declares (paste it into README.md):\n{settings_table()}"
    assert sorted(set(declared) - set(readme)) == [], "declared but not in the README" + hint
    assert sorted(set(readme) - set(declared)) == [], "in the README but not declared" + hint
    assert readme == declared, "the README's defaults or meanings differ from the code" + hint


def test_every_setting_is_a_field_with_a_variable_a_default_and_a_meaning():
    specs = declared_settings()
    assert [s.name for s in specs] == list(Settings.__dataclass_fields__)
    assert len({s.env_var for s in specs}) == len(specs)
    assert all(s.env_var.startswith("QA_COACH_") and s.default and s.meaning for s in specs)
    assert env_var_of("threads") == "QA_COACH_THREADS"


def test_only_the_settings_module_touches_the_environment():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == SETTINGS_MODULE:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ENVIRONMENT_ACCESS.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == [], "read settings through qa_coach.settings:\n" + "\n".join(offenders)


def test_the_environment_check_finds_what_it_looks_for():
    for line in ("x = os.environ.get('A')", "os.getenv('A')", "from os import environ", "os.environ['A'] = '1'"):
        assert ENVIRONMENT_ACCESS.search(line), line
    assert not ENVIRONMENT_ACCESS.search("path = os.path.join(a, b)")


def test_values_are_parsed_and_blank_means_unset():
    s = Settings.from_env({
        "QA_COACH_THREADS": " 3 ", "QA_COACH_DATA_DIR": "/srv/qa", "QA_COACH_CACHE_DIR": "",
        "QA_COACH_DATABASE_URL": "postgresql+psycopg://u@h/db", "QA_COACH_USER": "dana@example.com",
    })
    assert s == Settings(database_url="postgresql+psycopg://u@h/db", data_dir=Path("/srv/qa"), cache_dir=None,
                         threads=3, user="dana@example.com")
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize("raw", ["0", "-2", "two", "1.5"])
def test_threads_must_be_a_positive_whole_number(raw):
    with pytest.raises(SettingError, match=rf"QA_COACH_THREADS must be a positive whole number .*'{re.escape(raw)}'"):
        Settings.from_env({"QA_COACH_THREADS": raw})


def test_database_url_must_be_a_url():
    with pytest.raises(SettingError, match=r"QA_COACH_DATABASE_URL must be a database URL .*'qa\.sqlite3'"):
        Settings.from_env({"QA_COACH_DATABASE_URL": "qa.sqlite3"})


def test_get_settings_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_COACH_CACHE_DIR", str(tmp_path))
    first = get_settings()
    assert first.cache_dir == tmp_path and get_settings() is first  # parsed once per environment
    monkeypatch.setenv("QA_COACH_CACHE_DIR", str(tmp_path / "other"))
    assert get_settings().cache_dir == tmp_path / "other"

    from qa_coach.ml.cache import cache_dir
    from qa_coach.storage.config import data_dir

    assert cache_dir() == tmp_path / "other"
    monkeypatch.setenv("QA_COACH_DATA_DIR", str(tmp_path / "data"))
    assert data_dir() == tmp_path / "data"


def test_a_bad_value_is_one_line_naming_the_variable(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from qa_coach.cli import main

    monkeypatch.setenv("QA_COACH_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["db", "upgrade"], env={"QA_COACH_THREADS": "many"})
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        "error: QA_COACH_THREADS must be a positive whole number (such as 2), not 'many'"
    )


def test_importing_sets_nothing_and_the_command_sets_the_wait_policy():
    """Importing the package (models included) leaves the environment alone; the
    ``qa-coach`` command sets OMP_WAIT_POLICY before any command can import torch."""
    code = (
        "import os, sys\n"
        "import qa_coach, qa_coach.ml, qa_coach.ml.text_signals, qa_coach.ml.whisper_transcriber, qa_coach.cli\n"
        "print(os.environ.get('OMP_WAIT_POLICY'))\n"
        "from qa_coach.cli import main\n"
        "try:\n"
        "    main(['db', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(os.environ.get('OMP_WAIT_POLICY'), 'torch' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "None" and lines[-1] == "PASSIVE False"


@pytest.mark.parametrize("script", ["app.py", "qa_coach/ui/entry.py"])
def test_the_streamlit_entry_sets_the_wait_policy_before_importing_the_app(script):
    body = ast.parse((REPO / script).read_text(encoding="utf-8")).body
    order = [ast.unparse(node) for node in body if not isinstance(node, ast.Expr) or isinstance(node.value, ast.Call)]
    assert order.index("set_thread_wait_policy()") < order.index("from qa_coach.ui.app import main")


def test_a_user_set_wait_policy_is_kept():
    code = "import os; from qa_coach.settings import set_thread_wait_policy; set_thread_wait_policy(); print(os.environ['OMP_WAIT_POLICY'])"
    env = {**os.environ, "OMP_WAIT_POLICY": "ACTIVE"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.stdout.strip() == "ACTIVE", out.stderr[-2000:]
