"""The bot's side of the conversation: button presses read with getUpdates and answered.

Only callback queries are asked for, with no long poll (timeout 0), so one call
never holds the daemon's feedback job for more than a request's time.
"""
from __future__ import annotations

import logging

import httpx

from monitor.notify.errors import PermanentDeliveryError, TransientDeliveryError
from monitor.notify.telegram import TelegramSettings, json_body, redact_httpx_log

logger = logging.getLogger(__name__)
MAX_UPDATES = 100


class UpdatesClient:
    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings
        redact_httpx_log()

    def updates(self, offset: int) -> list[dict]:
        """Button presses from `offset` on; asking with an offset confirms every earlier update to Telegram."""
        result = self._call("getUpdates", {"offset": offset, "limit": MAX_UPDATES, "timeout": 0,
                                           "allowed_updates": ["callback_query"]})
        return [update for update in result if isinstance(update, dict) and isinstance(update.get("update_id"), int)]

    def answer(self, query_id: str, text: str) -> None:
        """The short note the analyst sees on the button they pressed."""
        self._call("answerCallbackQuery", {"callback_query_id": query_id, "text": text})

    def _call(self, method: str, payload: dict) -> list | bool:
        settings = self.settings
        url = f"{settings.api_base.rstrip('/')}/bot{settings.token}/{method}"
        try:
            response = httpx.post(url, json=payload, timeout=settings.timeout)
        except httpx.RequestError as error:
            raise TransientDeliveryError(self._redact(
                f"Could not reach the Telegram Bot API at {settings.api_base} for {method} "
                f"({type(error).__name__}: {error}); button presses wait there and are read on the next poll."
            )) from None
        body = json_body(response)
        if response.status_code == 200 and body.get("ok"):
            return body.get("result", [])
        reply = f"{response.status_code}: {self._redact(str(body.get('description', response.reason_phrase)))}"
        if response.status_code == 409:
            raise PermanentDeliveryError(
                f"Telegram will not hand this bot's updates to Dozor ({reply}): a webhook is set or another program "
                "reads them. Remove the webhook (deleteWebhook) or set feedback_buttons: false on the channel."
            )
        if response.status_code in (401, 404):
            raise PermanentDeliveryError(f"Telegram did not accept the bot token ({reply}); check the token and api_base.")
        raise TransientDeliveryError(f"Telegram refused {method} ({reply}); it is asked again on the next poll.")

    def _redact(self, text: str) -> str:
        return text.replace(self.settings.token, "***")
