"""Tables, as SQLAlchemy declarative models.

Every relationship is ``lazy="raise"``: touching one that a query did not load
raises at once instead of emitting hidden SQL (which, in async code, fails or
hangs). Repositories load what they return eagerly (see ``mappers.py``).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base; ``Base.metadata`` holds every table."""


class ArtistRecord(Base):
    __tablename__ = "artists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class TrackRecord(Base):
    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    duration_ms: Mapped[int | None]
    isrc: Mapped[str | None] = mapped_column(String(12), unique=True)
    artist_credits: Mapped[list[ArtistCreditRecord]] = relationship(
        order_by="ArtistCreditRecord.position",
        cascade="all, delete-orphan",
        lazy="raise",
    )


class ArtistCreditRecord(Base):
    """An artist credited on a track, at a billing position."""

    __tablename__ = "track_artists"
    __table_args__ = (UniqueConstraint("track_id", "artist_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"), index=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artists.id"), index=True)
    position: Mapped[int]
    artist: Mapped[ArtistRecord] = relationship(lazy="raise")


class PlaylistRecord(Base):
    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    entries: Mapped[list[PlaylistEntryRecord]] = relationship(
        order_by="PlaylistEntryRecord.position",
        cascade="all, delete-orphan",
        lazy="raise",
    )


class PlaylistEntryRecord(Base):
    """A track in a playlist, at a position."""

    __tablename__ = "playlist_tracks"
    __table_args__ = (UniqueConstraint("playlist_id", "track_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlists.id"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"), index=True)
    position: Mapped[int]
    track: Mapped[TrackRecord] = relationship(lazy="raise")
