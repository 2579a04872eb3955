"""Relay tickets: the system of record for tickets, their lifecycle and history."""
