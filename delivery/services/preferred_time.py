"""When a customer wants something: a day, a part of the day, or both, read from what they typed.

``parse_preferred_time("tomorrow afternoon", today=...)`` gives tomorrow's date and the afternoon;
``matching_slots`` then keeps the offered slots that fit (which slots a part of the day means is
:mod:`delivery.services.part_of_day`'s to say). Dates are read with ``dateparser`` in the
conversation's languages, with settings that make the answer depend on the text and ``today``
only: no clock, no machine time zone, no network (dateparser never uses one).

dateparser alone is too eager and too English for this, so the text is prepared first:

- Things that are not dates go: e-mail addresses, links, postcodes and every token with five
  digits or more (order numbers, phone numbers, tracking codes). dateparser would read some as
  dates (``100001``, unix timestamps) and its ``search_dates`` would spend time on them.
- Numeric dates are read here, day first as European shops write them (``23/11``, ``23.11.``,
  ``23.11.2026``, ``2026-11-23``): dateparser reads ``23.11`` as the time 23:11.
- Clock times (``at 10``, ``14:30``, ``5pm``, ``alle 17``, ``klo 17``) are read here and give a
  part of the day: dateparser reads ``alle 17`` or ``klo 17`` as the 17th.
- Parts of the day (``afternoon``, ``pomeriggio``, ``rano``, ``illalla``, ``مساء``) and "the day
  after tomorrow" are words of :mod:`delivery.services.preferred_time_words`: dateparser 1.5
  knows parts of the day in English only, misses ``dopodomani``, ``ylihuomenna`` and ``بعد غد``,
  and its ``search_dates`` turns the English one into tomorrow. "Next" before a weekday is
  dropped in Italian, Polish and Finnish, which dateparser does not understand (``venerdì
  prossimo``); its English "next Friday" is the coming Friday as well.

What is left goes to dateparser: the whole remainder first, then ``search_dates`` for a date
inside a sentence. Only answers that name a day count: a month ("may I ..."), a week, a year, a
bare time ("a second") or a bare number ("2", which may be a choice from a list) do not, nor a
weekday abbreviation of three letters or fewer inside a sentence ("we", "sun", "sat").

A day without a year is never in the past: "23/11" on 1 December is next year's, "the 1st" on
2 March is 1 April, "2 March" on 2 March is today (dateparser would say next year). A date with
its year stays as written, even in the past (the caller says there is no slot then), but a year
dateparser reads must be within one of today's: to it "between 9 and 13" is 9 March 2113.

Speed (measured on the 2-core development machine): importing dateparser takes about 0.4 s and
its first parse in a process about 0.2 s while it loads its language data (under 0.05 s for each
further language). After that one parse takes 0.5-2 ms, ``search_dates`` included, and about
20 ms for a message of the longest length read (_MAX_TEXT).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dateparser.data.languages_info import language_order
from dateparser.date import DateData, DateDataParser
from dateparser.search import search_dates
from dateparser.timezone_parser import pop_tz_offset_from_string

from delivery.services.part_of_day import PartOfDay, slots_in_part
from delivery.services.preferred_time_words import take_words
from delivery.services.slots import Slot

# Long messages are not answers to "when?"; dateparser's search time grows with the text.
_MAX_TEXT = 300


@dataclass(frozen=True)
class PreferredTime:
    """A day, a part of the day, or both (never neither: the parser returns None then)."""

    date: dt.date | None = None
    part_of_day: PartOfDay | None = None


def parse_preferred_time(
    text: str, *, today: dt.date, languages: Sequence[str] = ("en",)
) -> PreferredTime | None:
    """The day and part of the day ``text`` asks for, or None when it names neither.

    ``languages`` are the conversation's (ISO 639-1 codes, most likely first); languages that
    dateparser does not know are ignored, and none left means English. When two different parts
    of the day are named ("morning or afternoon") none is kept; when several days are named, the
    first is.
    """
    langs = _known_languages(languages)
    prepared = _prepare(text)
    date, prepared = _take_numeric_date(prepared, today)
    clock_part, prepared = _take_clock_time(prepared)
    words, prepared = take_words(prepared, langs)

    if date is None and words.days_ahead is not None:
        date = today + dt.timedelta(days=words.days_ahead)
    if date is None and _has_words(prepared):
        date = _dateparser_day(prepared, today, langs)
    if date is None and words.today:
        date = today

    if words.parts:
        # "Morning or afternoon" leaves the choice open.
        part = next(iter(words.parts)) if len(words.parts) == 1 else None
    else:
        part = clock_part
    if date is None and part is None:
        return None
    return PreferredTime(date=date, part_of_day=part)


def matching_slots(slots: Sequence[Slot], preferred: PreferredTime) -> list[Slot]:
    """The slots that fit ``preferred``, in their order: on its day (any day when it has none),
    in its part of the day as :func:`~delivery.services.part_of_day.slots_in_part` means it (any
    part when it has none)."""
    on_day = [slot for slot in slots if preferred.date is None or slot.date == preferred.date]
    if preferred.part_of_day is None:
        return on_day
    return slots_in_part(on_day, preferred.part_of_day)


# --- preparing the text --------------------------------------------------------------------------

# Eastern Arabic and Persian digits read as ASCII digits; the regexes below use [0-9].
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
# Arabic short vowels and the tatweel are optional marks: "مساءً" is "مساء".
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0640]")

_NOT_DATES = re.compile(
    r"""
    \S+@\S+                                  # e-mail addresses
    | (?:https?://|www\.)\S+                 # links
    | \S*[0-9]{5,}\S*                        # order numbers, postcodes, phones, tracking codes
    | \b[0-9]{2}-[0-9]{3}\b                  # Polish postcodes (00-950)
    | \b[a-z]{1,2}[0-9][a-z0-9]?\s*[0-9][abd-hjlnp-uw-z]{2}\b   # UK postcodes (SW1A 1AA)
    | \b(?:so|sh|r)-[a-z0-9]+\b              # order and return references
    """,
    re.IGNORECASE | re.VERBOSE,
)


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFC", text[:_MAX_TEXT]).translate(_DIGITS)
    text = _ARABIC_MARKS.sub("", text).casefold()
    return _NOT_DATES.sub(" ", text)


def _has_words(text: str) -> bool:
    return any(char.isalpha() for char in text)


# --- numeric dates, day first --------------------------------------------------------------------

_NUMERIC_DATE = re.compile(
    r"""
    (?<![0-9./:-])
    (?:
        (?P<iso_year>[0-9]{4})-(?P<iso_month>[0-9]{1,2})-(?P<iso_day>[0-9]{1,2})
      | (?P<day>[0-9]{1,2})(?P<sep>[./])(?P<month>[0-9]{1,2})
        (?:(?P=sep)(?P<year>[0-9]{4}|[0-9]{2}))?\.?
      | (?P<dday>[0-9]{1,2})-(?P<dmonth>[0-9]{1,2})-(?P<dyear>[0-9]{4}|[0-9]{2})
    )
    (?![0-9:]|[./-][0-9])
    """,
    re.VERBOSE,
)


def _take_numeric_date(text: str, today: dt.date) -> tuple[dt.date | None, str]:
    """The first valid day-first date in ``text``, and the text without the valid ones ("14.30"
    is not a date and stays for the clock)."""
    first: dt.date | None = None
    rest = text
    for match in _NUMERIC_DATE.finditer(text):
        found = _numeric_date(match, today)
        if found is not None:
            first = first or found
            rest = rest.replace(match[0], " ", 1)
    return first, rest


def _numeric_date(match: re.Match[str], today: dt.date) -> dt.date | None:
    if match["iso_year"]:
        year, month, day = match["iso_year"], match["iso_month"], match["iso_day"]
    elif match["day"]:
        year, month, day = match["year"], match["month"], match["day"]
    else:
        year, month, day = match["dyear"], match["dmonth"], match["dday"]
    try:
        if year is None:
            return _upcoming_day_of_year(int(month), int(day), today)
        return dt.date(int(year) + (2000 if len(year) == 2 else 0), int(month), int(day))
    except ValueError:
        return None


# --- clock times ---------------------------------------------------------------------------------

# A bare hour needs a word that makes it a time: the start of the wish ("at 10", "after 14",
# "alle 17", "o 17", "klo 17") or its end ("before 12", "by 5pm", "entro le 12", "przed 12").
_CLOCK = re.compile(
    r"""
    (?:\b(?:
        (?P<start>at|around|about|after|from|between|ore|alle|verso\s+le|dopo\s+le|dalle
            |tra\s+le|fra\s+le|o|około|po|od|między|godz\.?|godzina|klo|kello|noin
            |(?:بعد\s+)?الساعة)
      | (?P<end>before|by|until|till|prima\s+delle|entro\s+le|przed|قبل\s+الساعة)
    )\s+)?
    (?<![0-9./:])(?P<hour>[0-9]{1,2})(?:[:.](?P<minute>[0-9]{2}))?
    \s*(?P<meridiem>a\.?m\.?|p\.?m\.?)?(?![0-9])(?!\w)
    """,
    re.VERBOSE,
)


def _take_clock_time(text: str) -> tuple[PartOfDay | None, str]:
    """The part of the day of the first clock time in ``text``, and the text without them."""
    part: PartOfDay | None = None
    rest = text
    for match in _CLOCK.finditer(text):
        hour = _clock_hour(match)
        if hour is not None:
            part = part or PartOfDay.of_hour(hour)
            rest = rest.replace(match[0], " ", 1)
    return part, rest


def _clock_hour(match: re.Match[str]) -> int | None:
    """The hour, on a 24-hour clock, that a clock time wishes for; None when it is no time."""
    if not (match["start"] or match["end"] or match["minute"] or match["meridiem"]):
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    meridiem = (match["meridiem"] or "").replace(".", "")
    if minute > 59 or hour > 23 or (meridiem and not 1 <= hour <= 12):
        return None
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    elif not meridiem and 1 <= hour <= 6:
        # Nobody delivers at 3 in the night: a bare "at 3" is in the afternoon.
        hour += 12
    # "Before 12" wishes for the hour before it.
    return (hour - 1) % 24 if match["end"] else hour


# --- dateparser ----------------------------------------------------------------------------------

_KNOWN_LANGUAGES = frozenset(language_order)
_SETTINGS: dict[str, Any] = {
    "PREFER_DATES_FROM": "future",
    "DATE_ORDER": "DMY",
    # Dates only: the machine's zone must not shift a day, and no zone-aware answers.
    "TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": False,
    # Tells a time ("a second", "now") from a day, so a bare time does not become today.
    "RETURN_TIME_AS_PERIOD": True,
    # No unix timestamps ("1700000000") and no digits-only dates ("231126").
    "PARSERS": ["relative-time", "absolute-time"],
}
_ORDINAL_DAY = re.compile(r"[0-9](?:st|nd|rd|th|\.)(?!\w)")
_ENGLISH_ORDINAL = re.compile(r"(?<![0-9])(?P<day>[0-9]{1,2})(?:st|nd|rd|th)(?!\w)")
# Weekday abbreviations that are also words ("we", "sun", "sat") count only on their own.
_SHORTEST_WORD_IN_A_SENTENCE = 4


def _known_languages(languages: Sequence[str]) -> tuple[str, ...]:
    """``languages`` as dateparser's codes ("it-IT" is "it"), without unknown ones or repeats."""
    codes = (code.replace("_", "-").split("-")[0].lower() for code in languages)
    return tuple(dict.fromkeys(code for code in codes if code in _KNOWN_LANGUAGES)) or ("en",)


def _dateparser_day(text: str, today: dt.date, languages: tuple[str, ...]) -> dt.date | None:
    settings = _SETTINGS | {"RELATIVE_BASE": dt.datetime.combine(today, dt.time())}
    parser = DateDataParser(languages=list(languages), settings=settings)
    # A zone in the text ("tomorrow cet") would move dateparser's midnight to another day.
    without_zone, _ = pop_tz_offset_from_string(text)
    whole = " ".join(without_zone.split())
    day = _day_of(whole, parser.get_date_data(whole), today)
    if day is not None:
        return day
    for span, _ in search_dates(whole, languages=list(languages), settings=settings) or []:
        # search_dates' own datetimes can be wrong ("day after tomorrow" -> tomorrow): re-read.
        letters = [word for word in span.split() if _has_words(word)]
        if len(letters) == 1 and len(span.strip(" .,")) < _SHORTEST_WORD_IN_A_SENTENCE:
            continue
        day = _day_of(span, parser.get_date_data(span), today)
        if day is not None:
            return day
    # dateparser gives up on "the 31st" in a month of 30 days; the next month with one is meant.
    ordinal = _ENGLISH_ORDINAL.search(whole) if "en" in languages else None
    if ordinal is not None and 1 <= int(ordinal["day"]) <= 31:
        return _upcoming_day_of_month(int(ordinal["day"]), today)
    return None


def _day_of(span: str, data: DateData, today: dt.date) -> dt.date | None:
    """The day that dateparser's answer names, or None when it names no day."""
    parts: tuple[str, ...] = tuple(getattr(data, "parts", ()))
    if data.date_obj is None or data.period != "day" or "day" not in parts:
        return None
    found = data.date_obj.date()
    if "year" in parts:
        # Its years are guesses too: "between 9 and 13" is 9 March 2113 to dateparser.
        return found if abs(found.year - today.year) <= 1 else None
    if "month" in parts:
        return _upcoming_day_of_year(found.month, found.day, today)
    # A day of the month alone must look like one ("the 5th", "5."), not like "and 13".
    if _ORDINAL_DAY.search(span) is None:
        return None
    return _upcoming_day_of_month(found.day, today)


def _upcoming_day_of_year(month: int, day: int, today: dt.date) -> dt.date:
    """The first ``day``/``month`` from ``today`` on (29 February may be years away)."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueError(f"no such day: {day}/{month}")


def _upcoming_day_of_month(day: int, today: dt.date) -> dt.date:
    """The first ``day`` of a month from ``today`` on ("the 31st" skips short months)."""
    for ahead in range(13):
        year, month = divmod(today.month - 1 + ahead, 12)
        try:
            candidate = dt.date(today.year + year, month + 1, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueError(f"no such day: {day}")
