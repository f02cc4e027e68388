"""Crafted rubrics cannot make validation or scoring hang, exhaust memory or produce
non-finite scores: patterns run on a linear-time engine (RE2), YAML is read within bounds
(size, depth, aliases), and every number is finite. Each refusal names the file and the
place, and ``qa-coach rubric validate`` exits 2 with it.

Whatever could hang or take gigabytes on a weaker loader runs in a child process with a
time limit and a memory limit (RLIMIT_AS), so a regression fails the test, not the machine.
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qa_coach.domain.detectors.linear_regex import PatternError, compile_pattern
from qa_coach.domain.errors import InputError
from qa_coach.domain.interaction import Interaction, Role, SourceRef, Turn
from qa_coach.domain.scoring import Scorer
from qa_coach.report.json_report import scorecard_to_dict
from qa_coach.rubric.loader import MAX_RUBRIC_BYTES, MAX_YAML_DEPTH, MAX_YAML_VALUES, load_rubric, parse_rubric
from tests.fakes import BagOfWordsSignals
from tests.rubric_texts import rubric_with

REPO = Path(__file__).resolve().parents[1]
MEMORY_LIMIT = 1 << 30  # address space of a child process: the CLI needs about 200 MB
CHILD_TIMEOUT_S = 60  # a child that is still running by then has hung


def _limited(*args: str, timeout: float = CHILD_TIMEOUT_S, env: dict | None = None) -> subprocess.CompletedProcess:
    """Python with ``args`` in a child limited to MEMORY_LIMIT; fails the test if it runs
    past ``timeout``."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    try:
        return subprocess.run(
            [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
            preexec_fn=limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout} s: {' '.join(args)[:200]}")


def _problem(text: str, source: str = "team.yaml") -> str:
    with pytest.raises(InputError) as info:
        parse_rubric(text, source)
    message = str(info.value)
    assert message.startswith(f"{source}: "), message
    return message


# -- crafted inputs ------------------------------------------------------------------------------
ONE_SIGNAL = """\
id: one
name: One
version: 1
sections:
  - id: main
    criteria:
      - id: only
        name: Only
        weight: {weight}
        signals:
          found: {signal}
        rules: [{{answer: yes, when: {when}}}]
        otherwise: no
"""  # the signal is on line 11, the rules on line 12
SIGNAL_LINE, RULES_LINE = 11, 12


def one_signal(signal: str = "{type: pattern, patterns: [hello]}", weight: str = "100", when: str = "found") -> str:
    """A one-criterion rubric whose signal ``found`` is ``signal`` (a YAML flow mapping)."""
    return ONE_SIGNAL.format(signal=signal, weight=weight, when=when)


def quoted(pattern: str) -> str:
    return "'" + pattern.replace("'", "''") + "'"


def billion_laughs(width: int = 9, levels: int = 9) -> str:
    """A rubric whose rule conditions are anchors of ``width`` aliases of the one before:
    width**levels signal names once expanded, from under 2 KB of YAML."""
    rules = [f"          - answer: yes\n            when: &c1 {{any: [{', '.join(['found'] * width)}]}}\n"]
    for k in range(2, levels + 1):
        aliases = ", ".join([f"*c{k - 1}"] * width)
        rules.append(f"          - answer: yes\n            when: &c{k} {{any: [{aliases}]}}\n")
    return textwrap.dedent("""\
        id: laughs
        name: Laughs
        version: 1
        sections:
          - id: main
            criteria:
              - id: only
                name: Only
                weight: 100
                signals:
                  found: {type: pattern, patterns: [hello]}
                rules:
        """) + "".join(rules) + "        otherwise: no\n"


def deeply_nested(levels: int = 50_000) -> str:
    """A rubric whose condition is ``{not: {not: ...}}`` ``levels`` deep (on RULES_LINE)."""
    return one_signal(when="{not: " * levels + "found" + "}" * levels)


# -- regular expressions run in linear time --------------------------------------------------------
_SCORE_IN_A_CHILD = """
import sys, time
from qa_coach.domain.interaction import Interaction, Role, SourceRef, Turn
from qa_coach.domain.scoring import Scorer
from qa_coach.rubric.loader import parse_rubric
from tests.fakes import BagOfWordsSignals
rubric = parse_rubric(open(sys.argv[1]).read(), sys.argv[1])
turns = (Turn(0, Role.AGENT, "a" * 39 + "!"), Turn(1, Role.CUSTOMER, "ok"), Turn(2, Role.AGENT, "x" * 40))
chat = Interaction("c1", turns, SourceRef("chat.txt", "text"))
scorer = Scorer(rubric, BagOfWordsSignals())
start = time.perf_counter()
card = scorer.score(chat)
print(time.perf_counter() - start, card.result("only").answer)
"""


def test_a_catastrophic_pattern_scores_a_40_character_turn_at_once(tmp_path: Path) -> None:
    # A backtracking engine takes about 2**40 steps for each of these on its turn.
    rubric = tmp_path / "catastrophic.yaml"
    rubric.write_text(rubric_with({"type": "pattern", "patterns": ["(a+)+$"], "exclude": ["(x+x+)+y"]}))
    result = _limited("-c", _SCORE_IN_A_CHILD, str(rubric))
    assert result.returncode == 0, result.stderr
    seconds, answer = result.stdout.split()
    assert float(seconds) < 1.0
    assert answer == "no"  # '(a+)+$' needs the turn to end in a's


def test_patterns_run_in_linear_time_on_long_text() -> None:
    pattern = compile_pattern("(a+)+$")
    start = time.perf_counter()
    assert pattern.search("a" * 200_000 + "!") is None
    assert pattern.search("b" + "a" * 200_000) == "a" * 200_000
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"\bsorry\b(?! to interrupt)", "lookarounds such as (?=…), (?!…), (?<=…) and (?<!…) are not supported"),
        (r"(?<=so )you", "lookarounds such as"),
        (r"\b(\w+) \1\b", "backreferences such as \\1 and (?P=name) are not supported"),
        (r"(?P<w>\w+) (?P=w)", "backreferences such as \\1 and (?P=name) are not supported"),
        (r"a{5000}", "a repetition count is too large ({5000}; at most 1000)"),
        (r"(unclosed", "not a valid regular expression (missing ): (unclosed)"),
    ],
)
def test_a_pattern_re2_cannot_run_is_refused_with_the_reason_path_and_line(pattern: str, reason: str) -> None:
    message = _problem(one_signal(f"{{type: pattern, patterns: [hello], exclude: [{quoted(pattern)}]}}"))
    assert message.startswith(
        f"team.yaml: sections[0].criteria[0].signals.found.exclude[0] (line {SIGNAL_LINE}): {reason}"
    ), message


