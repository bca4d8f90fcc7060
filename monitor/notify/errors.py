"""What can go wrong when a notifier sends, split by what the caller should do next."""
from __future__ import annotations


class DeliveryError(Exception):
    """A message was not delivered; `sent_ids` lists the parts that were, so a retry can resume."""

    sent_ids: tuple[int, ...] = ()


class TransientDeliveryError(DeliveryError):
    """The channel is unavailable for now; keep the message pending and retry later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help until someone fixes the configuration or the recipient."""


class RecipientRefused(PermanentDeliveryError):
    """The recipient refuses every message (bot blocked, chat gone, every address refused): stop sending there."""
