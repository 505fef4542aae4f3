"""Canned replies: listed by title, added within limits, deleted by id."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from delivery.services.canned_replies import (
    CannedReplyError,
    add_canned_reply,
    delete_canned_reply,
    list_canned_replies,
)
from tests import factories
from tests.factories import NOW


def test_listed_by_title(session: Session) -> None:
    factories.canned_reply(session, title="Refund issued")
    factories.canned_reply(session, title="Checking with the carrier")
    factories.canned_reply(session, title="Goodbye")
    titles = [reply.title for reply in list_canned_replies(session)]
    assert titles == ["Checking with the carrier", "Goodbye", "Refund issued"]


def test_added_with_surrounding_space_trimmed(session: Session) -> None:
    reply = add_canned_reply(session, title="  Greeting ", text=" Hi, how can I help?\n", now=NOW)
    assert (reply.title, reply.text, reply.created_at) == ("Greeting", "Hi, how can I help?", NOW)
    assert [r.id for r in list_canned_replies(session)] == [reply.id]


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("", "some text"),
        ("   ", "some text"),
        ("Title", ""),
        ("Title", " \n "),
        ("T" * 81, "some text"),
        ("Title", "x" * 1001),
    ],
)
def test_empty_or_too_long_is_refused(session: Session, title: str, text: str) -> None:
    with pytest.raises(CannedReplyError):
        add_canned_reply(session, title=title, text=text, now=NOW)
    assert list_canned_replies(session) == []


def test_the_longest_allowed_fit(session: Session) -> None:
    reply = add_canned_reply(session, title="T" * 80, text="x" * 1000, now=NOW)
    session.expire_all()
    assert len(list_canned_replies(session)[0].text) == 1000
    assert reply.title == "T" * 80


def test_deleted_by_id(session: Session) -> None:
    keep = factories.canned_reply(session)
    gone = factories.canned_reply(session)
    assert delete_canned_reply(session, gone.id) is True
    assert [r.id for r in list_canned_replies(session)] == [keep.id]
    assert delete_canned_reply(session, gone.id) is False
