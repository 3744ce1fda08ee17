from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    DB_URI: str = "sqlite+aiosqlite:///./data/db/app.db"
    PAGE_SIZE: int = 50


settings = Settings()
