"""The demo's staff side: a demo agent to sign in to the console with, and canned replies."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from delivery.db.staff_models import CannedReply
from delivery.services.canned_replies import add_canned_reply
from delivery.services.staff_accounts import any_staff_user, create_staff_user
from delivery.vocabulary import StaffRole

DEMO_AGENT_USERNAME = "agent"
DEMO_AGENT_NAME = "Alex (demo agent)"

#: (title, text): general enough for any order, with nothing to fill in before sending.
DEMO_CANNED_REPLIES = (
    (
        "Greeting",
        "Hi, thanks for waiting! I'm a member of the support team and I'm here to help. "
        "Give me a moment to read through your conversation.",
    ),
    (
        "Ask for the order number",
        "Could you send me your order number? It's in your confirmation e-mail and starts with #.",
    ),
    (
        "Checking with the carrier",
        "I'm checking with the carrier now; this can take a few minutes. I'll update you here "
        "as soon as I hear back.",
    ),
    (
        "Replacement on its way",
        "I'm sorry about this. I've arranged a replacement at no cost to you; you'll receive "
        "a new tracking number by e-mail as soon as it ships.",
    ),
    (
        "Refund issued",
        "I've issued a full refund to your original payment method. Depending on your bank, "
        "it will show up within 3-5 working days.",
    ),
    (
        "Goodbye",
        "Is there anything else I can help with? If not, I'll hand you back to our assistant, "
        "which can answer delivery questions any time. Have a lovely day!",
    ),
)


@dataclass(frozen=True)
class DemoStaff:
    """What :func:`seed_demo_staff` added; the password is shown once and never stored."""

    agent_password: str | None
    canned_replies: int

    def login_line(self) -> str | None:
        if self.agent_password is None:
            return None
        return (
            f"staff console login: {DEMO_AGENT_USERNAME} / {self.agent_password} (shown once; "
            f"change it with: python -m delivery staff set-password {DEMO_AGENT_USERNAME})"
        )


def seed_demo_staff(session: Session, *, now: dt.datetime) -> DemoStaff:
    """Add the demo agent when there is no staff user, and the canned replies when there are
    none: a database that has either keeps what it has."""
    password = None
    if not any_staff_user(session):
        password = secrets.token_urlsafe(9)
        create_staff_user(
            session,
            username=DEMO_AGENT_USERNAME,
            display_name=DEMO_AGENT_NAME,
            password=password,
            role=StaffRole.ADMIN,
            now=now,
        )
    added = 0
    if not session.scalar(select(exists().where(CannedReply.id.is_not(None)))):
        for title, text in DEMO_CANNED_REPLIES:
            add_canned_reply(session, title=title, text=text, now=now)
        added = len(DEMO_CANNED_REPLIES)
    return DemoStaff(agent_password=password, canned_replies=added)
