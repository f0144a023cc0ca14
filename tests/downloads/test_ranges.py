"""Byte ranges and entity tags of the download centre's serving."""

from __future__ import annotations

import pytest

from tierdesk.downloads.ranges import ByteRange, Unsatisfiable, etag_matches, parse_range


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
