"""Notifiers: they receive rendered messages and send them; they never open the store."""
