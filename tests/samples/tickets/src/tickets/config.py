import os

SERVER_URL = os.getenv("DATABASE_URL", "postgresql+asyncpg://tickets@localhost:5432")
DATABASE_NAME = os.getenv("DATABASE_NAME", "tickets")


def database_url(name: str = DATABASE_NAME) -> str:
    return f"{SERVER_URL.rstrip('/')}/{name}"
