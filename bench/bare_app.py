"""The ceiling for the webhook benchmark: Flask answering the same TwiML, no work.

``gunicorn bench.bare_app:app``; BENCH_TWIML holds the reply to answer with.
"""

import os

from flask import Flask, Response

app = Flask(__name__)
TWIML = os.environ.get(
    "BENCH_TWIML", "<?xml version='1.0' encoding='UTF-8'?><Response/>"
)


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok")


@app.post("/sms/inbound")
def inbound() -> Response:
    return Response(TWIML, mimetype="text/xml")
