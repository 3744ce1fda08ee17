from urllib.parse import quote

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    POSTGRES_USER: str = "kennel"
    POSTGRES_PASSWORD: str = ""
    POSTGRES_HOST: str = "localhost"
    POSTGRES_PORT: int = 5432
    POSTGRES_DB: str = "kennel"

    @property
    def SQLALCHEMY_DATABASE_URI(self) -> str:  # noqa: N802
        credentials = quote(self.POSTGRES_USER)
        if self.POSTGRES_PASSWORD:
            credentials += ":" + quote(self.POSTGRES_PASSWORD, safe="")
        return (
            f"postgresql+asyncpg://{credentials}@{self.POSTGRES_HOST}:"
            f"{self.POSTGRES_PORT}/{self.POSTGRES_DB}"
        )


settings = Settings()
