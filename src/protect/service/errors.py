"""What can go wrong in a service call, independent of the interface that reports it."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base class; `status` is the HTTP status an API reports it with."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInputError(ServiceError):
    """The input does not validate; `errors` holds one entry per problem with its field path."""

    status = 422

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class NotFoundError(ServiceError):
    status = 404


class ConflictError(ServiceError):
    status = 409


class UnauthorizedError(ServiceError):
    """No credentials, or credentials that do not identify an active user."""

    status = 401


class TooManyAttemptsError(ServiceError):
    """Verification of a token is refused for a while after repeated failures;
    `retry_after` is the number of seconds until it is accepted again."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ForbiddenError(ServiceError):
    """The user is known but their role does not allow the action."""

    status = 403


class TooLargeError(ServiceError):
    """The request asks for more work than one request may (e.g. too many situations)."""

    status = 413


class LimitExceededError(ServiceError):
    """A user's allowance for the period is used up; `retry_after` is the number of seconds
    until it renews."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
