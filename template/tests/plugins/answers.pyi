"""The interface of ``answers.py.jinja``, for checking the plain modules here (not rendered)."""

BACKEND: str
DATABASE: str
PACKAGE_NAME: str
ALEMBIC_CONFIG: str | None
DATABASE_URL_ENV: str | None
TEST_REQUIREMENTS: list[str]
