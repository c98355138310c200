from .areas import Area, AreaLevel
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
    "DocumentKind",
    "EquipmentItem",
    "Gender",
    "Instructor",
    "InsurancePolicy",
    "Member",
    "MemberCategory",
    "QualificationLevel",
    "Team",
    "TeamDocument",
    "TeamEquipment",
    "TeamStatus",
]
