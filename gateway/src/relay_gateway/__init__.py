"""Relay gateway: the only public entry to Relay."""