def test_patterns_keep_the_meaning_they_have_in_python() -> None:
    def hits(pattern: str, text: str) -> bool:
        return compile_pattern(pattern).search(text) is not None

    assert hits(r"\bhello\b", "HELLO there")  # case is ignored, as with re.IGNORECASE
    assert compile_pattern(r"\w+").search("— Crème brûlée") == "Crème"  # \w: letters of every script
    assert compile_pattern(r"[\w-]+").search("«naïve-ish»") == "naïve-ish"
    assert compile_pattern(r"\W+").search("état, déjà") == ", "
    assert compile_pattern(r"\d+").search("order ٣٤٥") == "٣٤٥"  # \d: any decimal digit
    assert compile_pattern(r"caf\u00e9").search("Café") == "Café"
    assert hits(r"done\Z", "it is done") and not hits(r"done\Z", "done it is")
    assert compile_pattern(r"ab{,2}").search("abbbb") == "abb"
    for pattern, text in [(r"\w+", "Crème brûlée"), (r"[^\w\s]+", "ça va?!"), (r"\d{2,}", "room ٣٤")]:
        assert compile_pattern(pattern).search(text) == re.search(pattern, text, re.IGNORECASE).group(0)


def test_the_default_rubric_acknowledgement_keeps_its_meaning_without_a_lookahead() -> None:
    # The pattern as it was written for Python's re, with a negative lookahead: an
    # acknowledgement that ends the sentence ("I understand.") is not enough on its own.
    before = (
        r"\b(I|we) (completely |totally |really |absolutely |can |do |can definitely )?"
        r"(understand|imagine|hear you|get (it|that|why|how))\b(?!\.?$)"
    )
    (signal,) = [
        c.signals["acknowledges_cue"] for c in load_rubric().criteria if "acknowledges_cue" in c.signals
    ]
    after = [p for p in signal.compiled if "understand" in p.source]
    assert len(after) == 1
    sentences = [
        "I understand.", "I understand", "we get it.", "I get it", "I can imagine.", "I hear you!",
        "I understand how frustrating this is", "I totally get why you are upset.", "I understand..",
        "Okay, I understand, let me check", "We completely understand. Let me fix it", "I get that a lot",
        "you understand", "I understand. ", "I can definitely understand it", "I understandably",
    ]
    for sentence in sentences:
        expected = re.search(before, sentence, re.IGNORECASE) is not None
        assert (after[0].search(sentence) is not None) == expected, sentence


def test_a_pattern_is_refused_where_the_domain_builds_it_too() -> None:
    with pytest.raises(PatternError, match="lookarounds"):
        compile_pattern("a(?=b)")


