from .areas import Area, AreaLevel
from .drills import (
    AttendanceMethod,
    Drill,
    DrillParticipation,
    DrillPhoto,
    DrillRole,
    DrillScenario,
    EventStatus,
    SessionAttendance,
    TrainingSession,
)
from .exams import Attempt, AttemptAnswer, AttemptStatus, QuestionRegrade
from .hours import ServiceActivity, ServiceRecord, ServiceStatus
from .learning import (
    AssignmentJob,
    AssignmentJobStatus,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    LessonProgress,
)
from .people import Gender, Instructor, Member, MemberCategory, QualificationLevel
from .plans import CalendarFeed, PlanItemKind, TrainingPlan, TrainingPlanItem
from .roles import AreaAdministrator
from .teams import (
    DocumentKind,
    EquipmentItem,
    InsurancePolicy,
    Team,
    TeamDocument,
    TeamEquipment,
    TeamStatus,
)

__all__ = [
    "Area",
    "AreaAdministrator",
    "AreaLevel",
    "AssignmentJob",
    "AssignmentJobStatus",
    "Attempt",
    "AttemptAnswer",
    "AttemptStatus",
    "AttendanceMethod",
    "CalendarFeed",
    "DocumentKind",
    "Drill",
    "DrillParticipation",
    "DrillPhoto",
    "DrillRole",
    "DrillScenario",
    "Enrollment",
    "EnrollmentSource",
    "EnrollmentStatus",
    "EquipmentItem",
    "EventStatus",
    "Gender",
    "Instructor",
    "InsurancePolicy",
    "LessonProgress",
    "Member",
    "MemberCategory",
    "PlanItemKind",
    "QualificationLevel",
    "QuestionRegrade",
    "ServiceActivity",
    "ServiceRecord",
    "ServiceStatus",
    "SessionAttendance",
    "Team",
    "TeamDocument",
    "TeamEquipment",
    "TeamStatus",
    "TrainingPlan",
    "TrainingPlanItem",
    "TrainingSession",
]
