"""Donor milk is not the mother's milk: a donor-milk container records no mother.

A hold on a mother quarantines her own milk and never the donor milk her baby is fed meanwhile,
and a twin's donor milk is not "this baby's mother's milk". Existing donor-milk rows lose the
mother they were given from the baby.

Revision ID: 0003_donor_milk_not_mothers
Revises: 0001
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_donor_milk_not_mothers'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('containers', schema=None) as batch_op:
        batch_op.alter_column('mother_id', existing_type=sa.Integer(), nullable=True)
    op.execute("UPDATE containers SET mother_id = NULL WHERE milk_type = 'DHM'")


def downgrade():
    # The old schema needs a mother on every container: give donor milk the baby's mother again.
    op.execute(
        "UPDATE containers SET mother_id = "
        "(SELECT infants.mother_id FROM infants WHERE infants.id = containers.infant_id) "
        "WHERE mother_id IS NULL"
    )
    with op.batch_alter_table('containers', schema=None) as batch_op:
        batch_op.alter_column('mother_id', existing_type=sa.Integer(), nullable=False)
