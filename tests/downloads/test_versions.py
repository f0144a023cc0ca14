"""Versions sort by their meaning, in Python and in the database alike."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierdesk.downloads.ranges import ByteRange, Unsatisfiable, etag_matches, parse_range
from tierdesk.downloads.versions import in_line, is_valid, parts, sort_key

ORDERED = [
    "1.0rc1",
    "1.0",
    "1.0.1",
    "1.2",
    "1.10",
    "2.0alpha",
    "2.0beta2",
    "2.0beta10",
    "2.0",
    "10.0",
]


def test_versions_sort_by_meaning_not_text():
    assert sorted(ORDERED, key=sort_key) == ORDERED
    assert sorted(reversed(ORDERED), key=sort_key) == ORDERED


numbers = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=5)


@given(numbers, numbers)
def test_numeric_versions_compare_like_tuples(a, b):
    left, right = ".".join(map(str, a)), ".".join(map(str, b))
    assert (sort_key(left) < sort_key(right)) == (a < b)


@given(numbers)
def test_keys_use_only_digits_and_letters(a):
    assert sort_key(".".join(map(str, a))).isalnum()


def test_version_lines_and_validity():
    assert in_line("3.1.7", "3.1") and in_line("3.1", "3.1")
    assert not in_line("3.10", "3.1")
    assert is_valid("2.4.1-rc1") and not is_valid("latest") and not is_valid("../2")
    assert parts("2.10rc1+build5") == [2, 10, "rc", 1]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", ByteRange(0, 9)),
        ("bytes=90-", ByteRange(90, 99)),
        ("bytes=-5", ByteRange(95, 99)),
        ("bytes=50-500", ByteRange(50, 99)),
        ("bytes=0-1,4-5", None),
        ("items=0-1", None),
        ("bytes=9-2", None),
        ("bytes=x-", None),
    ],
)
def test_ranges(header, expected):
    assert parse_range(header, 100) == expected


def test_unsatisfiable_ranges():
    for header in ("bytes=100-", "bytes=-0"):
        with pytest.raises(Unsatisfiable):
            parse_range(header, 100)


def test_etags_match_weakly_and_by_star():
    assert etag_matches('W/"a", "b"', '"a"')
    assert etag_matches("*", '"a"')
    assert not etag_matches('"b"', '"a"')
