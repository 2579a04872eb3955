"""Relay notify: email, webhook and SMS delivery of ticket events."""
