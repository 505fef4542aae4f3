"""Which slots a part of the day means: mostly inside it, else at least touching it."""

from __future__ import annotations

import datetime as dt

import pytest

from delivery.services.part_of_day import PartOfDay, slots_in_part
from delivery.services.slots import Slot

MORNING, AFTERNOON, EVENING = PartOfDay.MORNING, PartOfDay.AFTERNOON, PartOfDay.EVENING


def slot(start: int, end: int, day: int = 3) -> Slot:
    return Slot(dt.date(2026, 3, day), dt.time(start), dt.time(end))


@pytest.mark.parametrize(
    ("start", "end", "parts"),
    [
        (8, 12, {MORNING}),  # ends at noon: not the afternoon
        (9, 13, {MORNING}),  # an hour past noon: still a morning slot
        (11, 12, {MORNING}),
        (11, 15, {AFTERNOON}),
        (12, 16, {AFTERNOON}),
        (12, 17, {AFTERNOON}),  # ends at 17: not the evening
        (13, 18, {AFTERNOON}),
        (16, 18, set()),  # half and half
        (16, 20, {EVENING}),
        (17, 21, {EVENING}),
        (18, 22, {EVENING}),
        (8, 20, set()),  # all day: no part of the day has most of it
    ],
)
def test_a_part_of_the_day_includes_the_slots_mostly_inside_it(
    start: int, end: int, parts: set[PartOfDay]
) -> None:
    assert {part for part in PartOfDay if part.includes(slot(start, end))} == parts


@pytest.mark.parametrize(
    ("start", "end", "parts"),
    [
        (8, 12, {MORNING}),  # ends at noon: not the afternoon
        (12, 17, {AFTERNOON}),  # ends at 17: not the evening
        (16, 18, {AFTERNOON, EVENING}),
        (17, 21, {EVENING}),  # starts at 17: not the afternoon
        (9, 18, {MORNING, AFTERNOON, EVENING}),
    ],
)
def test_a_part_of_the_day_touches_the_slots_that_overlap_it(
    start: int, end: int, parts: set[PartOfDay]
) -> None:
    assert {part for part in PartOfDay if part.touches(slot(start, end))} == parts


def test_minutes_count_and_exactly_half_is_not_most() -> None:
    # Five hours of afternoon: of nine and a half hours most, of ten exactly half.
    assert AFTERNOON.includes(Slot(dt.date(2026, 3, 3), dt.time(7, 30), dt.time(17, 0)))
    assert not AFTERNOON.includes(Slot(dt.date(2026, 3, 3), dt.time(7, 0), dt.time(17, 0)))


@pytest.mark.parametrize(
    ("windows", "part", "expected"),
    [
        ([(9, 13), (13, 18)], AFTERNOON, [(13, 18)]),
        ([(8, 12), (12, 16), (16, 20)], AFTERNOON, [(12, 16)]),
        ([(8, 12), (12, 16), (16, 20)], EVENING, [(16, 20)]),
        ([(13, 18), (18, 22)], EVENING, [(18, 22)]),
        # Nothing mostly in the evening: the window that reaches into it is the best there is.
        ([(9, 13), (13, 18)], EVENING, [(13, 18)]),
        ([(13, 18), (18, 22)], MORNING, []),
    ],
)
def test_slots_in_a_part_prefer_those_inside_it(
    windows: list[tuple[int, int]], part: PartOfDay, expected: list[tuple[int, int]]
) -> None:
    slots = [slot(start, end) for start, end in windows]
    assert slots_in_part(slots, part) == [slot(start, end) for start, end in expected]


@pytest.mark.parametrize(
    ("hour", "part"), [(0, MORNING), (11, MORNING), (12, AFTERNOON), (16, AFTERNOON), (17, EVENING)]
)
def test_an_hour_is_in_one_part_of_the_day(hour: int, part: PartOfDay) -> None:
    assert PartOfDay.of_hour(hour) is part
