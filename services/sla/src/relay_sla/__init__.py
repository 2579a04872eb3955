"""Relay SLA: service calendars, SLA rules, and the deadlines of every ticket."""
