"""Errors a use case raises when what it was asked to work on does not exist."""


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
