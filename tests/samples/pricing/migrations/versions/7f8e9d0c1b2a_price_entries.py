"""price entries, and yen

Revision ID: 7f8e9d0c1b2a
Revises: 1a2b3c4d5e6f
"""
import sqlalchemy as sa
from alembic import op

revision = "7f8e9d0c1b2a"
down_revision = "1a2b3c4d5e6f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "price_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sku", sa.String(40), nullable=False),
        sa.Column("currency_code", sa.String(3), sa.ForeignKey("currencies.code"), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
    )
    op.execute("INSERT INTO currencies (code, minor_units) VALUES ('JPY', 0)")


def downgrade():
    op.execute("DELETE FROM currencies WHERE code = 'JPY'")
    op.drop_table("price_entries")
