"""The chat widget as a person uses it: a small page object over Playwright's locators.

Playwright's CSS locators reach into the widget's (open) shadow root, so these are the same
elements a person sees and a screen reader is given.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

# Rasa answers a turn in well under a second here; the first turns after start are slower.
REPLY_TIMEOUT_MS = 30_000


class Widget:
    def __init__(self, page: Page, input_label: str = "Your message") -> None:
        self.page = page
        self.launcher = page.locator(".da-launcher")
        self.panel = page.locator(".da-panel")
        self.input = page.get_by_role("textbox", name=input_label)
        self.log = page.locator(".da-log")
        self.status = page.locator(".da-status")
        self.typing = page.locator(".da-typing")

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.status).to_be_hidden()  # connected

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.customer_messages().last).to_contain_text(text)

    def customer_messages(self) -> Locator:
        return self.page.locator(".da-msg--customer .da-bubble")

    def bot_messages(self) -> Locator:
        return self.page.locator(".da-msg--bot .da-bubble, .da-msg--agent .da-bubble")

    def wait_for_reply(self, containing: str) -> Locator:
        """The newest bot message containing the text, once it is there."""
        message = self.bot_messages().filter(has_text=containing).last
        expect(message).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        return message

    def bot_count(self) -> int:
        return self.page.locator(".da-msg--bot").count()

    def wait_for_more_replies(self, than: int) -> None:
        """Until more than ``than`` bot messages are shown."""
        self.page.wait_for_function(
            """n => document.querySelector("#delivery-assistant").shadowRoot
                .querySelectorAll(".da-msg--bot").length > n""",
            arg=than,
            timeout=REPLY_TIMEOUT_MS,
        )

    def buttons(self) -> Locator:
        return self.page.locator(".da-choice")

    def enabled_buttons(self) -> Locator:
        return self.page.locator(".da-choice:enabled")

    def focused(self) -> str:
        """A description of the element with the keyboard focus, inside the shadow root too."""
        description: str = self.page.evaluate(
            """() => {
                let node = document.activeElement;
                while (node && node.shadowRoot && node.shadowRoot.activeElement) {
                    node = node.shadowRoot.activeElement;
                }
                if (!node) return "";
                return node.className || node.tagName.toLowerCase();
            }"""
        )
        return description
