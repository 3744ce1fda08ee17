"""Command-line interface: ``music-library create-playlist|list-playlists|show-playlist|init-db``.

Each command opens one session from ``DATABASE_URL`` and commits through the
unit of work, exactly as a request handler would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any

from ..application import create_playlist
from ..application.errors import NotFoundError
from ..domain import Artist, DomainError, Playlist, Track
from ..infrastructure.persistence import (
    Base,
    DatabaseConfigError,
    dispose_engine,
    get_engine,
    get_session,
    get_unit_of_work,
)

TRACK_SEPARATOR = " - "


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit status."""
    args = _build_parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except (DatabaseConfigError, DomainError, NotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def parse_track(spec: str) -> Track:
    """Read ``"Artist - Title"`` (artists may be joined with ``&``)."""
    artists, separator, title = spec.partition(TRACK_SEPARATOR)
    if not separator:
        raise argparse.ArgumentTypeError(
            f"{spec!r} is not 'Artist - Title' (e.g. 'Nina Simone - Sinnerman')"
        )
    try:
        return Track(title=title, artists=[Artist(name=name) for name in artists.split("&")])
    except DomainError as error:
        raise argparse.ArgumentTypeError(f"{spec!r}: {error}") from error


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="music-library", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init-db", help="create the tables in DATABASE_URL")
    create = commands.add_parser("create-playlist", help="create a playlist from tracks")
    create.add_argument("name")
    create.add_argument(
        "--track",
        dest="tracks",
        action="append",
        default=[],
        type=parse_track,
        metavar="'ARTIST - TITLE'",
        help="a track to add, in order (repeat the option)",
    )
    commands.add_parser("list-playlists", help="list playlists with their track counts")
    show = commands.add_parser("show-playlist", help="show one playlist and its tracks")
    show.add_argument("playlist_id", type=int)
    return parser


async def _run(args: argparse.Namespace) -> int:
    try:
        return await _dispatch(args)
    finally:
        await dispose_engine()


async def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "init-db":
        async with get_engine().begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        print("tables created")
        return 0
    async with get_session() as session:
        uow = get_unit_of_work(session)
        if args.command == "create-playlist":
            playlist = await create_playlist(uow, args.name, args.tracks)
            _print_playlist(playlist, as_json=args.json, verb="created")
            return 0
        if args.command == "list-playlists":
            playlists = await uow.get_playlist_repository().list_playlists()
            _print_playlists(playlists, as_json=args.json)
            return 0
        found = await uow.get_playlist_repository().get_by_id(args.playlist_id)
        if found is None:
            print(f"error: playlist {args.playlist_id} does not exist", file=sys.stderr)
            return 1
        _print_playlist(found, as_json=args.json, verb="playlist")
        return 0


def _playlist_as_dict(playlist: Playlist) -> dict[str, Any]:
    return {
        "id": playlist.id,
        "name": playlist.name,
        "tracks": [
            {
                "id": track.id,
                "title": track.title,
                "artists": [{"id": artist.id, "name": artist.name} for artist in track.artists],
            }
            for track in playlist.tracks
        ],
    }


def _print_playlist(playlist: Playlist, *, as_json: bool, verb: str) -> None:
    if as_json:
        print(json.dumps(_playlist_as_dict(playlist)))
        return
    print(f"{verb} {playlist.id}: {playlist.name} ({len(playlist.tracks)} tracks)")
    for number, track in enumerate(playlist.tracks, start=1):
        print(f"  {number}. {' & '.join(track.artist_names)} - {track.title}")


def _print_playlists(playlists: Sequence[Playlist], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps([_playlist_as_dict(playlist) for playlist in playlists]))
        return
    for playlist in playlists:
        print(f"{playlist.id}: {playlist.name} ({len(playlist.tracks)} tracks)")
