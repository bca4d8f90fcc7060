"""Dozor's monitor: everything after fetching, from text to delivered digests."""
