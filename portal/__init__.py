"""What a customer sees: the invitation, login pages and the emails."""
