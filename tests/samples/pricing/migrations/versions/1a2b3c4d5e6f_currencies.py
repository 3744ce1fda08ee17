"""currencies, seeded

Revision ID: 1a2b3c4d5e6f
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "1a2b3c4d5e6f"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    currencies = op.create_table(
        "currencies",
        sa.Column("code", sa.String(3), primary_key=True),
        sa.Column("minor_units", sa.Integer(), nullable=False),
    )
    op.bulk_insert(
        currencies,
        [
            {"code": "EUR", "minor_units": 2},
            {"code": "USD", "minor_units": 2},
            {"code": "GBP", "minor_units": 2},
        ],
    )


def downgrade():
    op.drop_table("currencies")