# -- YAML read within bounds ---------------------------------------------------------------------
# The child's own peak memory is VmHWM (kB) in /proc/self/status: ru_maxrss would include
# the forked parent's before exec (a test process with models loaded: over 1 GB).
_PARSE_IN_A_CHILD = """
import re, sys, time
from qa_coach.domain.errors import InputError
from qa_coach.rubric.loader import parse_rubric
text = open(sys.argv[1]).read()
start = time.process_time()
try:
    parse_rubric(text, sys.argv[1])
    outcome = "accepted"
except InputError as exc:
    outcome = str(exc)
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
print(time.process_time() - start, peak_kb)
print(outcome)
"""


def test_a_billion_laughs_rubric_is_refused_quickly_in_little_memory(tmp_path: Path) -> None:
    text = billion_laughs()
    assert len(text.encode()) < 2000
    path = tmp_path / "laughs.yaml"
    path.write_text(text)
    result = _limited("-c", _PARSE_IN_A_CHILD, str(path))
    assert result.returncode == 0, result.stderr[-2000:]
    figures, outcome = result.stdout.strip().split("\n", 1)
    seconds, peak_kb = figures.split()
    assert float(seconds) < 2.0
    assert int(peak_kb) < 300 * 1024  # the interpreter with pydantic and numpy: about 60 MB
    line = re.search(r"line (\d+), column \d+", outcome)
    assert outcome.startswith(f"{path}: line "), outcome
    assert f"more than {MAX_YAML_VALUES:,} values once aliases are expanded" in outcome
    assert "&c" in text.splitlines()[int(line.group(1)) - 1]  # a rule made of aliases


def test_aliases_within_the_bound_still_work() -> None:
    text = one_signal(when="&cond {any: [found, found]}") + "        na_when: {not: *cond}\n"
    rubric = parse_rubric(text, "aliases.yaml")
    assert rubric.criteria[0].na_when is not None


def test_deep_nesting_is_a_clear_error_not_a_recursion_error() -> None:
    text = deeply_nested()
    start = time.perf_counter()
    message = _problem(text)
    assert time.perf_counter() - start < 2.0
    assert re.match(rf"team\.yaml: line {RULES_LINE}, column \d+: nested more than {MAX_YAML_DEPTH} levels deep", message)


def test_nesting_within_the_bound_still_validates() -> None:
    # Seven levels hold the condition (the rubric, sections, a section, ... a rule) and one
    # the signal's name: the rest may be conditions.
    rubric = parse_rubric(deeply_nested(levels=MAX_YAML_DEPTH - 8), "nested.yaml")
    assert rubric.criteria[0].rules[0].when is not None
    assert "nested more than" in _problem(deeply_nested(levels=MAX_YAML_DEPTH - 7))


def test_deep_block_nesting_and_a_self_referring_alias_are_clear_errors() -> None:
    message = _problem("id: x\nname:\n  " + "- " * 10_000 + "x\n")
    assert re.match(rf"team\.yaml: line 3, column \d+: nested more than {MAX_YAML_DEPTH} levels deep", message)
    message = _problem("id: x\nname: &loop [a, *loop]\n")
    assert message == "team.yaml: line 2, column 17: the alias *loop is inside its own anchor &loop"


def test_a_value_python_cannot_hold_is_an_error_at_its_place() -> None:
    message = _problem(one_signal().replace("version: 1", "version: 2024-13-45"))
    assert message == "team.yaml: line 3, column 10: not valid YAML: cannot read this value (month must be in 1..12)"
    message = _problem(one_signal(weight="1" * 5000))
    assert message == "team.yaml: line 9, column 17: not valid YAML: cannot read this value (a number too long to read)"


def test_a_rubric_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(one_signal() + "#" * MAX_RUBRIC_BYTES)
    with pytest.raises(InputError, match=r"big\.yaml: too large: a rubric file may hold at most 1,024 KB"):
        load_rubric(path)
    with pytest.raises(InputError, match="too large"):
        parse_rubric(path.read_text(), "big.yaml")


# -- finite numbers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("weight", "message"),
    [
        (".inf", "must be a number from 0.01 to 100, not .inf"),
        (".nan", "must be a number from 0.01 to 100, not .nan"),
        ("-.inf", "must be a number from 0.01 to 100, not -.inf"),
        ("1.0e+400", "must be a number from 0.01 to 100, not .inf"),  # YAML reads it as infinity
    ],
)
def test_infinite_and_nan_weights_are_refused_with_path_and_line(weight: str, message: str) -> None:
    assert _problem(one_signal(weight=weight)) == f"team.yaml: sections[0].criteria[0].weight (line 9): {message}"


