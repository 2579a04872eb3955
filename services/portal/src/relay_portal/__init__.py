"""Relay portal: the customers' own web front."""
