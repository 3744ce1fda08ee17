"""Errors a use case raises: what it was asked to work on is missing, or clashes."""


class NotFoundError(LookupError):
    """Base class: a referenced entity is missing."""


class PlaylistNotFoundError(NotFoundError):
    """No playlist has the requested id."""

    def __init__(self, playlist_id: int) -> None:
        super().__init__(f"playlist {playlist_id} does not exist")
        self.playlist_id = playlist_id


class TrackNotFoundError(NotFoundError):
    """No track has the requested id."""

    def __init__(self, track_id: int) -> None:
        super().__init__(f"track {track_id} does not exist")
        self.track_id = track_id


class ConflictError(ValueError):
    """Base class: the request clashes with what is already stored."""


class DuplicateIsrcError(ConflictError):
    """A stored track already has this ISRC (an ISRC identifies one recording)."""

    def __init__(self, isrc: str, track_id: int | None) -> None:
        super().__init__(f"track {track_id} already has the ISRC {isrc}")
        self.isrc = isrc
        self.track_id = track_id
