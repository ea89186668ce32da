"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 22:53:54.353294
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The audit log is append-only, enforced by the database itself: UPDATE and DELETE (and on
# PostgreSQL TRUNCATE) of audit_log are refused whoever asks. A later migration that batch-alters
# audit_log on SQLite recreates the table and must recreate these triggers.
APPEND_ONLY = "audit_log is append-only: entries cannot be changed or deleted"
PG_GUARD_FUNCTION = f"""
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY} (% refused)', TG_OP USING ERRCODE = '23000';
END
$$
"""


def create_audit_guard() -> None:
    """Refuse changes to audit entries in the database (SQLite triggers, a PostgreSQL function)."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
    elif dialect == "postgresql":
        op.execute(PG_GUARD_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def drop_audit_guard() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("command", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("subject_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("filter", sa.Text(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_subject_key"), ["subject_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_user"), ["user"], unique=False)
    create_audit_guard()

    op.create_table(
        "setting",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initials", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("initials", name=op.f("uq_staff_initials")),
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("slug", name=op.f("uq_team_slug")),
    )
    op.create_table(
        "youth",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cpr", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("subject_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("need", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("school", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("applied", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_youth")),
    )
    with op.batch_alter_table("youth", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_youth_birth_date"), ["birth_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_youth_cpr"), ["cpr"], unique=True)
        batch_op.create_index(batch_op.f("ix_youth_subject_key"), ["subject_key"], unique=True)
        batch_op.create_index(batch_op.f("ix_youth_need"), ["need"], unique=False)
        batch_op.create_index(batch_op.f("ix_youth_status"), ["status"], unique=False)

    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessed_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["youth_id"],
            ["youth.id"],
            name=op.f("fk_assessment_youth_id_youth"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("why", sa.Text(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["youth_id"],
            ["youth.id"],
            name=op.f("fk_change_log_youth_id_youth"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index("ix_change_log_youth_at", ["youth_id", "at"], unique=False)

    op.create_table(
        "coordinator_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("consent", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("consent_by", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_coordinator_assignment_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["youth_id"],
            ["youth.id"],
            name=op.f("fk_coordinator_assignment_youth_id_youth"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordinator_assignment")),
    )
    with op.batch_alter_table("coordinator_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_coordinator_assignment_staff_id"), ["staff_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_coordinator_assignment_youth_id"), ["youth_id"], unique=False
        )

    op.create_table(
        "duty_episode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("out_since", sa.Date(), nullable=False),
        sa.Column("contact_deadline", sa.Date(), nullable=False),
        sa.Column("offer_deadline", sa.Date(), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=True),
        sa.Column("offered_on", sa.Date(), nullable=True),
        sa.Column("activity", sa.Text(), nullable=True),
        sa.Column("fgu_result", sa.Text(), nullable=True),
        sa.Column("fgu_on", sa.Date(), nullable=True),
        sa.Column("exempt_reason", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["youth_id"],
            ["youth.id"],
            name=op.f("fk_duty_episode_youth_id_youth"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_episode")),
    )
    with op.batch_alter_table("duty_episode", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_episode_closed_on"), ["closed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_duty_episode_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "effort",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("legislation", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_effort_staff_id_staff")),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youth.id"], name=op.f("fk_effort_youth_id_youth"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effort")),
    )
    with op.batch_alter_table("effort", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_effort_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_effort_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["goal.id"], name=op.f("fk_goal_parent_id_goal"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youth.id"], name=op.f("fk_goal_youth_id_youth"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal")),
    )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "guardian",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youth.id"], name=op.f("fk_guardian_youth_id_youth"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardian")),
    )
    with op.batch_alter_table("guardian", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guardian_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "meeting_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("dtstart", sa.DateTime(), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_meeting_series_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_series")),
    )
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_series_team_id"), ["team_id"], unique=False)

    op.create_table(
        "team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("ad_hoc", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_team_member_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_team_member_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_member")),
        sa.UniqueConstraint("team_id", "staff_id", name="uq_team_member_team_staff"),
    )
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_member_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_team_member_team_id"), ["team_id"], unique=False)

    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("occurrence", sa.DateTime(), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"], ["meeting_series.id"], name=op.f("fk_meeting_series_id_meeting_series")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_meeting_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
        sa.UniqueConstraint("series_id", "occurrence", name="uq_meeting_series_occurrence"),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_team_starts", ["team_id", "starts_at"], unique=False)

    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("referred_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.Column("consulted", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["leader_id"], ["staff.id"], name=op.f("fk_referral_leader_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_referral_meeting_id_meeting")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_referral_team_id_team")),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youth.id"], name=op.f("fk_referral_youth_id_youth"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_youth_id"), ["youth_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_youth_id"))
        batch_op.drop_index(batch_op.f("ix_referral_team_id"))
        batch_op.drop_index(batch_op.f("ix_referral_meeting_id"))

    op.drop_table("referral")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_team_starts")

    op.drop_table("meeting")
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_member_team_id"))
        batch_op.drop_index(batch_op.f("ix_team_member_staff_id"))

    op.drop_table("team_member")
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_series_team_id"))

    op.drop_table("meeting_series")
    with op.batch_alter_table("guardian", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardian_youth_id"))

    op.drop_table("guardian")
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_youth_id"))

    op.drop_table("goal")
    with op.batch_alter_table("effort", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_effort_youth_id"))
        batch_op.drop_index(batch_op.f("ix_effort_staff_id"))

    op.drop_table("effort")
    with op.batch_alter_table("duty_episode", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_episode_youth_id"))
        batch_op.drop_index(batch_op.f("ix_duty_episode_closed_on"))

    op.drop_table("duty_episode")
    with op.batch_alter_table("coordinator_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coordinator_assignment_youth_id"))
        batch_op.drop_index(batch_op.f("ix_coordinator_assignment_staff_id"))

    op.drop_table("coordinator_assignment")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index("ix_change_log_youth_at")

    op.drop_table("change_log")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_youth_id"))

    op.drop_table("assessment")
    with op.batch_alter_table("youth", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_youth_status"))
        batch_op.drop_index(batch_op.f("ix_youth_need"))
        batch_op.drop_index(batch_op.f("ix_youth_subject_key"))
        batch_op.drop_index(batch_op.f("ix_youth_cpr"))
        batch_op.drop_index(batch_op.f("ix_youth_birth_date"))

    op.drop_table("youth")
    op.drop_table("team")
    op.drop_table("staff")
    op.drop_table("setting")
    drop_audit_guard()
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_user"))
        batch_op.drop_index(batch_op.f("ix_audit_log_subject_key"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
