"""The gateway's own few sentences, per language, English when the language is not known.

Everything else the customer reads comes from Rasa's domain; these are the answers the gateway
gives by itself, when a message never reaches Rasa (a guard refused it) or Rasa cannot answer.
"""

from __future__ import annotations

from enum import StrEnum


class GatewayText(StrEnum):
    ONE_MOMENT = "one_moment"
    TOO_LONG = "too_long"  # takes {limit}
    SLOW_DOWN = "slow_down"
    USE_BUTTONS = "use_buttons"
    AGENT_JOINED = "agent_joined"  # takes {name}; channels without a live-agent display
    AGENT_LEFT = "agent_left"  # takes {name}


DEFAULT_LANGUAGE = "en"

_TEXTS: dict[str, dict[GatewayText, str]] = {
    "en": {
        GatewayText.ONE_MOMENT: (
            "One moment, please: I've got your message and will answer as soon as I can."
        ),
        GatewayText.TOO_LONG: (
            "That message is a bit long for me. Could you say it in fewer than {limit} characters?"
        ),
        GatewayText.SLOW_DOWN: (
            "You're typing faster than I can read! Please wait a moment before sending more."
        ),
        GatewayText.USE_BUTTONS: (
            "Please use the buttons, or tell me in your own words what you'd like to do."
        ),
        GatewayText.AGENT_JOINED: "{name} from our team has joined the chat.",
        GatewayText.AGENT_LEFT: (
            "{name} has left the chat. The assistant is back: just write if you need anything else."
        ),
    },
    "it": {
        GatewayText.ONE_MOMENT: (
            "Un momento, per favore: ho ricevuto il tuo messaggio e ti rispondo appena possibile."
        ),
        GatewayText.TOO_LONG: (
            "Il messaggio è un po' troppo lungo per me. Puoi scriverlo in meno di {limit} "
            "caratteri?"
        ),
        GatewayText.SLOW_DOWN: (
            "Stai scrivendo più in fretta di quanto io riesca a leggere! Aspetta un attimo "
            "prima di inviare altro."
        ),
        GatewayText.USE_BUTTONS: (
            "Usa i pulsanti, oppure dimmi con parole tue che cosa vorresti fare."
        ),
        GatewayText.AGENT_JOINED: "{name} del nostro team si è unito alla chat.",
        GatewayText.AGENT_LEFT: (
            "{name} ha lasciato la chat. Torna l'assistente: scrivi pure se ti serve altro."
        ),
    },
    "pl": {
        GatewayText.ONE_MOMENT: (
            "Chwileczkę: mam Twoją wiadomość i odpowiem najszybciej, jak to możliwe."
        ),
        GatewayText.TOO_LONG: (
            "Ta wiadomość jest dla mnie trochę za długa. Czy możesz ją skrócić do mniej niż "
            "{limit} znaków?"
        ),
        GatewayText.SLOW_DOWN: (
            "Piszesz szybciej, niż nadążam czytać! Poczekaj chwilę, zanim wyślesz kolejne "
            "wiadomości."
        ),
        GatewayText.USE_BUTTONS: (
            "Skorzystaj z przycisków albo napisz własnymi słowami, co chcesz zrobić."
        ),
        GatewayText.AGENT_JOINED: "{name} z naszego zespołu dołącza do rozmowy.",
        GatewayText.AGENT_LEFT: (
            "{name} opuszcza rozmowę. Dalej odpowiada "
            "asystent: napisz, jeśli potrzebujesz czegoś jeszcze."
        ),
    },
    "fi": {
        GatewayText.ONE_MOMENT: "Hetkinen: sain viestisi ja vastaan niin pian kuin voin.",
        GatewayText.TOO_LONG: (
            "Viestisi on minulle hieman liian pitkä. Voisitko kirjoittaa sen alle {limit} merkillä?"
        ),
        GatewayText.SLOW_DOWN: (
            "Kirjoitat nopeammin kuin ehdin lukea! Odota hetki ennen kuin lähetät lisää."
        ),
        GatewayText.USE_BUTTONS: ("Käytä painikkeita tai kerro omin sanoin, mitä haluaisit tehdä."),
        GatewayText.AGENT_JOINED: "{name} tiimistämme liittyi keskusteluun.",
        GatewayText.AGENT_LEFT: (
            "{name} poistui keskustelusta. Avustaja jatkaa: kirjoita, jos tarvitset vielä jotain."
        ),
    },
    "ar": {
        GatewayText.ONE_MOMENT: "لحظة من فضلك: وصلتني رسالتك وسأرد عليك في أقرب وقت ممكن.",
        GatewayText.TOO_LONG: "رسالتك طويلة بعض الشيء. هل يمكنك كتابتها في أقل من {limit} حرف؟",
        GatewayText.SLOW_DOWN: (
            "أنت تكتب أسرع مما أستطيع القراءة! من فضلك انتظر لحظة قبل إرسال المزيد."
        ),
        GatewayText.USE_BUTTONS: ("من فضلك استخدم الأزرار، أو أخبرني بكلماتك ما الذي تريد فعله."),
        GatewayText.AGENT_JOINED: "{name} من فريقنا معك الآن في المحادثة.",
        GatewayText.AGENT_LEFT: (
            "انتهت مشاركة {name} في المحادثة. المساعد معك من جديد: اكتب إذا احتجت أي شيء آخر."
        ),
    },
}

LANGUAGES = frozenset(_TEXTS)


def language_code(language: object) -> str:
    """'it-IT', 'it_IT' or 'IT' -> 'it'; English for anything the gateway has no words for."""
    if not isinstance(language, str):
        return DEFAULT_LANGUAGE
    code = language.strip().replace("_", "-").split("-")[0].lower()
    return code if code in _TEXTS else DEFAULT_LANGUAGE


def gateway_text(key: GatewayText, language: object = None, **values: object) -> str:
    """The sentence ``key`` in ``language`` (a code as channels send it), filled with ``values``."""
    return _TEXTS[language_code(language)][key].format(**values)
