"""Configuration: a bad or missing value stops start-up with a clear message."""

import pytest

from gateway import config

BASE = {
    "SECRET_KEY": "k" * 32,
    "PUBLIC_URL": "https://checkin.example.org",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "t",
    "TWILIO_FROM": "+61491570999",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_a_complete_production_environment_loads(tmp_path):
    settings = config.load(BASE, instance_path=tmp_path)

    assert settings.sms_backend == "twilio"
    assert settings.twilio_api_url == "https://api.twilio.com"
    assert settings.database_url.startswith("sqlite:///")


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("SECRET_KEY", "SECRET_KEY"),
        ("PUBLIC_URL", "PUBLIC_URL"),
        ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"),
        ("TWILIO_FROM", "TWILIO_FROM"),
    ],
)
def test_a_missing_value_is_named(tmp_path, missing, named):
    env = {k: v for k, v in BASE.items() if k != missing}

    with pytest.raises(config.ConfigError) as error:
        config.load(env, instance_path=tmp_path)

    assert named in str(error.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PUBLIC_URL", "http://checkin.example.org"),
        ("PUBLIC_URL", "checkin.example.org"),
        ("SMS_BACKEND", "carrier-pigeon"),
        ("TWILIO_API_URL", "ftp://127.0.0.1"),
        ("SWEEP_INTERVAL", "120"),
        ("SWEEP_INTERVAL", "soon"),
    ],
)
def test_a_bad_value_stops_start_up(tmp_path, name, value):
    with pytest.raises(config.ConfigError) as error:
        config.load({**BASE, name: value}, instance_path=tmp_path)

    assert name in str(error.value)


def test_plain_http_is_allowed_on_loopback_only(tmp_path):
    settings = config.load(
        {**BASE, "PUBLIC_URL": "http://127.0.0.1:8000"}, instance_path=tmp_path
    )

    assert settings.public_url == "http://127.0.0.1:8000"


def test_dev_mode_generates_and_keeps_its_secret(tmp_path):
    first = config.load({}, instance_path=tmp_path, dev=True)
    second = config.load({}, instance_path=tmp_path, dev=True)

    assert first.secret_key == second.secret_key
    assert len(first.secret_key) == 64
    assert first.sms_backend == "outbox"


def test_web_and_job_runner_refuse_to_run_without_redis(tmp_path):
    settings = config.load(
        {k: v for k, v in BASE.items() if k != "REDIS_URL"}, instance_path=tmp_path
    )

    with pytest.raises(config.ConfigError, match="REDIS_URL"):
        config.require_redis(settings)


def test_a_short_secret_key_is_refused(tmp_path):
    with pytest.raises(config.ConfigError, match="at least 16"):
        config.load({**BASE, "SECRET_KEY": "a"}, instance_path=tmp_path)
