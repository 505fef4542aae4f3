"""The words customers type for a time, per language, and what they mean: parts of the day
("pomeriggio", "rano", "illalla"), forms that also mean today ("tonight", "stasera"), the day after
tomorrow ("dopodomani", "ylihuomenna") and "next" before a weekday.

:mod:`delivery.services.preferred_time` takes them out of a message before dateparser reads the
rest: dateparser 1.5 knows parts of the day in English only, misses "the day after tomorrow" in
several languages, and does not understand "next" in Italian, Polish or Finnish.

These are data for the parser (what it recognises), not messages: customer-facing words live in
the Rasa domain. A language without an entry here simply has no such words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from delivery.services.part_of_day import PartOfDay

# Parts of the day. Forms that also mean "today" ("tonight", "stasera") are in _TODAY_WORDS.
_PART_WORDS: dict[str, dict[PartOfDay, str]] = {
    "en": {
        PartOfDay.MORNING: r"mornings?",
        PartOfDay.AFTERNOON: r"afternoons?|noon|midday|lunch\s*time",
        PartOfDay.EVENING: r"evenings?|after\s+work",
    },
    "it": {
        PartOfDay.MORNING: r"mattin[ao]\w*",
        PartOfDay.AFTERNOON: r"pomeriggio|mezzogiorno",
        PartOfDay.EVENING: r"sera|serata",
    },
    "pl": {
        PartOfDay.MORNING: r"rano|rankiem|przed\s+południem|przedpołudni\w*",
        PartOfDay.AFTERNOON: r"po\s+południu|popołudni\w*",
        PartOfDay.EVENING: r"wiecz[oó]r\w*",
    },
    "fi": {
        # Afternoon first: "iltapäivällä" starts like the evening's "ilta".
        PartOfDay.AFTERNOON: r"iltapäiv\w*",
        PartOfDay.MORNING: r"aamu\w*",
        PartOfDay.EVENING: r"ilta\w*|illa\w*",
    },
    "ar": {
        PartOfDay.MORNING: r"(?:في\s+)?(?:ال)?صباح\w*",
        PartOfDay.AFTERNOON: r"بعد\s+(?:ال)?ظهر|(?:ال)?ظهر|(?:ال)?عصر",
        PartOfDay.EVENING: r"(?:في\s+)?(?:ال)?مساء\w*",
    },
}
_TODAY_WORDS: dict[str, dict[PartOfDay, str]] = {
    "en": {
        PartOfDay.MORNING: r"this\s+morning",
        PartOfDay.AFTERNOON: r"this\s+afternoon",
        PartOfDay.EVENING: r"this\s+evening|tonight",
    },
    "it": {
        PartOfDay.MORNING: r"stamattina|stamani",
        PartOfDay.EVENING: r"stasera|stanotte",
    },
    "fi": {
        PartOfDay.MORNING: r"tänä\s+aamuna",
        PartOfDay.AFTERNOON: r"tänä\s+iltapäivänä",
        PartOfDay.EVENING: r"tänä\s+iltana",
    },
    "ar": {PartOfDay.EVENING: r"الليلة|هذا\s+المساء"},
}
_DAY_AFTER_TOMORROW_WORDS = {
    "en": r"(?:the\s+)?day\s+after\s+tomorrow",
    "it": r"dopodomani|dopo\s+domani",
    "pl": r"pojutrze",
    "fi": r"ylihuomenna",
    "ar": r"بعد\s+غدا?",
}
# "Next" before a weekday, which dateparser does not read in these languages; its English "next
# Friday" and a plain "Friday" are both the coming Friday, so dropping the word keeps the meaning.
_NEXT_WORDS = {
    "it": r"prossim[oa]",
    "pl": r"przyszł\w*|następn\w*",
    "fi": r"ensi",
}


@dataclass(frozen=True)
class _Meaning:
    part: PartOfDay | None = None
    today: bool = False
    days_ahead: int | None = None


@dataclass
class Words:
    """What the words found in a message mean together."""

    #: Every part of the day named ("morning or afternoon" names two).
    parts: set[PartOfDay] = field(default_factory=set)
    #: A word that also means today was found ("tonight").
    today: bool = False
    #: Days from today the first word that names a day means ("the day after tomorrow": 2).
    days_ahead: int | None = None


def take_words(text: str, languages: tuple[str, ...]) -> tuple[Words, str]:
    """What the words above in ``text`` (casefolded) mean together, and the text without them.

    ``languages`` are dateparser's codes, most likely first."""
    vocabulary, meanings = _vocabulary(languages)
    words = Words()
    for match in vocabulary.finditer(text):
        meaning = meanings[match.lastgroup or ""]
        if meaning.part is not None:
            words.parts.add(meaning.part)
        words.today = words.today or meaning.today
        if words.days_ahead is None:
            words.days_ahead = meaning.days_ahead
    return words, vocabulary.sub(" ", text)


@cache
def _vocabulary(languages: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, _Meaning]]:
    """One pattern for the words above in ``languages`` (longer phrases first), and what each of
    its named groups means."""
    meanings: dict[str, _Meaning] = {}
    alternatives: list[str] = []

    def add(name: str, words: str, meaning: _Meaning) -> None:
        meanings[name] = meaning
        alternatives.append(f"(?P<{name}>{words})")

    for language in languages:
        for part, words in _TODAY_WORDS.get(language, {}).items():
            add(f"today_{language}_{part}", words, _Meaning(part=part, today=True))
        if language in _DAY_AFTER_TOMORROW_WORDS:
            add(f"after_{language}", _DAY_AFTER_TOMORROW_WORDS[language], _Meaning(days_ahead=2))
        for part, words in _PART_WORDS.get(language, {}).items():
            add(f"part_{language}_{part}", words, _Meaning(part=part))
        if language in _NEXT_WORDS:
            add(f"next_{language}", _NEXT_WORDS[language], _Meaning())
    if not alternatives:
        return re.compile(r"(?!)"), meanings
    body = "|".join(alternatives)
    return re.compile(rf"(?<!\w)(?:in\s+the\s+|on\s+the\s+)?(?:{body})(?!\w)"), meanings
