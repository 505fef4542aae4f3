"""Dates, times, money and distances written for the conversation's language, with Babel (CLDR).

Actions put these values into responses (``{day}``, ``{window}``) and button titles; the words
around them live in the domain. ``language`` is the ``language`` slot (en, it, pl, fi, ar); a
regional code ("it-IT") counts as its language, anything unknown as English. English is British
English: day before month and a 24-hour clock, as the shop's customers in Europe write them.

Times drop the hour's leading zero in every language ("9:00–13:00", Finnish "9.00–13.00"), with
the separators of the language's own 24-hour format and time range.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_currency, get_currency_precision
from babel.units import format_unit

from delivery.services.slots import Slot

DEFAULT_LANGUAGE = "en"
# The language slot's values -> the Babel locale that writes them.
_LOCALES = {"en": "en_GB", "it": "it", "pl": "pl", "fi": "fi", "ar": "ar"}

# Babel's CLDR data has no words for "today" or "tomorrow" (only "in {0} days"), so other
# languages get the date itself. These few English words are data for the formatter, like the
# month names Babel holds, not messages.
_ENGLISH_RELATIVE_DAYS = {-1: "yesterday", 0: "today", 1: "tomorrow"}

# Distances: metres below a kilometre (to the nearest 10 m), else kilometres to one decimal.
_METRES_STEP = 10
_KILOMETRES = "#,##0.#"


def day(date: dt.date, language: str) -> str:
    """'Tuesday 3 March', 'martedì 3 marzo', 'wtorek, 3 marca', 'tiistai 3. maaliskuuta'."""
    locale = _locale(language)
    return format_date(date, _day_pattern(locale), locale=locale)


def short_day(date: dt.date, language: str) -> str:
    """'Tue 3 Mar', 'mar 3 mar', 'wt., 3 mar', 'ti 3.3.'."""
    return format_skeleton("MMMEd", date, locale=_locale(language))


def window(start: dt.time, end: dt.time, language: str) -> str:
    """'9:00–13:00' ('9.00–13.00' in Finnish)."""
    locale = _locale(language)
    first, second = _window_patterns(locale)
    return format_time(start, first, locale=locale) + format_time(end, second, locale=locale)


def slot_label(slot: Slot, language: str) -> str:
    """A slot's button title: 'Tue 3 Mar, 9:00–13:00'."""
    locale = _locale(language)
    date_and_time = str(locale.datetime_formats["medium"]).replace("'", "")
    return date_and_time.replace("{1}", short_day(slot.date, language)).replace(
        "{0}", window(slot.start, slot.end, language)
    )


def relative_day(date: dt.date, today: dt.date, language: str) -> str:
    """'today', 'tomorrow' or 'yesterday' in English; otherwise (and in other languages) day()."""
    if _language(language) == "en":
        word = _ENGLISH_RELATIVE_DAYS.get((date - today).days)
        if word is not None:
            return word
    return day(date, language)


def money(minor_units: int, currency: str, language: str) -> str:
    """An amount in the currency's minor units (cents): 1250 EUR is '€12.50', '12,50 €'."""
    code = currency.upper()
    amount = Decimal(minor_units).scaleb(-get_currency_precision(code))
    return format_currency(amount, code, locale=_locale(language))


def distance(km: float, language: str) -> str:
    """'350 m' below a kilometre, else '1.2 km' ('1,2 km' in Italian)."""
    if km < 0:
        raise ValueError(f"a distance cannot be negative: {km}")
    locale = _locale(language)
    metres = int(km * 1000 / _METRES_STEP + 0.5) * _METRES_STEP
    if metres < 1000:
        return format_unit(metres, "length-meter", length="short", locale=locale)
    return format_unit(km, "length-kilometer", length="short", format=_KILOMETRES, locale=locale)


def time_of(moment: dt.datetime, zone: dt.tzinfo, language: str) -> str:
    """The clock time of ``moment`` in ``zone``: '14:05' ('14.05' in Finnish)."""
    if moment.tzinfo is None:
        raise ValueError("time_of needs an aware datetime: which zone is a naive one in?")
    locale = _locale(language)
    return format_time(moment.astimezone(zone).time(), _clock_pattern(locale), locale=locale)


# --- patterns, once per locale -------------------------------------------------------------------


def _language(language: str) -> str:
    code = language.replace("_", "-").split("-")[0].lower()
    return code if code in _LOCALES else DEFAULT_LANGUAGE


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    return Locale.parse(_LOCALES[_language(language)])


@lru_cache(maxsize=16)
def _day_pattern(locale: Locale) -> str:
    """Weekday, day and month in full: the locale's own, else its full date without the year."""
    skeletons = locale.datetime_skeletons
    if "MMMMEEEEd" in skeletons:
        return str(skeletons["MMMMEEEEd"])
    full = str(locale.date_formats["full"])
    return re.sub(r"[\s,،]*\by+\b\.?", "", full).strip(" ,،")


def _no_leading_zero(pattern: str) -> str:
    return re.sub(r"H+", "H", pattern)


@lru_cache(maxsize=16)
def _clock_pattern(locale: Locale) -> str:
    return _no_leading_zero(str(locale.datetime_skeletons["Hm"]))


@lru_cache(maxsize=16)
def _window_patterns(locale: Locale) -> tuple[str, str]:
    """The start's and the end's pattern of a time range; the start's carries the separator."""
    interval = locale.interval_formats.get("Hm", {}).get("H")
    if interval:
        first, second = interval
        return _no_leading_zero(first), _no_leading_zero(second)
    clock = _clock_pattern(locale)
    fallback = str(locale.interval_formats[None])
    return fallback.replace("{0}", clock).replace("{1}", ""), clock
