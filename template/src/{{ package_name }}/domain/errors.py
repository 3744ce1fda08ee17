"""Domain exceptions: broken business rules, raised before anything is stored."""


class DomainError(Exception):
    """Base class for every rule the domain refuses to break."""


class InvalidTrackError(DomainError):
    """A track's fields break a rule (empty title, bad ISRC, negative duration)."""


class InvalidPlaylistError(DomainError):
    """A playlist's fields break a rule (empty or overlong name)."""
