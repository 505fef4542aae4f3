"""A pickup point's opening hours in one line, for the conversation's language: 'Mon–Fri
8:00–20:00, Sat 9:00–13:00'. Weekday names and times come from Babel (:mod:`actions.wording`),
the words around them ('open 24/7') from the domain.
"""

from __future__ import annotations

import datetime as dt
import functools

from babel import Locale, UnknownLocaleError

from actions import wording
from actions.conversation import Conversation
from actions.phrases import phrase
from delivery.services.opening_hours import DAYS, WeeklyHours

#: Said instead of the hours of a point open round the clock every day.
ALWAYS_OPEN = "utter_pickup_hours_always_open"


def hours_text(talk: Conversation, hours: WeeklyHours) -> str:
    """'Mon–Fri 8:00–20:00, Sat 9:00–13:00', or 'open 24/7'; closed days are left out."""
    if all(hours.get(day) == [("00:00", "24:00")] for day in DAYS):
        return phrase(talk.domain, ALWAYS_OPEN, talk.language)
    names = _weekday_names(talk.language)
    # Runs of consecutive days with the same hours: (first day, last day, hours).
    groups: list[tuple[int, int, list[tuple[str, str]]]] = []
    for index, day in enumerate(DAYS):
        pairs = hours.get(day) or []
        if groups and groups[-1][2] == pairs and groups[-1][1] == index - 1:
            groups[-1] = (groups[-1][0], index, pairs)
        else:
            groups.append((index, index, pairs))
    parts = []
    for first, last, pairs in groups:
        if not pairs:
            continue
        days = names[first] if first == last else f"{names[first]}–{names[last]}"
        times = ", ".join(_window(opens, closes, talk.language) for opens, closes in pairs)
        parts.append(f"{days} {times}")
    return ", ".join(parts)


def _window(opens: str, closes: str, language: str) -> str:
    def clock(text: str) -> dt.time:
        return dt.time(0) if text == "24:00" else dt.time.fromisoformat(text)

    return wording.window(clock(opens), clock(closes), language)


@functools.cache
def _weekday_names(language: str) -> tuple[str, ...]:
    """Short weekday names, Monday first, in ``language`` (English when Babel has none)."""
    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError, TypeError):
        locale = Locale.parse(wording.DEFAULT_LANGUAGE)
    names = locale.days["stand-alone"]["abbreviated"]
    return tuple(str(names[index]) for index in range(7))
