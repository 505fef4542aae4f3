"""Parts of the day as customers mean them, and the delivery or pickup slots each one means.

Morning is before 12:00, afternoon 12:00-17:00, evening from 17:00. A customer who asks for
"the afternoon" means a slot that lies mostly in it: 13:00-18:00, not 9:00-13:00, though that
one reaches past noon. So a part of the day **includes** a slot when more than half of the slot
lies within the part's hours, and merely **touches** it when they overlap at all:

- 8:00-12:00 and 9:00-13:00 are morning slots;
- 12:00-16:00 and 13:00-18:00 are afternoon slots (13:00-18:00 touches the evening);
- 16:00-20:00 and 18:00-22:00 are evening slots (16:00-20:00 touches the afternoon);
- 10:00-14:00, half and half, is in neither part it touches, and an all-day 8:00-20:00 in none.

:func:`slots_in_part` keeps the slots a part includes and, only when it includes none of them,
the ones it touches: a carrier whose last window is 13:00-18:00 still offers it for "evening",
the nearest thing there is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from delivery.services.slots import Slot

NOON = dt.time(12)
EVENING_FROM = dt.time(17)

_MINUTES_PER_DAY = 24 * 60


class PartOfDay(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"

    @classmethod
    def of_hour(cls, hour: int) -> PartOfDay:
        """The part of the day an hour on a 24-hour clock is in ("at 14" is the afternoon)."""
        if hour < NOON.hour:
            return cls.MORNING
        if hour < EVENING_FROM.hour:
            return cls.AFTERNOON
        return cls.EVENING

    def includes(self, slot: Slot) -> bool:
        """Whether more than half of ``slot`` lies within this part of the day."""
        return 2 * self._minutes_within(slot) > _minutes(slot.end) - _minutes(slot.start)

    def touches(self, slot: Slot) -> bool:
        """Whether any of ``slot`` lies within this part of the day."""
        return self._minutes_within(slot) > 0

    def _minutes_within(self, slot: Slot) -> int:
        begins, ends = _HOURS[self]
        return max(0, min(_minutes(slot.end), ends) - max(_minutes(slot.start), begins))


def _minutes(time: dt.time) -> int:
    return time.hour * 60 + time.minute


#: Where each part of the day begins and ends, in minutes after midnight.
_HOURS = {
    PartOfDay.MORNING: (0, _minutes(NOON)),
    PartOfDay.AFTERNOON: (_minutes(NOON), _minutes(EVENING_FROM)),
    PartOfDay.EVENING: (_minutes(EVENING_FROM), _MINUTES_PER_DAY),
}


def slots_in_part(slots: Sequence[Slot], part: PartOfDay) -> list[Slot]:
    """The slots ``part`` includes, in their order; when it includes none, those it touches."""
    return [slot for slot in slots if part.includes(slot)] or [
        slot for slot in slots if part.touches(slot)
    ]
