"""Twilio's webhooks: inbound messages and delivery status callbacks."""

import logging
import re

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from gateway import delivery, inbound, runtime

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__)
SID = re.compile(r"[A-Za-z0-9]{2,64}")


def _runtime() -> runtime.Runtime:
    rt: runtime.Runtime = current_app.extensions["gateway"]
    return rt


def _check_signature() -> None:
    """403 unless Twilio signed exactly PUBLIC_URL + this path with our token."""
    settings = _runtime().settings
    url = settings.public_url + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    signature = request.headers.get("X-Twilio-Signature", "")
    token = settings.twilio_auth_token
    if not (
        token
        and signature
        and RequestValidator(token).validate(url, request.form, signature)
    ):
        log.warning(
            "webhook %s: bad or missing signature from %s",
            request.path,
            request.remote_addr,
        )
        abort(403)


def twiml(reply: str | None) -> Response:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return Response(str(response), mimetype="text/xml")


@bp.post("/sms/inbound")
def sms_inbound() -> Response:
    _check_signature()
    sid = request.form.get("MessageSid", "")
    sender = request.form.get("From", "")
    # Twilio's ids are letters and digits; anything else would end up in logs.
    if not SID.fullmatch(sid) or not sender:
        log.warning("webhook /sms/inbound: message without a usable MessageSid")
        return twiml(None)
    reply = inbound.process(
        _runtime(),
        sid=sid,
        from_=sender,
        to=request.form.get("To", ""),
        body=request.form.get("Body", ""),
    )
    return twiml(reply)


def _error_code(raw: str) -> int | None:
    # Twilio's codes are five digits; anything else is not one of them.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else None


@bp.post("/sms/status")
def sms_status() -> Response:
    _check_signature()
    sid = request.form.get("MessageSid", "")
    status = request.form.get("MessageStatus", "")
    code = request.form.get("ErrorCode", "")
    if sid and status:
        delivery.record_status(
            _runtime(),
            sid,
            status.lower(),
            _error_code(code),
            to=request.form.get("To", ""),
        )
    return Response("", status=204)
