"""Cold chain: sensors on storage units, their readings, excursions, what they held, sign-offs.

Revision ID: 0007_cold_chain
Revises: 0006_audit_trail
Create Date: 2026-11-30 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_cold_chain'
down_revision = '0006_audit_trail'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sensor_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sensor_id', sa.String(length=64), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['location_id'], ['storage_locations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sensor_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_sensor_assignments_sensor_since', ['sensor_id', 'since'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensor_assignments_location_id'), ['location_id'], unique=False)

    op.create_table('sensor_readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sensor_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('celsius', sa.Float(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sensor_id', 'at', name='uq_sensor_readings_sensor_at')
    )

    op.create_table('excursions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('peak_celsius', sa.Float(), nullable=False),
    sa.Column('minutes_out_of_range', sa.Float(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['location_id'], ['storage_locations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('excursions', schema=None) as batch_op:
        batch_op.create_index('ix_excursions_location_started', ['location_id', 'started_at'], unique=False)

    op.create_table('excursion_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('excursion_id', sa.Integer(), nullable=False),
    sa.Column('container_id', sa.Integer(), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('placed', sa.Boolean(), nullable=False),
    sa.Column('gone', sa.Boolean(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['container_id'], ['containers.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['excursion_id'], ['excursions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('excursion_id', 'container_id', name='uq_excursion_holds_container')
    )
    with op.batch_alter_table('excursion_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_excursion_holds_container_id'), ['container_id'], unique=False)

    op.create_table('cold_chain_sign_offs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('min_celsius', sa.Float(), nullable=True),
    sa.Column('max_celsius', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['location_id'], ['storage_locations.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cold_chain_sign_offs', schema=None) as batch_op:
        batch_op.create_index('ix_cold_chain_sign_offs_location_at', ['location_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('cold_chain_sign_offs', schema=None) as batch_op:
        batch_op.drop_index('ix_cold_chain_sign_offs_location_at')
    op.drop_table('cold_chain_sign_offs')
    with op.batch_alter_table('excursion_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_excursion_holds_container_id'))
    op.drop_table('excursion_holds')
    with op.batch_alter_table('excursions', schema=None) as batch_op:
        batch_op.drop_index('ix_excursions_location_started')
    op.drop_table('excursions')
    op.drop_table('sensor_readings')
    with op.batch_alter_table('sensor_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_assignments_location_id'))
        batch_op.drop_index('ix_sensor_assignments_sensor_since')
    op.drop_table('sensor_assignments')
