"""Versions sort by their meaning, in Python and in the database alike; version lines (a
subscription's covered versions, an article's) hold the versions of their line."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierdesk.crm.versions import (
    checked_lines,
    describe_lines,
    in_line,
    is_line,
    is_valid,
    lines_holding,
    parts,
    sort_key,
    version_lines,
)

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


def test_a_text_lists_version_lines_separated_by_commas():
    assert version_lines(" 2, 3.1 ,, ") == ["2", "3.1"]
    assert version_lines("") == []
    assert describe_lines(["2", "3.1"]) == "2.x, 3.1.x"


def test_lines_are_checked_kept_in_order_and_once():
    assert checked_lines([" 3.1", "2", "3.1"]) == ["3.1", "2"]
    assert checked_lines([]) == []


def test_a_line_written_with_a_wildcard_is_that_line():
    # As people write them, and as ``describe_lines`` shows them.
    assert checked_lines(["3.x", "3.1.X", "2.*", "3"]) == ["3", "3.1", "2"]


@pytest.mark.parametrize(
    "line", ["3..x", "3.", ".3", "x", ".x", "latest", "", "2, 3", "2 3", "../2"]
)
def test_a_line_that_is_no_version_line_is_refused_by_name(line):
    assert not is_line(line)
    with pytest.raises(ValueError, match=f"{re.escape(repr(line))} is not a version"):
        checked_lines(["2", line])


def test_the_lines_holding_a_version_are_its_prefixes_at_dots():
    assert lines_holding("2.4.1") == ["2", "2.4", "2.4.1"]
    assert lines_holding("3.10") == ["3", "3.10"]
    assert "3.1" not in lines_holding("3.10")
    assert lines_holding("2.4.1-rc1") == ["2", "2.4", "2.4.1-rc1"]


pieces = st.lists(st.sampled_from(["0", "1", "2", "10", "rc1", "x", ""]), min_size=1, max_size=4)


@given(pieces, pieces)
def test_a_line_holds_a_version_exactly_when_in_line_says_so(version, line):
    version_text, line_text = ".".join(version), ".".join(line)
    assert (line_text in lines_holding(version_text)) == in_line(version_text, line_text)
