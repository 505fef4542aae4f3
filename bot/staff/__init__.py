"""The staff console: pages, JSON API and live channel for people answering handed-off
conversations (docs/handoff-design.md)."""

from bot.staff.live import AgentLive
from bot.staff.routes import staff_routes

__all__ = ["AgentLive", "staff_routes"]
