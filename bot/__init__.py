"""The gateway: the web process in front of the assistant (pages, import API, channels).

Build it with :func:`bot.app.create_app`; run it with
``uvicorn --factory bot.app:create_app --port 8000``.
"""
