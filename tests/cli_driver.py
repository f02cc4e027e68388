"""Runs the ``qa-coach`` command line in a subprocess with the bag-of-words stand-in for
the models (and an optional delay per scored file), so CLI tests stay fast.

Usage: python -m tests.cli_driver [--delay SECONDS] ARGS...
"""

from __future__ import annotations

import sys
import time

from qa_coach.services import text_models
from tests.fakes import BagOfWordsSignals


class _SlowSignals(BagOfWordsSignals):
    def __init__(self, delay: float) -> None:
        self.delay = delay

    def analyze(self, texts, *args, **kwargs):
        time.sleep(self.delay)
        return super().analyze(texts, *args, **kwargs)


def run(argv: list[str]) -> None:
    delay = 0.0
    if argv[:1] == ["--delay"]:
        delay, argv = float(argv[1]), argv[2:]
    signals = _SlowSignals(delay)
    text_models.default_signals = lambda: signals
    from qa_coach.cli import main

    main(argv, prog_name="qa-coach")


if __name__ == "__main__":
    run(sys.argv[1:])
