"""Is the customer upset? A small lexicon, shouting and "!!!", good enough to call a person.

A message is STRONG when it swears, insults or threatens (a chargeback, a lawyer, a bad
review), or shows two annoyed signals at once; ANNOYED with one signal (an annoyed word such as
"ridiculous", ALL-CAPS shouting, a "!!!" run, an angry emoji); NONE otherwise. A plain delivery
complaint ("my parcel is late", "still nothing") is not upset: the assistant answers those.

The word lists are data, one :class:`Lexicon` per language code; another language is one more
entry in :data:`LEXICONS`. Shouting, "!!!" and emoji are counted in every language.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum


@dataclass(frozen=True)
class Lexicon:
    """Regular expressions over the lowercased text, each matched as whole words."""

    strong: tuple[str, ...]  # swearing, abuse, threats: one is enough
    annoyed: tuple[str, ...]  # each different word found is one annoyed signal
    # Happy words: with one of them "!!!" and capitals are joy, not anger ("THANK YOU!!!").
    glad: tuple[str, ...] = ()


LEXICONS: dict[str, Lexicon] = {
    "en": Lexicon(
        strong=(
            # Swearing, with the usual disguises (f***, f*ck, fck, sh!t, $hit, b*llshit).
            r"f+[^\w\s]*[uv*@#]+[^\w\s]*[c*#]*[^\w\s]*k+\w*",
            r"f\*{2,}\w*",
            r"f(?:c?k|ck)(?:ing|in|ed|er|ers|s)?",
            r"fu+k+\w*",
            r"wtf|stfu|ffs|omfg",
            r"(?:bull)?[s$]+(?:h+|\*+)[i1!*]+t+(?:ty|s|e|ing|head|heads)?",
            r"[s$]h[*#]+t?",
            r"b[u*]lls[h*]+[i*]t",
            r"bastards?|b\*stards?",
            r"(?:ass|arse|a\*\*|a\$\$)holes?",
            r"dickheads?|d\*ckheads?",
            r"wank(?:er|ers|ing)?|twats?|cunts?|c\*\*t|bitch(?:es|ing)?|b\*tch",
            r"piss(?:ed|ing)?\s+(?:me\s+)?off",
            r"screw\s+(?:you|u|this|them)",
            r"go\s+to\s+hell",
            # Insults.
            r"idiots?|idiotic|morons?|moronic|imbeciles?|cretins?",
            # Threats.
            r"charge[\s-]?backs?",
            r"(?:open|opening|file|filing|raise|raising)\s+an?\s+dispute",
            r"dispute\s+(?:the|this|my)\s+(?:charge|payment|transaction)",
            r"(?:contact|call|ring|tell|telling|contacting|calling)\s+my\s+bank",
            r"report(?:ing)?\s+(?:you|u|ya|your\s+company|this\s+company|this\s+shop|you\s+guys)",
            r"trading\s+standards|ombudsman|consumer\s+(?:protection|rights|watchdog)",
            r"better\s+business\s+bureau|bbb",
            r"sue\s+(?:you|u|your|the\s+company|them)|suing|lawsuit|legal\s+action|small\s+claims",
            r"(?:will|i'll|going\s+to|gonna)\s+sue",
            r"lawyers?|solicitors?|attorneys?",
            r"(?:take|taking|see)\s+(?:you|u|this|them)\s+(?:to|in)\s+court",
            r"(?:bad|negative|terrible|1[\s-]?star|one[\s-]?star)\s+reviews?",
        ),
        annoyed=(
            r"ridiculous(?:ly)?|absurd|ludicrous|unbelievable|outrageous",
            r"useless|hopeless|pathetic|incompetent|incompetence|clueless",
            r"worst(?!\s+case)",
            r"scam(?:s|med|mers?)?|rip[\s-]?off|ripped\s+off",
            r"unacceptable|disgrace(?:ful)?|appalling|shocking|shambles|a\s+joke",
            r"furious|livid|angry|fuming|outraged|infuriat(?:ed|ing)",
            r"fed\s+up|sick\s+(?:and\s+tired\s+)?of|had\s+enough",
            r"frustrat(?:ed|ing)|disappointed|disappointing|not\s+happy",
            r"disgust(?:ed|ing)?|terrible|awful|horrible|horrendous|dreadful",
            # Not "left by the rubbish bins", which is where a parcel was left.
            r"(?:rubbish|garbage|trash)(?!\s+(?:bins?|cans?|bags?|collection))",
            r"crap(?:py)?|stupid|dumb",
            r"damn(?:ed|it)?|dammit|goddamn|bloody|the\s+hell",
            r"waste\s+of\s+(?:time|money)|lied|liars?|lying\s+to|you\s+lie",
            r"how\s+many\s+(?:more\s+)?times\s+(?:do|must|have|should|will)\s+i",
            r"never\s+(?:again|(?:order|ordering|buy|buying|shop|shopping)\s+(?:from|with|here))",
        ),
        glad=(
            r"thanks?|thank\s+you|thx|cheers|great|perfect|awesome|amazing|brilliant",
            r"excellent|wonderful|fantastic|lovely|love\s+it|yay|hooray|happy",
        ),
    ),
}

#: Angry faces: one annoyed signal in any language.
ANGRY_EMOJI = ("😡", "😠", "🤬", "👿", "💢")
#: Happy faces, which (like the glad words) make "!!!" and capitals joy.
GLAD_EMOJI = ("😊", "🙂", "😀", "😃", "😁", "😍", "🥰", "❤", "👍", "🎉", "🙏")
#: Shouting: at least this many words of two or more letters, nearly all in capitals.
SHOUT_MIN_WORDS = 3
SHOUT_SHARE = 0.7


class Upset(IntEnum):
    NONE = 0
    ANNOYED = 1
    STRONG = 2


@dataclass(frozen=True)
class _Compiled:
    strong: re.Pattern[str]
    annoyed: re.Pattern[str]
    glad: re.Pattern[str] | None


@functools.cache
def _compiled(language: str) -> _Compiled:
    lexicon = LEXICONS.get(language) or LEXICONS["en"]
    return _Compiled(
        strong=_whole_words(lexicon.strong),
        annoyed=_whole_words(lexicon.annoyed),
        glad=_whole_words(lexicon.glad) if lexicon.glad else None,
    )


def _whole_words(patterns: Sequence[str]) -> re.Pattern[str]:
    # (?<!\w) and (?!\w) rather than \b: several words begin or end with "*" or "$".
    return re.compile("|".join(rf"(?<!\w)(?:{pattern})(?!\w)" for pattern in patterns))


_WORD = re.compile(r"[^\W\d_]{2,}")
_PUNCTUATION_RUN = re.compile(r"[!?¡](?:\s*[!?¡1]){2,}")


def _shouting(text: str) -> bool:
    words = _WORD.findall(text)
    capitals = [word for word in words if word.isupper()]
    return len(capitals) >= SHOUT_MIN_WORDS and len(capitals) >= SHOUT_SHARE * len(words)


def _exclaiming(text: str) -> bool:
    # "!!!" or "?!?", not a puzzled "???".
    return any("!" in run.group(0) for run in _PUNCTUATION_RUN.finditer(text))


def assess_upset(text: str, *, language: str = "en") -> Upset:
    """How upset one customer message sounds."""
    lowered = text.lower().replace("\u2019", "'")
    patterns = _compiled(language)
    if patterns.strong.search(lowered):
        return Upset.STRONG
    # Each different annoyed word is a signal; saying the same one twice is still one.
    signals = len({match.group(0) for match in patterns.annoyed.finditer(lowered)})
    signals += any(face in text for face in ANGRY_EMOJI)
    glad = any(face in text for face in GLAD_EMOJI) or bool(
        patterns.glad and patterns.glad.search(lowered)
    )
    if not glad:
        signals += _shouting(text) + _exclaiming(text)
    if signals >= 2:
        return Upset.STRONG
    return Upset.ANNOYED if signals else Upset.NONE


def conversation_is_upset(recent_customer_texts: Sequence[str], *, language: str = "en") -> bool:
    """Whether to call a person: the newest message is STRONG, or two of the last three are at
    least ANNOYED (newest last)."""
    if not recent_customer_texts:
        return False
    recent = [assess_upset(text, language=language) for text in recent_customer_texts[-3:]]
    return recent[-1] is Upset.STRONG or sum(level >= Upset.ANNOYED for level in recent) >= 2
