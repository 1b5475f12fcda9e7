"""Security suite (issue 7): attacks on every door the app has, each refused without a trace in the data.

- test_signed_requests: 1,000 stale and 1,000 tampered Slack requests -> 401, no rows, body not logged.
- test_random_tokens: 10,000 random invitation tokens -> none accepted, rate limits engage, and the
  unknown / expired / used answers reveal nothing about which customers exist.
- test_web_hardening: CSRF on every form, security headers on every page, session cookie flags,
  rate limits on links and logins, Argon2id parameters against OWASP's minimum.
- test_forged_admin_actions: a non-admin forging each admin action's payload is refused, nothing changes.
- test_export_formulas: CSV exports neutralise formula payloads.
- test_secrets_stay_out_of_logs: a full flow's logs hold no token and no password.

A package, so that its module names cannot collide with test modules of the same name elsewhere.
"""
