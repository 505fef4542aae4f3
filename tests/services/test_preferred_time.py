"""Preferred times read from free text, and the slots that match them (pure, no database)."""

from __future__ import annotations

import datetime as dt
import statistics
import time

import pytest

from delivery.services.part_of_day import PartOfDay
from delivery.services.preferred_time import PreferredTime, matching_slots, parse_preferred_time
from delivery.services.slots import Slot

MORNING, AFTERNOON, EVENING = PartOfDay.MORNING, PartOfDay.AFTERNOON, PartOfDay.EVENING
# March 2026: the 2nd is a Monday.
TODAY = dt.date(2026, 3, 2)


def march(day: int) -> dt.date:
    return dt.date(2026, 3, day)


def parse(text: str, *languages: str, today: dt.date = TODAY) -> PreferredTime | None:
    return parse_preferred_time(text, today=today, languages=languages or ("en",))


@pytest.mark.parametrize(
    ("text", "languages", "date", "part"),
    [
        # English words, as dateparser reads them
        ("tomorrow", ("en",), march(3), None),
        ("Tomorrow afternoon", ("en",), march(3), AFTERNOON),
        ("next Friday", ("en",), march(6), None),
        ("friday", ("en",), march(6), None),
        ("fri", ("en",), march(6), None),
        ("on monday morning", ("en",), march(9), MORNING),
        ("23 Nov", ("en",), dt.date(2026, 11, 23), None),
        ("the 5th", ("en",), march(5), None),
        ("on the 10th please", ("en",), march(10), None),
        ("friday the 13th", ("en",), march(13), None),
        ("today", ("en",), march(2), None),
        ("in 3 days", ("en",), march(5), None),
        ("I'd like it tomorrow afternoon please", ("en",), march(3), AFTERNOON),
        ("whatever works, maybe thursday?", ("en",), march(5), None),
        ("we would like it tomorrow", ("en",), march(3), None),  # "we" is not Wednesday
        # read here, before dateparser
        ("in the evening", ("en",), None, EVENING),
        ("mornings", ("en",), None, MORNING),
        ("day after tomorrow", ("en",), march(4), None),
        ("the day after tomorrow please", ("en",), march(4), None),
        ("tonight", ("en",), march(2), EVENING),
        ("this afternoon", ("en",), march(2), AFTERNOON),
        # numeric dates, day first
        ("23/11", ("en",), dt.date(2026, 11, 23), None),
        ("23.11.", ("en",), dt.date(2026, 11, 23), None),
        ("23.11", ("en",), dt.date(2026, 11, 23), None),
        ("5/3", ("en",), march(5), None),
        ("23.11.2026", ("en",), dt.date(2026, 11, 23), None),
        ("23-11-26", ("en",), dt.date(2026, 11, 23), None),
        ("2026-11-23", ("en",), dt.date(2026, 11, 23), None),
        ("٢٣/١١", ("ar",), dt.date(2026, 11, 23), None),
        ("23.11. 9:00-13:00", ("en",), dt.date(2026, 11, 23), MORNING),
        # clock times give a part of the day
        ("at 10", ("en",), None, MORNING),
        ("14.30", ("en",), None, AFTERNOON),
        ("5pm", ("en",), None, EVENING),
        ("tomorrow at 3", ("en",), march(3), AFTERNOON),  # nobody delivers at 3 am
        ("tomorrow before 12", ("en",), march(3), MORNING),
        ("after 2pm on friday", ("en",), march(6), AFTERNOON),
        ("between 9 and 13", ("en",), None, MORNING),
        ("Tue 3 Mar, 13:00–18:00", ("en",), march(3), AFTERNOON),  # a slot's label typed back
        ("tomorrow cet", ("en",), march(3), None),  # a zone does not move the day
        # Italian
        ("domani pomeriggio", ("it",), march(3), AFTERNOON),
        ("dopodomani", ("it",), march(4), None),
        ("venerdì prossimo", ("it",), march(6), None),
        ("martedì mattina", ("it",), march(3), MORNING),
        ("5 novembre", ("it",), dt.date(2026, 11, 5), None),
        ("stasera", ("it",), march(2), EVENING),
        ("domani alle 17", ("it",), march(3), EVENING),
        # Polish
        ("jutro rano", ("pl",), march(3), MORNING),
        ("pojutrze wieczorem", ("pl",), march(4), EVENING),
        ("w przyszły piątek", ("pl",), march(6), None),
        ("po południu", ("pl",), None, AFTERNOON),
        ("dziś wieczorem", ("pl",), march(2), EVENING),
        ("o 17", ("pl",), None, EVENING),
        # Finnish
        ("huomenna", ("fi",), march(3), None),
        ("ylihuomenna", ("fi",), march(4), None),
        ("ensi perjantaina iltapäivällä", ("fi",), march(6), AFTERNOON),
        ("illalla", ("fi",), None, EVENING),
        ("23. marraskuuta", ("fi",), dt.date(2026, 11, 23), None),
        ("huomenna klo 9", ("fi",), march(3), MORNING),
        # Arabic
        ("غدا مساء", ("ar",), march(3), EVENING),
        ("بعد غد", ("ar",), march(4), None),
        ("صباحاً", ("ar",), None, MORNING),
        # several languages, regional codes
        ("tomorrow", ("it", "en"), march(3), None),
        ("domani", ("it-IT",), march(3), None),
    ],
)
def test_reads_days_and_parts_of_day(
    text: str, languages: tuple[str, ...], date: dt.date | None, part: PartOfDay | None
) -> None:
    assert parse(text, *languages) == PreferredTime(date=date, part_of_day=part)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "whenever",
        "yes",
        "no thanks",
        "100001",
        "my order is #100001",
        "SO-100001",
        "R-7KQ2ZD",
        "anna@example.com",
        "20121",
        "00-950",
        "SW1A 1AA",
        "+39 333 1234567",
        "1700000000",
        "2",  # a choice from a list, not the 2nd
        "10-12",
        "31/4",
        "may I change it",  # a month is not a day
        "march",
        "next week",
        "a second please",
        "now",
        "sun is out",
        "can you come fri",  # three-letter weekdays count only on their own
        "morning or afternoon",  # two parts of the day leave the choice open
    ],
)
def test_text_without_a_day_or_time_is_none(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize(
    ("text", "today", "date"),
    [
        ("23/11", dt.date(2026, 12, 1), dt.date(2027, 11, 23)),  # past: next year's
        ("23 Nov", dt.date(2026, 12, 1), dt.date(2027, 11, 23)),
        ("2 march", march(2), march(2)),  # today, where dateparser says next year
        ("1 march", march(2), dt.date(2027, 3, 1)),
        ("the 1st", march(2), dt.date(2026, 4, 1)),  # past: next month's
        ("the 31st", dt.date(2026, 4, 2), dt.date(2026, 5, 31)),  # April has no 31st
        ("29/2", march(2), dt.date(2028, 2, 29)),  # the next leap year
        ("23.11.2025", march(2), dt.date(2025, 11, 23)),  # a year given stays as written
        ("23 nov 2025", march(2), dt.date(2025, 11, 23)),
    ],
)
def test_a_day_without_a_year_is_never_in_the_past(
    text: str, today: dt.date, date: dt.date
) -> None:
    assert parse(text, today=today) == PreferredTime(date=date)


def test_unknown_languages_fall_back_to_english() -> None:
    assert parse("tomorrow", "xx") == PreferredTime(date=march(3))
    # A known language is used alone: English words are not read in an Italian conversation.
    assert parse("tomorrow", "it") is None


def test_the_machine_time_zone_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ("tomorrow", "friday", "23 Nov", "the 5th")
    expected = [parse(text) for text in texts]
    try:
        for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # UTC+14, UTC-11
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            assert [parse(text) for text in texts] == expected
    finally:
        monkeypatch.undo()
        time.tzset()


def test_one_parse_is_fast_once_dateparser_is_loaded() -> None:
    texts = ["tomorrow afternoon", "whatever works, maybe thursday?", "may I change it"]
    for text in texts:
        parse(text)  # the first call loads dateparser's data
    durations = []
    for _ in range(10):
        for text in texts:
            started = time.perf_counter()
            parse(text)
            durations.append(time.perf_counter() - started)
    # About 1-3 ms on a developer machine; the bound leaves room for a busy CI.
    assert statistics.median(durations) < 0.050


# --- matching slots ------------------------------------------------------------------------------


def slot(day: int, start: int, end: int) -> Slot:
    return Slot(march(day), dt.time(start), dt.time(end))


SLOTS = [
    slot(3, 8, 12),
    slot(3, 9, 13),
    slot(3, 13, 18),
    slot(3, 18, 21),
    slot(4, 9, 13),
    slot(4, 17, 20),
]


@pytest.mark.parametrize(
    ("preferred", "expected"),
    [
        (PreferredTime(date=march(3)), SLOTS[:4]),
        (PreferredTime(date=march(3), part_of_day=MORNING), [slot(3, 8, 12), slot(3, 9, 13)]),
        # 9-13 reaches past noon, but nobody who asks for the afternoon means it.
        (PreferredTime(date=march(3), part_of_day=AFTERNOON), [slot(3, 13, 18)]),
        (PreferredTime(date=march(3), part_of_day=EVENING), [slot(3, 18, 21)]),
        (PreferredTime(part_of_day=MORNING), [slot(3, 8, 12), slot(3, 9, 13), slot(4, 9, 13)]),
        (PreferredTime(part_of_day=EVENING), [slot(3, 18, 21), slot(4, 17, 20)]),
        (PreferredTime(date=march(5)), []),
        # No afternoon slot that day: the one that reaches into the afternoon is the best there is.
        (PreferredTime(date=march(4), part_of_day=AFTERNOON), [slot(4, 9, 13)]),
    ],
)
def test_matching_slots_keep_the_day_and_part_in_order(
    preferred: PreferredTime, expected: list[Slot]
) -> None:
    assert matching_slots(SLOTS, preferred) == expected


def test_parsed_text_finds_its_slots() -> None:
    preferred = parse("tomorrow afternoon")
    assert preferred is not None
    assert matching_slots(SLOTS, preferred) == [slot(3, 13, 18)]
