"""Import every model module, so the metadata (and Alembic) sees all tables."""

from portal.audit import AuditEvent
from portal.auth.models import (
    Invitation,
    Organisation,
    PasswordResetToken,
    RecoveryCode,
    SignInAttempt,
    TotpFactor,
    User,
    UserRole,
    UserSession,
)
from portal.horizon.models import Feed, FeedFetch, ItemSource, ScannedItem, Tombstone
from portal.ideas.models import (
    Attachment,
    Idea,
    IdeaEvent,
    IdeaQuestion,
    IdeaVersion,
    Workstream,
)
from portal.mail import OutboxMessage
from portal.page_cache import DataVersion
from portal.pipeline.models import Decision, ScoreSnapshot, SnapshotDetails, SnapshotRequest
from portal.reviews.models import (
    Assignment,
    Conflict,
    Criterion,
    PanelProfile,
    Review,
    ReviewRound,
    ReviewScore,
    RoundIdea,
    Rubric,
)
from portal.search.queue import SearchQueueEntry
from portal.stored_files import StoredFileChunk

__all__ = [
    "Assignment",
    "Conflict",
    "Criterion",
    "Decision",
    "Feed",
    "FeedFetch",
    "ItemSource",
    "ScannedItem",
    "Tombstone",
    "PanelProfile",
    "Review",
    "ReviewRound",
    "ReviewScore",
    "ScoreSnapshot",
    "SnapshotDetails",
    "SearchQueueEntry",
    "SnapshotRequest",
    "StoredFileChunk",
    "DataVersion",
    "Rubric",
    "RoundIdea",
    "Attachment",
    "AuditEvent",
    "Idea",
    "IdeaEvent",
    "IdeaQuestion",
    "IdeaVersion",
    "Workstream",
    "Invitation",
    "Organisation",
    "OutboxMessage",
    "PasswordResetToken",
    "RecoveryCode",
    "SignInAttempt",
    "TotpFactor",
    "User",
    "UserRole",
    "UserSession",
]
