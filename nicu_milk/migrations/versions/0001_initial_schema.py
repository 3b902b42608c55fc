"""The initial schema: locations, families, containers and events, feeds, near misses, users.

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 03:19:49.963561

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('counters',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('mothers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mrn', sa.String(length=64), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('hold_reason', sa.Text(), nullable=True),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mrn')
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('storage_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['storage_locations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('badge_code', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('badge_code'),
    sa.UniqueConstraint('username')
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('infants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mrn', sa.String(length=64), nullable=False),
    sa.Column('wristband_code', sa.String(length=64), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('mother_id', sa.Integer(), nullable=False),
    sa.Column('donor_milk_consent', sa.Boolean(), nullable=False),
    sa.Column('admitted', sa.Boolean(), nullable=False),
    sa.Column('discharged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('name_alert', sa.Boolean(), nullable=False),
    sa.Column('daily_volume_ml', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mother_id'], ['mothers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mrn'),
    sa.UniqueConstraint('wristband_code')
    )
    op.create_table('containers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('infant_id', sa.Integer(), nullable=False),
    sa.Column('mother_id', sa.Integer(), nullable=False),
    sa.Column('milk_type', sa.String(length=3), nullable=False),
    sa.Column('donor_lot', sa.String(length=64), nullable=True),
    sa.Column('donor_product_code', sa.String(length=64), nullable=True),
    sa.Column('donor_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('colostrum', sa.Boolean(), nullable=False),
    sa.Column('medications', sa.Text(), nullable=True),
    sa.Column('expressed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('volume_ml', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('remaining_ml', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('hold_reason', sa.Text(), nullable=True),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fortifier', sa.String(length=100), nullable=True),
    sa.Column('kcal_per_oz', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('first_fed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('inherited_limits', sa.JSON(), nullable=True),
    sa.Column('inherited_state', sa.String(length=12), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expiry_rule', sa.String(length=40), nullable=True),
    sa.Column('expiry_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('policy_fingerprint', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reserved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['infant_id'], ['infants.id'], ),
    sa.ForeignKeyConstraint(['location_id'], ['storage_locations.id'], ),
    sa.ForeignKeyConstraint(['mother_id'], ['mothers.id'], ),
    sa.ForeignKeyConstraint(['reserved_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('containers', schema=None) as batch_op:
        batch_op.create_index('ix_containers_infant_state_expiry', ['infant_id', 'state', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_containers_location_id'), ['location_id'], unique=False)
        batch_op.create_index('ix_containers_state_expiry', ['state', 'expires_at'], unique=False)

    op.create_table('parent_infants',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('infant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['infant_id'], ['infants.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'infant_id')
    )
    op.create_table('check_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('infant_code', sa.String(length=64), nullable=False),
    sa.Column('container_code', sa.String(length=64), nullable=False),
    sa.Column('verdict', sa.String(length=4), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('infant_id', sa.Integer(), nullable=True),
    sa.Column('container_id', sa.Integer(), nullable=True),
    sa.Column('manual_entry', sa.Boolean(), nullable=False),
    sa.Column('witness_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['container_id'], ['containers.id'], ),
    sa.ForeignKeyConstraint(['infant_id'], ['infants.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['witness_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('check_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_attempts_at'), ['at'], unique=False)

    op.create_table('container_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('container_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['container_id'], ['containers.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('container_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_container_events_container_id'), ['container_id'], unique=False)

    op.create_table('container_parents',
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['containers.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['containers.id'], ),
    sa.PrimaryKeyConstraint('child_id', 'parent_id')
    )
    op.create_table('feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('container_id', sa.Integer(), nullable=False),
    sa.Column('infant_id', sa.Integer(), nullable=False),
    sa.Column('volume_ml', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged', sa.JSON(), nullable=False),
    sa.Column('manual_entry', sa.Boolean(), nullable=False),
    sa.Column('witness_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['container_id'], ['containers.id'], ),
    sa.ForeignKeyConstraint(['infant_id'], ['infants.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['witness_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feeds_container_id'), ['container_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feeds_infant_id'), ['infant_id'], unique=False)
    # Container serials start here and only ever grow.
    op.bulk_insert(sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.Integer)),
                   [{"name": "container", "value": 0}])


def downgrade():






    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feeds_infant_id'))
        batch_op.drop_index(batch_op.f('ix_feeds_container_id'))

    op.drop_table('feeds')
    op.drop_table('container_parents')
    with op.batch_alter_table('container_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_container_events_container_id'))

    op.drop_table('container_events')
    with op.batch_alter_table('check_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_attempts_at'))

    op.drop_table('check_attempts')
    op.drop_table('parent_infants')
    with op.batch_alter_table('containers', schema=None) as batch_op:
        batch_op.drop_index('ix_containers_state_expiry')
        batch_op.drop_index(batch_op.f('ix_containers_location_id'))
        batch_op.drop_index('ix_containers_infant_state_expiry')

    op.drop_table('containers')
    op.drop_table('infants')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    op.drop_table('storage_locations')
    op.drop_table('settings')
    op.drop_table('mothers')
    op.drop_table('counters')

