"""Local stand-ins for the outside world: a fault-injecting HTTP server on 127.0.0.1."""
