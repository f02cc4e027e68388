"""The shared timestamp parser and HTML-to-text conversion."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from qa_coach.ingest.html_text import html_to_text
from qa_coach.ingest.timestamps import parse_timestamp

UTC = timezone.utc
T = datetime(2024, 3, 1, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-01T10:00:00Z",
        "2024-03-01T10:00:00+00:00",
        "2024-03-01T11:00:00+01:00",
        "2024-03-01T10:00:00.000+0000",
        "2024-03-01 10:00:00",
        "2024-03-01 10:00:00 UTC",
        1709287200,
        1709287200.0,
        "1709287200",
        1709287200000,
        "1709287200000",
    ],
)
def test_timestamp_kinds_parse_to_the_same_instant(value):
    assert parse_timestamp(value) == T


def test_unix_milliseconds_keep_fractions():
    assert parse_timestamp(1709287200250) == T + timedelta(milliseconds=250)


@pytest.mark.parametrize("value", ["13/45/2020", "yesterday", "", None, True, -5, 10**15, [1]])
def test_bad_timestamps_raise_value_error(value):
    with pytest.raises(ValueError):
        parse_timestamp(value)


@pytest.mark.parametrize(
    "html,text",
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("<div>a</div>\n<div>b</div>", "a\nb"),
        ("line one<br>line two<br/><br>after gap", "line one\nline two\n\nafter gap"),
        ("<p>Steps:</p><ol><li>one</li><li>two</li></ol>", "Steps:\n\n- one\n- two"),
        ("Tom &amp; Jerry&nbsp;&nbsp;say   &quot;hi&quot;", 'Tom & Jerry say "hi"'),
        ("<style>p {color: red}</style><script>alert(1)</script><p>visible</p>", "visible"),
        (
            '<div>Reply</div><div class="gmail_quote">On Monday X wrote:<blockquote>old</blockquote></div>',
            "Reply",
        ),
        ("<p><br></p><div>&nbsp;</div>", ""),
        ("2 < 3 and 5 > 4", "2 < 3 and 5 > 4"),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text
