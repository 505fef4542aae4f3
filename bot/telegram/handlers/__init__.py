"""The Telegram handlers: one small module per kind of update, registered in
:func:`bot.telegram.application.build_application`."""
