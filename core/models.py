"""Every table the core owns, imported in one place so that the metadata
(and Alembic's autogenerate) always sees all of them."""

from core.accounts.models import (
    ApiToken,
    Department,
    LoginAttempt,
    Role,
    Site,
    StoredSession,
    User,
    UserRole,
    UserSession,
)
from core.checklists.models import ChecklistVersion
from core.forms.models import FormSubmission, FormVersion
from core.generations import TableGeneration
from core.intake.models import ComplaintNumber, IntakeAttempt, SurveyToken
from core.jobs.models import Job
from core.metrics.models import Measurement, SiteTarget
from core.notifications.models import Notification, NotificationPreference
from core.signatures.models import Signature
from core.trail.models import TrailEvent

__all__ = [
    "ApiToken",
    "ChecklistVersion",
    "ComplaintNumber",
    "Department",
    "FormSubmission",
    "FormVersion",
    "IntakeAttempt",
    "Job",
    "LoginAttempt",
    "Measurement",
    "Notification",
    "NotificationPreference",
    "Role",
    "Signature",
    "Site",
    "SiteTarget",
    "StoredSession",
    "SurveyToken",
    "TableGeneration",
    "TrailEvent",
    "User",
    "UserRole",
    "UserSession",
]
