"""Analysts' tools over the stored archive: search, backtest, feedback, stats, import, export, serve, schemas."""


class AnalystError(Exception):
    """An analyst's request cannot be carried out; the message says why and what to do instead."""
