"""One spider per source kind."""
