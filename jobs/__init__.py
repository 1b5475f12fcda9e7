"""Timed work: email delivery, expiry and reminders, and the scheduler that runs them."""
