import json
import time

from sqlalchemy import Text
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


class Base(DeclarativeBase):
    pass


def now_s() -> int:
    """Open WebUI stores timestamps as whole epoch seconds."""
    return int(time.time())


class JSONText(TypeDecorator):
    """Open WebUI's JSONField: a JSON document kept in a TEXT column on every database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else json.dumps(value)

    def process_result_value(self, value, dialect):
        if value is None or value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            return value  # e.g. valves kept encrypted as an opaque string
