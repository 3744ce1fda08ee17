import os

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine(os.getenv("SHOP_DATABASE_URL", "sqlite+aiosqlite:///./shop.db"))
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
