"""Relay routing: assignment rules, group distribution and automation rules."""
