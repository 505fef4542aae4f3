"""``make chat``: talk to the running assistant from the terminal (Rasa's REST channel).

Start the assistant with ``make run`` in another terminal first. Buttons are listed with a
number: type the number to press one. Ctrl-D or Ctrl-C leaves. RASA_URL points elsewhere.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import urllib.error
import urllib.request
from typing import Any

DEFAULT_RASA_URL = "http://127.0.0.1:5005"


def send(rasa_url: str, sender: str, message: str) -> list[dict[str, Any]]:
    body = json.dumps(
        {"sender": sender, "message": message, "input_channel": "rest", "metadata": {}}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (a URL the developer chose)
        f"{rasa_url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        replies: list[dict[str, Any]] = json.load(response)
    return replies


def show(replies: list[dict[str, Any]]) -> list[str]:
    """Print the replies; the payloads of their buttons, in the order they were numbered."""
    payloads = []
    for reply in replies:
        if reply.get("text"):
            print(f"  bot: {reply['text']}")
        for button in reply.get("buttons") or []:
            payloads.append(button["payload"])
            print(f"       [{len(payloads)}] {button['title']}")
    return payloads


def main() -> int:
    rasa_url = os.environ.get("RASA_URL", DEFAULT_RASA_URL).rstrip("/")
    sender = f"terminal-{secrets.token_hex(4)}"
    print(f"Talking to {rasa_url} as {sender}. Try: where is my order 100001? (Ctrl-D leaves)")
    payloads: list[str] = []
    while True:
        try:
            text = input("you: ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not text:
            continue
        if text.isdigit() and 0 < int(text) <= len(payloads):
            text = payloads[int(text) - 1]
        try:
            payloads = show(send(rasa_url, sender, text))
        except (urllib.error.URLError, OSError) as error:
            print(f"  (cannot reach the assistant at {rasa_url}: {error}; is `make run` running?)")


if __name__ == "__main__":
    sys.exit(main())
