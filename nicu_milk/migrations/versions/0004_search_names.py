"""Babies' names as searched: without accents or case, stored beside the name and indexed.

Revision ID: 0004_search_names
Revises: 0001
Create Date: 2026-11-29 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from nicu_milk.names import infant_search_name


# revision identifiers, used by Alembic.
revision = '0004_search_names'
down_revision = '0003_donor_milk_not_mothers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('infants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_name', sa.Text(), nullable=True))

    # Babies already on record get their folded names, computed as the service computes them.
    connection = op.get_bind()
    infants = sa.table('infants', sa.column('id', sa.Integer), sa.column('first_name', sa.String),
                       sa.column('last_name', sa.String), sa.column('search_name', sa.Text))
    rows = connection.execute(sa.select(infants.c.id, infants.c.first_name, infants.c.last_name))
    for infant_id, first_name, last_name in rows.all():
        connection.execute(infants.update().where(infants.c.id == infant_id)
                           .values(search_name=infant_search_name(first_name, last_name)))

    with op.batch_alter_table('infants', schema=None) as batch_op:
        batch_op.alter_column('search_name', existing_type=sa.Text(), nullable=False)
        batch_op.create_index(batch_op.f('ix_infants_search_name'), ['search_name'], unique=False)


def downgrade():
    with op.batch_alter_table('infants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_infants_search_name'))
        batch_op.drop_column('search_name')
