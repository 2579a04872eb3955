"""Relay's shared service kit: everything each service would otherwise copy."""
