"""Telegram, through python-telegram-bot: one conversation per private chat (``tg-<chat id>``),
relayed to Rasa by :mod:`bot.relay` like every channel. See docs/telegram.md.

The gateway starts it with :func:`start_telegram` when TELEGRAM_BOT_TOKEN is set, stops it with
``await channel.stop()``, and mounts :func:`webhook_route` (``/telegram/webhook``) for webhook
mode.
"""

from bot.telegram.channel import TelegramChannel, TelegramConfigError, start_telegram
from bot.telegram.webhook import webhook_route

__all__ = ["TelegramChannel", "TelegramConfigError", "start_telegram", "webhook_route"]
