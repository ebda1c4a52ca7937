"""The inbound webhook trusts only Twilio's signature and acts once per MessageSid."""

from sqlalchemy import func, select

from gateway.models import Inbound, Journey
from tests.conftest import ACCOUNT_SID, PUBLIC_URL, reply_text, sign
from tests.helpers import WORKER_PHONE, make_org


def _params(body="START 2h", sid="SM" + "a1" * 16):
    return {
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": WORKER_PHONE,
        "To": "+61491570999",
        "Body": body,
    }


def _count(rt, model):
    with rt.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_missing_signature_is_refused_and_changes_nothing(rt, client):
    make_org(rt)

    response = client.post("/sms/inbound", data=_params())

    assert response.status_code == 403
    assert _count(rt, Inbound) == 0


def test_a_forged_signature_is_refused(rt, client):
    make_org(rt)
    params = _params()
    forged = sign(PUBLIC_URL + "/sms/inbound", params, token="not-our-token")

    response = client.post(
        "/sms/inbound", data=params, headers={"X-Twilio-Signature": forged}
    )

    assert response.status_code == 403
    assert _count(rt, Journey) == 0


def test_a_body_changed_after_signing_is_refused(rt, client):
    make_org(rt)
    params = _params("ARRIVED")
    signature = sign(PUBLIC_URL + "/sms/inbound", params)
    params["Body"] = "START 2h"

    response = client.post(
        "/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )

    assert response.status_code == 403
    assert _count(rt, Journey) == 0


def test_a_signature_for_another_url_is_refused(rt, client):
    make_org(rt)
    params = _params()
    signature = sign("https://elsewhere.example/sms/inbound", params)

    response = client.post(
        "/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
    )

    assert response.status_code == 403


def test_a_retried_message_sid_acts_once_and_gets_the_same_reply(rt, client):
    make_org(rt)
    params = _params("START 2h Newman")
    headers = {"X-Twilio-Signature": sign(PUBLIC_URL + "/sms/inbound", params)}

    first = client.post("/sms/inbound", data=params, headers=headers)
    second = client.post("/sms/inbound", data=params, headers=headers)

    assert reply_text(first.get_data(as_text=True)).startswith("Journey started.")
    assert second.get_data(as_text=True) == first.get_data(as_text=True)
    assert _count(rt, Journey) == 1
    assert _count(rt, Inbound) == 1


def test_the_reply_is_twiml(rt, client):
    make_org(rt)
    params = _params("HELP")
    headers = {"X-Twilio-Signature": sign(PUBLIC_URL + "/sms/inbound", params)}

    response = client.post("/sms/inbound", data=params, headers=headers)

    assert response.mimetype == "text/xml"
    assert "<Response><Message>" in response.get_data(as_text=True)


def test_a_status_callback_needs_a_signature_too(rt, client):
    response = client.post(
        "/sms/status", data={"MessageSid": "SM1", "MessageStatus": "delivered"}
    )

    assert response.status_code == 403


def _status(client, params):
    headers = {"X-Twilio-Signature": sign(PUBLIC_URL + "/sms/status", params)}
    return client.post("/sms/status", data=params, headers=headers)


def test_a_status_callback_with_an_odd_error_code_is_answered_calmly(rt, client):
    odd = ["²", "9" * 40, "-1", "30003x", ""]

    answers = [
        _status(
            client,
            {"MessageSid": "SM" + "b2" * 16, "MessageStatus": "failed", "ErrorCode": c},
        ).status_code
        for c in odd
    ]

    assert answers == [204] * len(odd)


def test_an_ack_with_an_absurd_reference_touches_no_alert(rt, phone):
    from freezegun import freeze_time

    from tests.helpers import SAM, T0, run_jobs

    make_org(rt)
    with freeze_time(T0):
        phone(WORKER_PHONE).text("SOS")
        run_jobs(rt)
        reply = phone(SAM).text("ack 999999999999999999999")

    assert reply.startswith("No alert 999999999999999999999")
    with rt.db.session() as session:
        from gateway.models import Alert

        assert session.scalars(select(Alert.state)).all() == ["open"]


def test_a_message_sid_that_is_not_twilios_shape_changes_nothing(rt, client):
    make_org(rt)
    params = _params("START 2h", sid="SM1\nCRITICAL forged log line")
    headers = {"X-Twilio-Signature": sign(PUBLIC_URL + "/sms/inbound", params)}

    response = client.post("/sms/inbound", data=params, headers=headers)

    assert response.status_code == 200
    assert reply_text(response.get_data(as_text=True)) == ""
    assert _count(rt, Journey) == 0
