"""Use-cases: plain functions (actor, arguments) -> result; the rules of DESIGN.md live here.

Nothing in this package imports Slack, Flask or SMTP (tests/test_layers.py enforces it).
"""
