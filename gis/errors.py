"""Domain exceptions; api/ maps each one to an HTTP status in one table."""


class OnegridError(Exception):
    """Base class of every error the domain raises on purpose."""

    def __init__(self, message: str, *, where: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.details = details or {}

    def to_dict(self) -> dict:
        out = {"error": type(self).__name__, "message": self.message}
        if self.where:
            out["where"] = self.where
        if self.details:
            out["details"] = self.details
        return out


class NotFound(OnegridError):
    """The thing asked for does not exist (or is outside the caller's area)."""


class InvalidInput(OnegridError):
    """The caller sent something malformed: a field, a file, a parameter."""


class MalformedRequest(InvalidInput):
    """The request itself cannot be decoded (a header's encoding): a 400, not a 422."""


class InvalidGeometry(InvalidInput):
    """A geometry is malformed, empty, non-finite or has too many vertices."""


class CoordinateError(InvalidInput):
    """Coordinates do not fit the declared CRS (swapped axes, outside China, metres as degrees)."""


class Conflict(OnegridError):
    """The change clashes with the current state (duplicate code, stale edit)."""


class StaleEdit(Conflict):
    """The edit was based on a version that someone else has replaced since (If-Match)."""


class ConcurrentChange(Conflict):
    """Another change to the same rows was committed at the same moment; retry."""


class GenerationLocked(Conflict):
    """Only a draft generation may be edited; active and retired ones are history."""


class ActivationRefused(Conflict):
    """A generation cannot be activated while blocking validation findings remain."""


class PermissionDenied(OnegridError):
    """The caller's role does not allow this action."""


class NotAuthenticated(OnegridError):
    """No valid credentials were presented."""


class DatabaseUnavailable(OnegridError):
    """The database (or PostGIS) cannot be reached or is not set up."""


class ReasonRequired(PermissionDenied):
    """A sensitive read needs a stated reason (X-Access-Reason header or `reason` query)."""


class DatabaseSetupIncomplete(DatabaseUnavailable):
    """The database lacks a role, privilege or extension the DBA's one-time set-up provides."""