@pytest.mark.parametrize(
    ("signal", "field", "message"),
    [
        ({"type": "metric", "name": "silence_ratio", "at_most": float("inf")}, "at_most", "must be a number, not .inf"),
        ({"type": "metric", "name": "silence_ratio", "at_least": float("-inf")}, "at_least", "must be a number, not -.inf"),
        ({"type": "sentiment", "at_least": float("nan")}, "at_least", "must be a number from -1 to 1, not .nan"),
        ({"type": "act", "tags": ["apologises"], "threshold": float("nan")}, "threshold", "must be a probability from 0 to 1, not .nan"),
    ],
)
def test_every_number_of_a_signal_is_finite(signal: dict, field: str, message: str) -> None:
    problem = _problem(rubric_with(signal))
    assert re.match(rf"team\.yaml: sections\[0\]\.criteria\[0\]\.signals\.found\.{field} \(line \d+\): ", problem)
    assert problem.endswith(message)


def test_answer_points_are_finite() -> None:
    text = one_signal() + "        answers: [{key: 'yes', points: .inf}, {key: 'no', points: 0}]\n"
    assert _problem(text) == "team.yaml: sections[0].criteria[0].answers[0].points (line 14): must be a number ≥ 0, not .inf"


def test_bonus_weights_that_could_overflow_the_score_are_refused() -> None:
    extra = one_signal(weight="1.0e+308").split("criteria:\n")[1].replace("id: only", "id: extra")
    text = one_signal() + extra + "        bonus: true\n"  # two of them would add up to infinity
    assert _problem(text) == "team.yaml: sections[0].criteria[1].weight (line 16): must be a number from 0.01 to 100"


def test_the_most_lopsided_weights_allowed_still_give_a_finite_score_and_valid_json() -> None:
    # The smallest weight counted, every other counted criterion N/A, and bonus points over it.
    text = textwrap.dedent("""\
        id: lopsided
        name: Lopsided
        version: 1
        sections:
          - id: main
            criteria:
              - id: tiny
                name: Tiny
                weight: 0.01
                signals: {hi: {type: pattern, patterns: [hello]}}
                rules: [{answer: yes, when: hi}]
                otherwise: no
              - id: rest
                name: Rest
                weight: 99.99
                signals: {hi: {type: pattern, patterns: [hello]}}
                na_when: hi
                rules: [{answer: yes, when: hi}]
                otherwise: no
              - id: extra
                name: Extra
                weight: 100
                bonus: true
                signals: {hi: {type: pattern, patterns: [hello]}}
                rules: [{answer: yes, when: hi}]
                otherwise: no
        """)
    chat = Interaction("c1", (Turn(0, Role.AGENT, "hello there"),), SourceRef("chat.txt", "text"))
    card = Scorer(parse_rubric(text, "lopsided.yaml"), BagOfWordsSignals()).score(chat)
    assert card.score is not None and math.isfinite(card.score)
    assert card.score == pytest.approx(100 * (0.01 + 100) / 0.01)
    json.dumps(scorecard_to_dict(card, chat), allow_nan=False)  # raises on Infinity or NaN


# -- the command line ------------------------------------------------------------------------------
def _validate(path: Path | str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QA_COACH_DATA_DIR": str(tmp_path / "data")}
    return _limited("-m", "tests.cli_driver", "rubric", "validate", str(path), env=env)


@pytest.mark.parametrize(
    ("name", "text", "where", "message"),
    [
        ("lookaround.yaml", one_signal("{type: pattern, patterns: ['\\bsorry\\b(?!,? (could|can) you)']}"),
         r"sections\[0\]\.criteria\[0\]\.signals\.found\.patterns\[0\] \(line 11\)", "lookarounds such as"),
        ("infinite.yaml", one_signal(weight=".inf"),
         r"sections\[0\]\.criteria\[0\]\.weight \(line 9\)", "must be a number from 0.01 to 100, not .inf"),
        ("laughs.yaml", billion_laughs(), r"line \d+, column \d+", "values once aliases are expanded"),
        ("deep.yaml", deeply_nested(), rf"line {RULES_LINE}, column \d+", "nested more than"),
    ],
)
def test_rubric_validate_prints_the_problem_and_exits_2(name: str, text: str, where: str, message: str,
                                                       tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = _validate(path, tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert re.match(rf"error: {re.escape(str(path))}: {where}: .*{re.escape(message)}", result.stderr), result.stderr


def test_rubric_validate_refuses_a_pipe_and_a_device_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "rubric.yaml"
    os.mkfifo(fifo)  # nothing ever writes to it: opening it to read would wait for ever
    for path in (fifo, Path("/dev/zero")):  # /dev/zero: endless bytes
        result = _validate(path, tmp_path)
        assert result.returncode == 2, result.stderr[-2000:]
        assert result.stderr.strip() == f"error: {path}: not a regular file: a rubric is a YAML file"
