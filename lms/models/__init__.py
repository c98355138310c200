from .areas import Area, AreaLevel
from .learning import (
    AssignmentJob,
    AssignmentJobStatus,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    LessonProgress,
)
from .people import Gender, Instructor, Member, MemberCategory, QualificationLevel
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
    "DocumentKind",
    "Enrollment",
    "EnrollmentSource",
    "EnrollmentStatus",
    "EquipmentItem",
    "Gender",
    "Instructor",
    "InsurancePolicy",
    "LessonProgress",
    "Member",
    "MemberCategory",
    "QualificationLevel",
    "Team",
    "TeamDocument",
    "TeamEquipment",
    "TeamStatus",
]
