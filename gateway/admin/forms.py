"""Reading a submitted form into clean values, with a message per field."""

from collections.abc import Callable
from typing import TypeVar

from flask import request

from gateway.directory import FieldError

T = TypeVar("T")


class Form:
    """The typed values (kept to show back) and the errors beside each field."""

    def __init__(self, *fields: str) -> None:
        self.data = {name: request.form.get(name, "")[:1000] for name in fields}
        self.errors: dict[str, str] = {}

    def clean(self, field: str, cleaner: Callable[[str], T]) -> T | None:
        """Run ``cleaner`` on the field; a FieldError becomes its message."""
        try:
            return cleaner(self.data[field])
        except FieldError as exc:
            self.errors[exc.field] = str(exc)
            return None

    def refuse(self, exc: FieldError) -> None:
        self.errors[exc.field] = str(exc)

    @property
    def ok(self) -> bool:
        return not self.errors


def level(raw: str) -> int:
    text = raw.strip()
    if not text.isdigit() or not 1 <= int(text) <= 20:
        raise FieldError("level", "Enter a level from 1 to 20.")
    return int(text)
