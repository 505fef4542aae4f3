"""The action server registers exactly the actions the domain lists (as rasa-sdk does on start)."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import ActionExecutor


def test_every_domain_action_is_registered_and_nothing_else(domain: dict[str, Any]) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    registered = set(executor.actions)
    listed = {action for action in domain["actions"] if not action.startswith("utter_")}
    assert registered == listed
