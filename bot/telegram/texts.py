"""The Telegram channel's own few words, per language (as :mod:`bot.gateway_texts` does for the
gateway): answers to a shared contact, which never reaches Rasa, and the title of the "share my
location" button. Everything else the customer reads comes from Rasa's domain.
"""

from __future__ import annotations

from enum import StrEnum

from bot.gateway_texts import language_code


class TelegramText(StrEnum):
    SHARE_LOCATION = "share_location"  # the request-location button's title
    PHONE_LINKED = "phone_linked"
    PHONE_UNKNOWN = "phone_unknown"
    PHONE_NOT_OWN = "phone_not_own"
    FAILED = "failed"  # a handler failed unexpectedly: the customer is not left in silence


_TEXTS: dict[str, dict[TelegramText, str]] = {
    "en": {
        TelegramText.SHARE_LOCATION: "📍 Share my location",
        TelegramText.PHONE_LINKED: (
            "Thank you, I've recognised your phone number. I can now show you your orders."
        ),
        TelegramText.PHONE_UNKNOWN: (
            "I couldn't find an account with that phone number. You can still tell me your "
            "order number and the e-mail address or postcode it was ordered with."
        ),
        TelegramText.PHONE_NOT_OWN: (
            "Please share your own phone number: I can only use the number of the Telegram "
            "account you are writing from."
        ),
        TelegramText.FAILED: (
            "Sorry, something went wrong on my side. Please send your message again in a moment."
        ),
    },
    "it": {
        TelegramText.SHARE_LOCATION: "📍 Condividi la mia posizione",
        TelegramText.PHONE_LINKED: (
            "Grazie, ho riconosciuto il tuo numero di telefono. Ora posso mostrarti i tuoi ordini."
        ),
        TelegramText.PHONE_UNKNOWN: (
            "Non ho trovato un account con quel numero di telefono. Puoi comunque dirmi il "
            "numero d'ordine e l'e-mail o il CAP con cui hai ordinato."
        ),
        TelegramText.PHONE_NOT_OWN: (
            "Condividi il tuo numero di telefono: posso usare solo il numero dell'account "
            "Telegram da cui mi scrivi."
        ),
        TelegramText.FAILED: (
            "Scusa, qualcosa è andato storto da parte mia. Riprova a inviare il messaggio tra poco."
        ),
    },
    "pl": {
        TelegramText.SHARE_LOCATION: "📍 Udostępnij moją lokalizację",
        TelegramText.PHONE_LINKED: (
            "Dziękuję, rozpoznałem Twój numer telefonu. Mogę teraz pokazać Ci Twoje zamówienia."
        ),
        TelegramText.PHONE_UNKNOWN: (
            "Nie znalazłem konta z tym numerem telefonu. Możesz podać numer zamówienia oraz "
            "adres e-mail lub kod pocztowy, z którym zostało złożone."
        ),
        TelegramText.PHONE_NOT_OWN: (
            "Udostępnij swój własny numer telefonu: mogę użyć tylko numeru konta Telegram, "
            "z którego piszesz."
        ),
        TelegramText.FAILED: (
            "Przepraszam, coś poszło nie tak po mojej stronie. Wyślij wiadomość ponownie za chwilę."
        ),
    },
    "fi": {
        TelegramText.SHARE_LOCATION: "📍 Jaa sijaintini",
        TelegramText.PHONE_LINKED: (
            "Kiitos, tunnistin puhelinnumerosi. Voin nyt näyttää tilauksesi."
        ),
        TelegramText.PHONE_UNKNOWN: (
            "En löytänyt tiliä tällä puhelinnumerolla. Voit silti kertoa tilausnumerosi ja "
            "sähköpostiosoitteen tai postinumeron, jolla tilasit."
        ),
        TelegramText.PHONE_NOT_OWN: (
            "Jaa oma puhelinnumerosi: voin käyttää vain sen Telegram-tilin numeroa, josta "
            "kirjoitat."
        ),
        TelegramText.FAILED: (
            "Anteeksi, jokin meni vikaan päässäni. Lähetä viestisi uudelleen hetken kuluttua."
        ),
    },
    "ar": {
        TelegramText.SHARE_LOCATION: "📍 مشاركة موقعي",
        TelegramText.PHONE_LINKED: "شكرًا لك، تعرّفت على رقم هاتفك. يمكنني الآن أن أعرض لك طلباتك.",
        TelegramText.PHONE_UNKNOWN: (
            "لم أجد حسابًا بهذا الرقم. لا يزال بإمكانك إخباري برقم الطلب والبريد الإلكتروني "
            "أو الرمز البريدي الذي طلبت به."
        ),
        TelegramText.PHONE_NOT_OWN: (
            "من فضلك شارك رقم هاتفك أنت: لا يمكنني استخدام إلا رقم حساب تيليجرام الذي تكتب منه."
        ),
        TelegramText.FAILED: "عذرًا، حدث خطأ من جهتي. من فضلك أرسل رسالتك مرة أخرى بعد قليل.",
    },
}


def telegram_text(key: TelegramText, language: object = None) -> str:
    """The sentence ``key`` in ``language`` (Telegram's language_code), English as fallback."""
    return _TEXTS[language_code(language)][key]
