from kennel.core import Settings


def test_the_url_is_assembled_from_the_postgres_variables(monkeypatch):
    monkeypatch.setenv("POSTGRES_USER", "app")
    monkeypatch.setenv("POSTGRES_PASSWORD", "p@ss")
    monkeypatch.setenv("POSTGRES_HOST", "db")
    monkeypatch.setenv("POSTGRES_PORT", "6543")
    monkeypatch.setenv("POSTGRES_DB", "kennel")

    url = Settings().SQLALCHEMY_DATABASE_URI

    assert url == "postgresql+asyncpg://app:p%40ss@db:6543/kennel"
