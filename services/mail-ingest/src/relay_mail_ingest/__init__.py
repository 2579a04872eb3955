"""Relay mail ingest: SMTP, IMAP and Maildir intake that turns mail into tickets and comments."""
