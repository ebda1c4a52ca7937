"""The one module that talks to Twilio.

Everything else calls ``Sender.send``; tests point the real twilio client at
a local Twilio-compatible server through ``TWILIO_API_URL``.
"""

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from gateway.config import Settings
from gateway.phones import mask

log = logging.getLogger(__name__)

# Twilio answers an SMS create within a second or two; a hung connection
# must not hold an alert back for long, since a retry may go elsewhere.
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class SendResult:
    sid: str | None
    status: str


class SendError(Exception):
    """Twilio refused or could not be reached; ``retryable`` says if it may pass."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None,
        retryable: bool,
        maybe_sent: bool = False,
        unsent: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        # The request may have reached Twilio before the failure (a timeout).
        self.maybe_sent = maybe_sent
        # Certainly not sent (too many calls at once, or no connection), so
        # even a message sent at most once may try again.
        self.unsent = unsent


class Sender(Protocol):
    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        """Hand one SMS to the provider; raise SendError when it is not taken."""
        ...


class StoreOnlySender:
    """The ``outbox`` backend: messages are only stored, for the dev phone."""

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        return SendResult(sid=None, status="stored")


class TwilioSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # requests sessions are not documented as thread-safe, and a job
        # runner sends from several threads: each thread has its own client.
        self._local = threading.local()

    @property
    def client(self) -> Client:
        client: Client | None = getattr(self._local, "client", None)
        if client is None:
            client = Client(
                self.settings.twilio_account_sid,
                self.settings.twilio_auth_token,
                http_client=_http_client(self.settings.twilio_api_url),
                environment={},
            )
            # The client has no base-URL option; the domain attribute is the seam.
            client.api.base_url = self.settings.twilio_api_url
            self._local.client = client
        return client

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        sender = self.settings
        kwargs: dict[str, str] = {"to": to, "body": body}
        if sender.twilio_messaging_service_sid:
            kwargs["messaging_service_sid"] = sender.twilio_messaging_service_sid
        else:
            kwargs["from_"] = sender.twilio_from
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            retryable = exc.status == 429 or exc.status >= 500
            raise SendError(
                f"twilio {exc.status}",
                code=exc.code,
                retryable=retryable,
                unsent=exc.status == 429,
            ) from None
        except requests.ConnectTimeout as exc:
            # No connection, so no request: nothing was sent.
            raise SendError(
                type(exc).__name__, code=None, retryable=True, unsent=True
            ) from None
        except requests.RequestException as exc:
            raise SendError(
                type(exc).__name__, code=None, retryable=True, maybe_sent=True
            ) from None
        log.debug("sms %s: accepted as %s", mask(to), message.sid)
        return SendResult(sid=message.sid, status=str(message.status or "queued"))


def _http_client(api_url: str) -> TwilioHttpClient:
    """twilio's HTTP client, with the environment's proxy and CA settings read once.

    requests otherwise reads every proxy variable of the environment on each
    call, which cost more CPU than the rest of a send (about a millisecond
    each, measured in a job runner).
    """
    http = TwilioHttpClient(timeout=TIMEOUT_S)
    session = http.session
    assert session is not None
    found = session.merge_environment_settings(api_url, {}, None, None, None)
    http.proxy = found["proxies"]
    session.verify = found["verify"]
    session.trust_env = False
    return http


def make_sender(settings: Settings) -> Sender:
    if settings.sms_backend == "outbox":
        return StoreOnlySender()
    return TwilioSender(settings)
