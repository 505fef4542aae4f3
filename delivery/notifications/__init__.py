"""Proactive notifications: which shipment changes deserve a message, and the durable queue.

See docs/notifications-design.md. Modules: :mod:`.kinds` (kinds and rules),
:mod:`.from_refresh` (rules applied to a carrier refresh), :mod:`.quiet_hours`,
:mod:`.policy`, :mod:`.queue` (enqueue and a sender's outcomes), :mod:`.claims` (leases, and
what a customer opening the widget is shown), :mod:`.opt_out`. Nothing is imported here, so
the models can import :mod:`.kinds` without pulling in the services.
"""
