"""indexes for the need-to-know rule and the agenda

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

Issue 19. The need-to-know rule (`access.works_on`) starts from the staff member's own rows; the
registrations they wrote are found by `ix_change_log_by_kind` (author, kind, youth) instead of a
scan of the whole change log; a team's open referrals (the agenda, the team's share of the rule)
by `ix_referral_team_decided` instead of every referral the team ever had.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_change_log_by_kind", "change_log", ["by", "kind", "youth_id"])
    op.create_index("ix_referral_team_decided", "referral", ["team_id", "decided_on", "youth_id"])


def downgrade() -> None:
    op.drop_index("ix_referral_team_decided", table_name="referral")
    op.drop_index("ix_change_log_by_kind", table_name="change_log")
