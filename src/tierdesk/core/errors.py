"""The errors services raise; every interface (API, pages, mail, CLI) maps them the same way."""

from __future__ import annotations


class TierdeskError(Exception):
    """Base class: a message meant for the person who made the request."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, details: object = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class NotFound(TierdeskError):
    """The object does not exist *or the actor may not see it*: the two are never told apart."""

    status = 404


class Forbidden(TierdeskError):
    """The actor may see the object but not do this to it."""

    status = 403


class InvalidInput(TierdeskError):
    status = 422


class InvalidTransition(TierdeskError):
    """The ticket's status does not allow the action (resolve a closed ticket, say)."""

    status = 409


class Conflict(TierdeskError):
    """Somebody else changed the object first; compare-and-set refused the stale write."""

    status = 409


class MissingFacts(TierdeskError):
    """Escalation refused: the category's required facts are not all gathered yet."""

    status = 422

    def __init__(self, missing: list[str]):
        names = ", ".join(missing)
        super().__init__(
            f"Escalation needs these facts first: {names}", field="facts", details=missing
        )
        self.missing = missing


class TooLarge(TierdeskError):
    """The request, or a file in it, is over its documented limit; refused while it streams."""

    status = 413
