"""Talent co-cultivation in the Django admin: scoped, every write through apps.talent.services.

Who sees what (as everywhere): a course, its sessions and its attendance with the lead's
subtree and the users of every co-organizer; an enrollment also by the cadre's region; a
rotation from either end; an expert by region. Certificates, reminders and expert
engagements are seen with the enrollment, session or expert they belong to. Anything else
is absent from every changelist, choice and export, and its pages answer 404.

A course is added and changed through course_create / course_update and finished (with
its certificates) or cancelled by changelist actions; a session is added through
session_create and deleted through session_delete; cadres are enrolled in bulk
(course_enroll), withdrawn and certified by actions; a mark is given or corrected through
attendance_mark, alone or by a spreadsheet (resources.AttendanceResource); a rotation is
planned through rotation_plan and started, completed or cancelled by actions; an expert is
registered and changed through expert_register / expert_update. Rows no service changes are
read here. The reference data (fields of expertise, tenure rules, the yearly requirement) is
the province's to edit and everybody's to read.
"""

from apps.talent.admin.courses import SessionReminderAdmin, TrainingCourseAdmin, TrainingSessionAdmin
from apps.talent.admin.experts import ExpertAdmin, ExpertEngagementAdmin
from apps.talent.admin.reference import ExpertiseFieldAdmin, TenureRuleAdmin, TrainingRequirementAdmin
from apps.talent.admin.roster import AttendanceAdmin, CertificateAdmin, EnrollmentAdmin
from apps.talent.admin.rotations import RotationAdmin

__all__ = [
    "AttendanceAdmin",
    "CertificateAdmin",
    "EnrollmentAdmin",
    "ExpertAdmin",
    "ExpertEngagementAdmin",
    "ExpertiseFieldAdmin",
    "RotationAdmin",
    "SessionReminderAdmin",
    "TenureRuleAdmin",
    "TrainingCourseAdmin",
    "TrainingRequirementAdmin",
    "TrainingSessionAdmin",
]
