"""Demo customers' names, e-mail addresses and phone numbers in the shop's five languages.

E-mails are at example.com / example.org (reserved for documentation); phone numbers follow each
country's mobile format and end in the customer's id, so no two customers share one (the
Telegram contact check matches customers by phone).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from delivery.normalize import fold_accents

_EN_FIRST = (
    "Oliver", "George", "Harry", "Jack", "Charlie", "Thomas", "James", "William", "Daniel",
    "Samuel", "Joseph", "Henry", "Matthew", "Aaron", "Emily", "Olivia", "Amelia", "Isla", "Ava",
    "Sophie", "Grace", "Lily", "Ella", "Chloe", "Hannah", "Rebecca", "Laura", "Eleanor", "Alice",
    "Priya",
)  # fmt: skip
_EN_LAST = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Hughes", "Edwards", "Turner", "Hill", "Cooper", "Ward",
)  # fmt: skip
_IT_FIRST = (
    "Giuseppe", "Francesco", "Alessandro", "Lorenzo", "Matteo", "Andrea", "Luca", "Marco",
    "Davide", "Simone", "Federico", "Giovanni", "Sofia", "Giulia", "Aurora", "Alice", "Ginevra",
    "Emma", "Giorgia", "Martina", "Chiara", "Francesca", "Sara", "Elena", "Valentina", "Beatrice",
)  # fmt: skip
_IT_LAST = (
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
    "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
    "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso",
)  # fmt: skip
# Polish surnames ending in -ski/-cki take -ska/-cka for women; the male form is listed.
_PL_FIRST_MALE = (
    "Jan", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Jakub",
    "Łukasz", "Kamil", "Mateusz", "Wojciech", "Grzegorz",
)  # fmt: skip
_PL_FIRST_FEMALE = (
    "Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Magdalena",
    "Joanna", "Zofia", "Aleksandra", "Natalia", "Julia", "Monika",
)  # fmt: skip
_PL_LAST = (
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
    "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
    "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Zawadzki", "Pawlak",
)  # fmt: skip
_FI_FIRST = (
    "Juhani", "Matti", "Mikko", "Antti", "Jari", "Timo", "Pekka", "Ville", "Eero", "Lauri",
    "Aino", "Helmi", "Elli", "Sofia", "Venla", "Emma", "Johanna", "Sanna", "Laura", "Kaisa",
    "Riikka", "Minna",
)  # fmt: skip
_FI_LAST = (
    "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
    "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
    "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen",
)  # fmt: skip
# Arabic names: the Latin spelling (for the e-mail address) and the Arabic script.
_AR_FIRST = (
    ("Mohammed", "محمد"), ("Ahmed", "أحمد"), ("Omar", "عمر"), ("Ali", "علي"),
    ("Youssef", "يوسف"), ("Khaled", "خالد"), ("Hassan", "حسن"), ("Karim", "كريم"),
    ("Tariq", "طارق"), ("Samir", "سمير"), ("Fatima", "فاطمة"), ("Layla", "ليلى"),
    ("Mariam", "مريم"), ("Nour", "نور"), ("Aisha", "عائشة"), ("Salma", "سلمى"),
    ("Huda", "هدى"), ("Rania", "رانيا"), ("Yasmin", "ياسمين"), ("Zainab", "زينب"),
)  # fmt: skip
_AR_LAST = (
    ("Haddad", "حداد"), ("Khalil", "خليل"), ("Mansour", "منصور"), ("Nasser", "ناصر"),
    ("Saleh", "صالح"), ("Hamdan", "حمدان"), ("Darwish", "درويش"), ("Aziz", "عزيز"),
    ("Farouk", "فاروق"), ("Abbas", "عباس"), ("Hussein", "حسين"), ("Qasim", "قاسم"),
    ("Jaber", "جابر"), ("Said", "سعيد"),
)  # fmt: skip

#: Arabic-speaking customers write their name in Arabic script this often (else in Latin).
ARABIC_SCRIPT_SHARE = 0.35


@dataclass(frozen=True)
class Name:
    display: str  # as the customer wrote it
    latin_first: str  # for the e-mail address
    latin_last: str


def person_name(rng: random.Random, language: str) -> Name:
    if language == "it":
        return _latin(rng.choice(_IT_FIRST), rng.choice(_IT_LAST))
    if language == "pl":
        if rng.random() < 0.5:
            return _latin(rng.choice(_PL_FIRST_MALE), rng.choice(_PL_LAST))
        return _latin(rng.choice(_PL_FIRST_FEMALE), _feminine_polish(rng.choice(_PL_LAST)))
    if language == "fi":
        return _latin(rng.choice(_FI_FIRST), rng.choice(_FI_LAST))
    if language == "ar":
        (first, first_ar), (last, last_ar) = rng.choice(_AR_FIRST), rng.choice(_AR_LAST)
        if rng.random() < ARABIC_SCRIPT_SHARE:
            return Name(f"{first_ar} {last_ar}", first, last)
        return _latin(first, last)
    return _latin(rng.choice(_EN_FIRST), rng.choice(_EN_LAST))


def _latin(first: str, last: str) -> Name:
    return Name(f"{first} {last}", first, last)


def _feminine_polish(surname: str) -> str:
    return surname[:-1] + "a" if surname.endswith(("ski", "cki", "dzki")) else surname


class EmailBook:
    """Hands out plausible, unique e-mail addresses (the demo wants one customer per address)."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self._taken: set[str] = {email.lower() for email in taken or ()}
        # The next number to try after a popular address, so a million customers stay cheap.
        self._next_suffix: dict[str, int] = {}

    def new(self, rng: random.Random, name: Name) -> str:
        first = _ascii(name.latin_first)
        last = _ascii(name.latin_last)
        pattern = rng.random()
        if pattern < 0.5:
            local = f"{first}.{last}"
        elif pattern < 0.7:
            local = f"{first}{last}"
        elif pattern < 0.85:
            local = f"{first[0]}.{last}"
        else:
            local = f"{first}_{last}{rng.randint(1, 99)}"
        domain = "example.com" if rng.random() < 0.6 else "example.org"
        email = f"{local}@{domain}"
        while email in self._taken:
            suffix = self._next_suffix.get(local + domain, 2)
            self._next_suffix[local + domain] = suffix + 1
            email = f"{local}{suffix}@{domain}"
        self._taken.add(email)
        return email


def _ascii(text: str) -> str:
    return "".join(ch for ch in fold_accents(text).lower() if ch.isalnum())


def phone_number(rng: random.Random, country: str, customer_id: int) -> str:
    """A mobile number in ``country``'s usual written form, unique per customer id (< 10^6)."""
    unique = customer_id % 1_000_000
    if country == "GB":
        return f"+44 7{rng.randint(400, 999):03d} {unique:06d}"
    if country == "IT":
        digits = f"{unique:07d}"
        return f"+39 3{rng.randint(20, 99):02d} {digits[:3]} {digits[3:]}"
    if country == "PL":
        digits = f"{unique:06d}"
        return f"+48 {rng.choice('5678')}{rng.randint(0, 99):02d} {digits[:3]} {digits[3:]}"
    digits = f"{unique:07d}"
    return f"+358 4{rng.randint(0, 6)} {digits[:3]} {digits[3:]}"
