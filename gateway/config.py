"""Configuration from the environment, read in this module only.

A bad or missing value stops start-up with a message that names the variable,
rather than failing later in the middle of an escalation.
"""

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names it."""


BACKENDS = ("twilio", "outbox")
DEFAULT_API_URL = "https://api.twilio.com"


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    public_url: str
    sms_backend: str
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_from: str
    twilio_messaging_service_sid: str
    twilio_api_url: str
    sweep_interval: float
    instance_path: Path
    dev: bool
    # A job runner on a machine without the web serves /metrics on this port.
    metrics_port: int | None = None
    # Twilio API calls each job runner makes at once.
    send_threads: int = 8


def load(
    environ: Mapping[str, str] | None = None,
    *,
    instance_path: Path | None = None,
    dev: bool = False,
) -> Settings:
    """Build settings from ``environ`` (default ``os.environ``); raise ConfigError."""
    env = dict(os.environ if environ is None else environ)
    dev = dev or env.get("GATEWAY_DEV") == "1"
    instance = Path(env.get("GATEWAY_INSTANCE", instance_path or "instance")).resolve()

    backend = env.get("SMS_BACKEND") or ("outbox" if dev else "twilio")
    if backend not in BACKENDS:
        raise ConfigError(f"SMS_BACKEND must be one of {', '.join(BACKENDS)}")

    settings = Settings(
        database_url=env.get("DATABASE_URL") or _default_database(instance),
        redis_url=env.get("REDIS_URL") or None,
        secret_key=_secret_key(env, instance, dev),
        public_url=_public_url(env, dev),
        sms_backend=backend,
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=_auth_token(env, instance, dev),
        twilio_from=env.get("TWILIO_FROM", ""),
        twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        twilio_api_url=_api_url(env),
        sweep_interval=_seconds(env, "SWEEP_INTERVAL", 15.0, maximum=30.0),
        instance_path=instance,
        dev=dev,
        metrics_port=_port(env, "METRICS_PORT"),
        send_threads=_count(env, "SEND_THREADS", 8, maximum=64),
    )
    if backend == "twilio":
        _require_twilio(settings)
    return settings


def require_redis(settings: Settings) -> str:
    """Return REDIS_URL, or stop: web and job runner do not run without Redis."""
    if not settings.redis_url:
        raise ConfigError(
            "REDIS_URL is required (use 'gateway dev' for an embedded Redis)"
        )
    return settings.redis_url


def _default_database(instance: Path) -> str:
    return f"sqlite:///{instance / 'gateway.db'}"


MIN_SECRET = 16


def _secret_key(env: Mapping[str, str], instance: Path, dev: bool) -> str:
    if env.get("SECRET_KEY"):
        # It keys the hashes of four-digit codes: a short key is guessable.
        if len(env["SECRET_KEY"]) < MIN_SECRET:
            raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET} characters")
        return env["SECRET_KEY"]
    if not dev:
        raise ConfigError("SECRET_KEY is required outside 'gateway dev'")
    return _instance_secret(instance, "secret_key")


def _auth_token(env: Mapping[str, str], instance: Path, dev: bool) -> str:
    # Under 'gateway dev' without Twilio credentials, webhooks are still
    # signed and checked, with a token generated for this instance.
    if env.get("TWILIO_AUTH_TOKEN"):
        return env["TWILIO_AUTH_TOKEN"]
    return _instance_secret(instance, "dev_auth_token") if dev else ""


def _instance_secret(instance: Path, name: str) -> str:
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _public_url(env: Mapping[str, str], dev: bool) -> str:
    url = env.get("PUBLIC_URL", "").rstrip("/")
    if not url:
        if dev:
            return "http://127.0.0.1:5000"
        raise ConfigError("PUBLIC_URL is required outside 'gateway dev'")
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and _is_loopback(parts.hostname or ""):
        return url
    raise ConfigError("PUBLIC_URL must be https (http only on a loopback address)")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _api_url(env: Mapping[str, str]) -> str:
    url = env.get("TWILIO_API_URL") or DEFAULT_API_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("TWILIO_API_URL must be an http(s) URL")
    return url.rstrip("/")


def _seconds(
    env: Mapping[str, str], name: str, default: float, maximum: float
) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds") from None
    if not 0 < value <= maximum:
        raise ConfigError(f"{name} must be between 0 and {maximum:g} seconds")
    return value


def _port(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name} must be a TCP port number")
    return int(raw)


def _count(env: Mapping[str, str], name: str, default: int, *, maximum: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ConfigError(f"{name} must be a whole number from 1 to {maximum}")
    return int(raw)


def _require_twilio(settings: Settings) -> None:
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise ConfigError(
            "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required "
            "with SMS_BACKEND=twilio"
        )
    if not (settings.twilio_from or settings.twilio_messaging_service_sid):
        raise ConfigError(
            "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required "
            "with SMS_BACKEND=twilio"
        )
