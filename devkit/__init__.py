"""Demo and test tooling: stand-ins for the world around invitebot. The product never imports it."""
