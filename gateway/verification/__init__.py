"""Binding a phone to a worker: a security code, then the worker's last name."""
