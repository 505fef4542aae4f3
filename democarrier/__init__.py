"""The demo carrier service: Swift Parcels' and Boreal Express' APIs, simulated, for `make run`.

Its own small HTTP program (never imported by :mod:`delivery`): it seeds an in-memory model of
the demo database's parcels (:mod:`.seed`), moves them on over time and injects problems
(:mod:`.simulation`), tells the gateway through signed webhooks (:mod:`.webhooks`,
:mod:`.outbox`), and answers each carrier's API in that carrier's own shape (:mod:`.swift_api`,
:mod:`.boreal_api`), so the real adapters work against it. See docs/carriers-design.md.
"""
