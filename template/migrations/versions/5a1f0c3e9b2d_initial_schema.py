"""Initial schema: artists, tracks and their credits, playlists and their entries.

Revision ID: 5a1f0c3e9b2d
Revises: None
Create Date: 2026-11-30 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a1f0c3e9b2d"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "artists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "playlists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("isrc", sa.String(length=12), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("isrc"),
    )
    op.create_table(
        "playlist_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["playlist_id"], ["playlists.id"]),
        sa.ForeignKeyConstraint(["track_id"], ["tracks.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("playlist_id", "track_id"),
    )
    op.create_index(op.f("ix_playlist_tracks_playlist_id"), "playlist_tracks", ["playlist_id"])
    op.create_index(op.f("ix_playlist_tracks_track_id"), "playlist_tracks", ["track_id"])
    op.create_table(
        "track_artists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("artist_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["artist_id"], ["artists.id"]),
        sa.ForeignKeyConstraint(["track_id"], ["tracks.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("track_id", "artist_id"),
    )
    op.create_index(op.f("ix_track_artists_artist_id"), "track_artists", ["artist_id"])
    op.create_index(op.f("ix_track_artists_track_id"), "track_artists", ["track_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_track_artists_track_id"), table_name="track_artists")
    op.drop_index(op.f("ix_track_artists_artist_id"), table_name="track_artists")
    op.drop_table("track_artists")
    op.drop_index(op.f("ix_playlist_tracks_track_id"), table_name="playlist_tracks")
    op.drop_index(op.f("ix_playlist_tracks_playlist_id"), table_name="playlist_tracks")
    op.drop_table("playlist_tracks")
    op.drop_table("tracks")
    op.drop_table("playlists")
    op.drop_table("artists")
