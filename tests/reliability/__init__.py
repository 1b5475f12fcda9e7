"""Reliability suite (issue 7): faults, crashes and races, with real processes, sockets and databases.

- test_smtp_faults: 451 twice then accepted, 550, a connection dropped after DATA, the server down.
- test_slack_retries / test_slow_slack: 429 with Retry-After and 5xx from the stand-in; 2.5 s per call.
- test_crashes: kill -9 of `invitebot serve` in the middle of a bulk import and of a resend-all.
- test_races: two admins approving at once, 50 accepts of one link, four processes on one SQLite file.
- test_exactly_once: several schedulers (and web processes) on one database, every tick once.
- test_outbox_drain_concurrency: delivery passes in several processes send each email once.

A package, so that its module names cannot collide with test modules of the same name elsewhere.
"""
