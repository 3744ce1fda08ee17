"""notes

Revision ID: 3f1d2c9a7b10
Revises:
Create Date: 2025-06-01 09:12:44.120391
"""
from alembic import op
import sqlalchemy as sa

revision = "3f1d2c9a7b10"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("notes")
