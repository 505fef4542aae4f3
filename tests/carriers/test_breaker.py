"""The circuit breaker: closed, open after the threshold, one half-open probe, closed again."""

from __future__ import annotations

import pytest

from delivery.carriers.breaker import BreakerState, CircuitBreaker
from tests.carriers.transport import FakeClock


def _breaker(clock: FakeClock, threshold: int = 3, cooldown: float = 30.0) -> CircuitBreaker:
    return CircuitBreaker(
        "swift", failure_threshold=threshold, cooldown_seconds=cooldown, clock=clock
    )


def test_it_opens_after_the_threshold_of_failures_in_a_row(clock: FakeClock) -> None:
    breaker = _breaker(clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()
    assert breaker.retry_after() == 30.0


def test_a_success_resets_the_count(clock: FakeClock) -> None:
    breaker = _breaker(clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED


def test_after_the_cooldown_one_probe_passes_and_its_success_closes(clock: FakeClock) -> None:
    breaker = _breaker(clock, threshold=1)
    breaker.record_failure()
    clock.advance(29.9)
    assert not breaker.allow()
    clock.advance(0.1)
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.retry_after() == 0.0
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # nobody else while it is out
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow()


def test_a_failed_probe_opens_it_for_another_cooldown(clock: FakeClock) -> None:
    breaker = _breaker(clock, threshold=1)
    breaker.record_failure()
    clock.advance(30)
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.advance(29)
    assert not breaker.allow()
    clock.advance(1)
    assert breaker.allow()


def test_a_probe_that_never_reports_does_not_block_forever(clock: FakeClock) -> None:
    breaker = _breaker(clock, threshold=1)
    breaker.record_failure()
    clock.advance(30)
    assert breaker.allow()
    clock.advance(29)
    assert not breaker.allow()
    clock.advance(1)
    assert breaker.allow()  # the first probe is taken as lost


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("x", failure_threshold=0)
    with pytest.raises(ValueError):
        CircuitBreaker("x", cooldown_seconds=0)
