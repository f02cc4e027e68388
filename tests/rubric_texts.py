"""Rubric YAML written by tests."""

from __future__ import annotations

import yaml


def rubric_with(signal: dict) -> str:
    """A one-criterion rubric (weight 100, yes/no) whose only rule is "yes when ``signal``
    is found"."""
    return yaml.safe_dump(
        {
            "id": "one",
            "name": "One",
            "version": 1,
            "sections": [
                {
                    "id": "main",
                    "criteria": [
                        {
                            "id": "only",
                            "name": "Only",
                            "weight": 100,
                            "signals": {"found": signal},
                            "rules": [{"answer": "yes", "when": "found"}],
                            "otherwise": "no",
                        }
                    ],
                }
            ],
        }
    )
