"""WSGI entry point: ``gunicorn wsgi:app``."""

from gateway import config, create_app, logs

logs.configure()
app = create_app()
config.require_redis(app.extensions["gateway"].settings)
