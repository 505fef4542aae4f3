"""The console's JSON API: sessions and CSRF on every call, the queue, one conversation with
its customer and orders, the agent's actions through the desk, canned replies."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from delivery.clock import utcnow
from delivery.db.session import unit_of_work
from delivery.services.canned_replies import add_canned_reply
from delivery.services.handoffs import claim_handoff, get_handoff
from delivery.vocabulary import HandoffStatus, ShipmentStatus, StaffRole
from tests import factories
from tests.bot.staff.conftest import Console, MakeAgent, open_handoff_for

ENDPOINTS = [
    ("GET", "/agent/api/queue"),
    ("GET", "/agent/api/handoffs/1"),
    ("POST", "/agent/api/handoffs/1/claim"),
    ("POST", "/agent/api/handoffs/1/reply"),
    ("POST", "/agent/api/handoffs/1/hand-back"),
    ("POST", "/agent/api/handoffs/1/close"),
    ("GET", "/agent/api/canned"),
    ("POST", "/agent/api/canned"),
    ("DELETE", "/agent/api/canned/1"),
]


async def test_every_endpoint_needs_a_staff_session(console: Console) -> None:
    async with console() as (client, _):
        for method, path in ENDPOINTS:
            response = await client.request(method, path, headers={"X-CSRF-Token": "x"})
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "unauthorized"
            assert response.headers["cache-control"] == "no-store"
        forged = await client.get("/agent/api/queue", headers={"Cookie": "staff_session=forged"})
        assert forged.status_code == 401


async def test_changes_need_the_session_s_csrf_token(
    console: Console, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    agent = make_agent()
    handoff_id = open_handoff_for(sessions)
    async with console() as (client, _):
        claim = f"/agent/api/handoffs/{handoff_id}/claim"
        missing = await client.post(claim, headers=agent.cookie)
        wrong = await client.post(claim, headers={**agent.cookie, "X-CSRF-Token": "nope"})
        other = make_agent("luca", name="Luca Bianchi")
        # Another session's token is no good either.
        borrowed = await client.post(claim, headers={**agent.cookie, "X-CSRF-Token": other.csrf})
        for response in (missing, wrong, borrowed):
            assert response.status_code == 403
            assert response.json()["error"] == "csrf"
        delete = await client.delete("/agent/api/canned/1", headers=agent.cookie)
        assert delete.status_code == 403
    with unit_of_work(sessions, writes=True) as session:
        assert get_handoff(session, handoff_id).status is HandoffStatus.WAITING


async def test_the_queue_shows_waiting_handoffs_oldest_first_then_active_ones(
    console: Console, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    agent = make_agent()
    now = utcnow()
    with unit_of_work(sessions, writes=True) as session:
        customer_id = factories.customer(session, name="Grace Hopper").id
    active = open_handoff_for(sessions, "web-active-1", requested_at=now - dt.timedelta(minutes=9))
    with unit_of_work(sessions, writes=True) as session:
        claim_handoff(session, active, staff_user_id=agent.user_id, now=now)
    newer = open_handoff_for(sessions, "tg-42", requested_at=now - dt.timedelta(minutes=1))
    older = open_handoff_for(
        sessions, "web-older-1", customer_id=customer_id, requested_at=now - dt.timedelta(minutes=5)
    )
    async with console() as (client, _):
        response = await client.get("/agent/api/queue", headers=agent.cookie)
    assert response.status_code == 200
    handoffs = response.json()["handoffs"]
    assert [h["id"] for h in handoffs] == [older, newer, active]
    first = handoffs[0]
    assert first["status"] == "waiting"
    assert first["customer_name"] == "Grace Hopper"
    assert first["reason"] == "customer_request" and first["channel"] == "web"
    assert 300 <= first["waiting_seconds"] < 330
    assert "conversation_id" not in first  # the widget's session id stays out of the console
    assert handoffs[2]["claimed_by_name"] == "Maria Rossi"
    assert handoffs[2]["claimed_by_id"] == agent.user_id
    assert 540 <= handoffs[2]["waiting_seconds"] < 560  # how long it waited until claimed


async def test_a_conversation_comes_with_its_transcript_customer_and_orders(
    console: Console, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    agent = make_agent()
    with unit_of_work(sessions, writes=True) as session:
        customer = factories.customer(session, name="Grace Hopper", email="grace@example.com")
        order = factories.order(session, customer_=customer, number="#200100", lines=2)
        shipment = factories.shipment(session, order, status=ShipmentStatus.IN_TRANSIT)
        factories.tracking_event(session, shipment)
        customer_id = customer.id
    handoff_id = open_handoff_for(sessions, customer_id=customer_id)
    async with console() as (client, _):
        response = await client.get(f"/agent/api/handoffs/{handoff_id}", headers=agent.cookie)
        missing = await client.get("/agent/api/handoffs/999999", headers=agent.cookie)
    assert response.status_code == 200
    body = response.json()
    assert body["handoff"]["id"] == handoff_id
    assert [(m["sender"], m["text"]) for m in body["transcript"]] == [
        ("customer", "where is my parcel?"),
        ("bot", "Which order?"),
    ]
    assert body["transcript"][1]["buttons"] == [{"title": "A person", "payload": "/talk"}]
    assert body["customer"] == {
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "phone": customer.phone,
        "language": "en",
    }
    [shown] = body["orders"]
    assert shown["number"] == "#200100"
    [parcel] = shown["shipments"]
    assert parcel["tracking_number"] == shipment.tracking_number
    assert parcel["status"] == "in_transit"
    assert parcel["carrier"].startswith("Carrier")
    assert parcel["promised"]["window_start"] == "09:00"
    assert [step["stage"] for step in parcel["timeline"]] == [
        "ordered", "shipped", "in_transit", "out_for_delivery", "delivered",
    ]  # fmt: skip
    assert [step["current"] for step in parcel["timeline"]].index(True) == 2
    assert len(parcel["items"]) == 2
    assert parcel["events"][0]["description"] == "Parcel in transit"
    assert missing.status_code == 404


async def test_an_unverified_conversation_has_no_customer_or_orders(
    console: Console, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    agent = make_agent()
    handoff_id = open_handoff_for(sessions, with_messages=False)
    async with console() as (client, _):
        body = (await client.get(f"/agent/api/handoffs/{handoff_id}", headers=agent.cookie)).json()
    assert body["customer"] is None
    assert body["orders"] == []
    assert body["transcript"] == []


async def test_only_one_agent_can_claim_a_handoff(
    console: Console, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    maria, luca = make_agent(), make_agent("luca", name="Luca Bianchi")
    handoff_id = open_handoff_for(sessions)
    claim = f"/agent/api/handoffs/{handoff_id}/claim"
    async with console() as (client, _):
        first = await client.post(claim, headers=maria.headers)
        second = await client.post(claim, headers=luca.headers)
        unknown = await client.post("/agent/api/handoffs/999999/claim", headers=maria.headers)
    assert first.status_code == 200
    assert first.json()["handoff"]["status"] == "active"
    assert first.json()["handoff"]["claimed_by_name"] == "Maria Rossi"
    assert second.status_code == 409
    assert second.json()["error"] == "already_claimed"
    assert second.json()["by"] == "Maria Rossi"
    assert unknown.status_code == 404


async def test_the_agent_holding_a_conversation_replies_to_it(
    console: Console, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    maria, luca = make_agent(), make_agent("luca", name="Luca Bianchi")
    handoff_id = open_handoff_for(sessions, "web-replies-01")
    reply = f"/agent/api/handoffs/{handoff_id}/reply"
    async with console() as (client, rasa):
        before_claim = await client.post(reply, headers=maria.headers, json={"text": "Hi"})
        assert before_claim.status_code == 403
        await client.post(f"/agent/api/handoffs/{handoff_id}/claim", headers=maria.headers)
        not_theirs = await client.post(reply, headers=luca.headers, json={"text": "Hi"})
        assert not_theirs.status_code == 403
        assert not_theirs.json()["error"] == "not_yours"
        for bad in ({"text": "   "}, {"text": "x" * 2001}, {"text": 12}, {}):
            refused = await client.post(reply, headers=maria.headers, json=bad)
            assert refused.status_code == 422, bad
        not_json = await client.post(reply, headers=maria.headers, content=b"hello")
        assert not_json.status_code == 400
        sent = await client.post(
            reply, headers=maria.headers, json={"text": "  Hello, I'm looking into it.  "}
        )
        assert sent.status_code == 200
        longest = await client.post(reply, headers=maria.headers, json={"text": "y" * 2000})
        assert longest.status_code == 200
        body = (await client.get(f"/agent/api/handoffs/{handoff_id}", headers=maria.headers)).json()
        for _ in range(100):  # the desk tells Rasa in the background
            if any(e.get("event") == "bot" for e in rasa.appended.get("web-replies-01", [])):
                break
            await asyncio.sleep(0.02)
    agent_messages = [m for m in body["transcript"] if m["sender"] == "agent"]
    assert agent_messages[0]["text"] == "Hello, I'm looking into it."
    assert agent_messages[0]["agent"] == "Maria Rossi"
    assert "custom" not in agent_messages[0]
    bot_events = [e for e in rasa.appended["web-replies-01"] if e["event"] == "bot"]
    assert bot_events[0]["metadata"] == {"agent": "Maria Rossi"}


async def test_handing_back_and_closing(
    console: Console, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    maria = make_agent()
    held = open_handoff_for(sessions, "web-held-0001")
    waiting = open_handoff_for(sessions, "web-waiting-01")
    async with console() as (client, _):
        await client.post(f"/agent/api/handoffs/{held}/claim", headers=maria.headers)
        close_held = f"/agent/api/handoffs/{held}/close"
        for bad in ({"outcome": "fine"}, {}):
            refused = await client.post(close_held, headers=maria.headers, json=bad)
            assert refused.status_code == 422
        back = await client.post(f"/agent/api/handoffs/{held}/hand-back", headers=maria.headers)
        assert back.status_code == 200
        assert back.json()["handoff"]["status"] == "returned"
        again = await client.post(close_held, headers=maria.headers, json={"outcome": "resolved"})
        assert again.status_code == 409
        assert again.json()["error"] == "not_open"
        # A customer who left before anyone came: closed straight from the queue.
        closed = await client.post(
            f"/agent/api/handoffs/{waiting}/close", headers=maria.headers,
            json={"outcome": "no_reply"},
        )  # fmt: skip
        assert closed.status_code == 200
        assert closed.json()["handoff"]["status"] == "closed"
        assert closed.json()["handoff"]["outcome"] == "no_reply"
        queue = (await client.get("/agent/api/queue", headers=maria.headers)).json()
    assert queue["handoffs"] == []


async def test_everyone_reads_canned_replies_but_only_admins_change_them(
    console: Console, make_agent: MakeAgent, sessions: sessionmaker[Session]
) -> None:
    agent, admin = make_agent(), make_agent("boss", name="Ada Admin", role=StaffRole.ADMIN)
    with unit_of_work(sessions, writes=True) as session:
        reply_id = add_canned_reply(
            session, title="Greeting", text="Hello, I'm here to help.", now=utcnow()
        ).id
    async with console() as (client, _):
        listed = await client.get("/agent/api/canned", headers=agent.cookie)
        assert listed.json() == {
            "replies": [{"id": reply_id, "title": "Greeting", "text": "Hello, I'm here to help."}]
        }
        new = {"title": "Bye", "text": "Have a good day!"}
        by_agent = await client.post("/agent/api/canned", headers=agent.headers, json=new)
        assert by_agent.status_code == 403
        assert by_agent.json()["error"] == "forbidden"
        deleted_by_agent = await client.delete(
            f"/agent/api/canned/{reply_id}", headers=agent.headers
        )
        assert deleted_by_agent.status_code == 403
        added = await client.post("/agent/api/canned", headers=admin.headers, json=new)
        assert added.status_code == 201
        assert added.json()["reply"]["title"] == "Bye"
        empty = await client.post(
            "/agent/api/canned", headers=admin.headers, json={"title": " ", "text": "x"}
        )
        assert empty.status_code == 422
        gone = await client.delete(f"/agent/api/canned/{reply_id}", headers=admin.headers)
        assert gone.status_code == 204
        again = await client.delete(f"/agent/api/canned/{reply_id}", headers=admin.headers)
        assert again.status_code == 404
        titles = [
            r["title"]
            for r in (await client.get("/agent/api/canned", headers=agent.cookie)).json()["replies"]
        ]
    assert titles == ["Bye"]
