"""The words for a time, per language, taken out of a message before dateparser reads it."""

from __future__ import annotations

from delivery.services.part_of_day import PartOfDay
from delivery.services.preferred_time_words import take_words


def test_words_are_taken_out_with_what_they_mean() -> None:
    words, rest = take_words("venerdì prossimo nel pomeriggio", ("it", "en"))
    assert (words.parts, words.today, words.days_ahead) == ({PartOfDay.AFTERNOON}, False, None)
    assert rest.split() == ["venerdì", "nel"]


def test_a_word_for_today_and_the_day_after_tomorrow() -> None:
    tonight, _ = take_words("tonight", ("en",))
    assert (tonight.parts, tonight.today) == ({PartOfDay.EVENING}, True)
    later, rest = take_words("the day after tomorrow in the morning", ("en",))
    assert (later.parts, later.days_ahead, rest.strip()) == ({PartOfDay.MORNING}, 2, "")


def test_only_the_languages_asked_for_are_read() -> None:
    words, rest = take_words("iltapäivällä", ("en",))
    assert words.parts == set() and rest == "iltapäivällä"
    words, _ = take_words("iltapäivällä", ("fi",))
    assert words.parts == {PartOfDay.AFTERNOON}  # not the evening's "ilta"
