"""Forms of the talent pages. They only parse: the organizations, rooms, people and sessions
offered come from the scoped selectors, and every rule (targets, capacity, hours, tenure,
overlaps, who may be invited) lives in apps.talent.services.
"""

from apps.talent.forms.experts import (
    ExpertChangeForm,
    ExpertFilterForm,
    ExpertForm,
    InviteForm,
    RecruitForm,
)
from apps.talent.forms.fields import CANDIDATE_ROWS, CODE_REQUIRED, NO_MARKS, PEOPLE_GONE
from apps.talent.forms.rotations import RotationFilterForm, RotationForm
from apps.talent.forms.training import (
    AttendanceSheetForm,
    CandidateSearchForm,
    CourseFilterForm,
    CourseForm,
    EnrollForm,
    SessionForm,
    TrainingListForm,
    VerifyForm,
    YearForm,
)

__all__ = [
    "CANDIDATE_ROWS",
    "CODE_REQUIRED",
    "NO_MARKS",
    "PEOPLE_GONE",
    "AttendanceSheetForm",
    "CandidateSearchForm",
    "CourseFilterForm",
    "CourseForm",
    "EnrollForm",
    "ExpertChangeForm",
    "ExpertFilterForm",
    "ExpertForm",
    "InviteForm",
    "RecruitForm",
    "RotationFilterForm",
    "RotationForm",
    "SessionForm",
    "TrainingListForm",
    "VerifyForm",
    "YearForm",
]
