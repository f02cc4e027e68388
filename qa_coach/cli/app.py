"""``qa-coach app``: open the Streamlit app (the demo team is loaded on the first start)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from qa_coach.cli import main
from qa_coach.settings import child_process_environment

REPO_APP = Path(__file__).resolve().parents[2] / "app.py"
PACKAGED_APP = Path(__file__).resolve().parents[1] / "ui" / "entry.py"
# The people using the app get no "Deploy" button or developer menu (as .streamlit/config.toml
# says for a `streamlit run` from the checkout): given here, it holds from any folder.
STREAMLIT_OPTIONS = ("--client.toolbarMode", "minimal")


def app_script() -> Path:
    return REPO_APP if REPO_APP.is_file() else PACKAGED_APP


def prepare_database(*, demo: bool, echo=click.echo, signals=None) -> bool:
    """Create or upgrade the database; on an empty one, load the demo team with a progress bar.
    Returns whether the demo was loaded. ``signals``: the text models (default: the packaged ones)."""
    from qa_coach.services import database

    first_start = database.prepare_app_database()
    if not demo or not first_start:
        return False
    echo("First start: loading the demo team (every conversation is scored by the local models).", err=True)
    with click.progressbar(length=1, label="Scoring the demo conversations", file=sys.stderr) as bar:
        def progress(done: int, total: int, name: str) -> None:
            bar.length = total
            bar.update(done - bar.pos, name)

        summary = database.load_demo_team(progress=progress, signals=signals)
        bar.update(bar.length - bar.pos)
    echo(f"Demo team ready: {summary.representatives} representatives, {summary.interactions} interactions. "
         "The sample calls are transcribed when the app first opens (a progress bar shows there).", err=True)
    return True


@main.command("app")
@click.option("--port", default=8501, show_default=True, help="Port on this machine.")
@click.option("--address", default="localhost", show_default=True, help="Address to listen on.")
@click.option("--demo/--no-demo", default=True, show_default=True, help="Load the demo team into an empty database.")
def app_command(port: int, address: str, demo: bool) -> None:
    """Open the app in your browser: http://localhost:8501 (Ctrl-C stops it)."""
    prepare_database(demo=demo)
    click.echo(f"qa_coach is at http://{address}:{port} (the first page creates the admin account)", err=True)
    env = child_process_environment(STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_script()), "--server.headless", "true",
           "--server.port", str(port), "--server.address", address, "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", *STREAMLIT_OPTIONS]
    try:
        sys.exit(subprocess.call(cmd, env=env))
    except KeyboardInterrupt:
        sys.exit(0)
