"""/api/v1/ for talent co-cultivation: trainings, sessions, attendance, certificates, rotations, experts."""

from apps.talent.api.viewsets import (
    AttendanceViewSet,
    CertificateVerifyView,
    ExpertiseFieldViewSet,
    ExpertViewSet,
    RotationViewSet,
    TrainingCourseViewSet,
    TrainingSessionViewSet,
)

__all__ = [
    "AttendanceViewSet",
    "CertificateVerifyView",
    "ExpertViewSet",
    "ExpertiseFieldViewSet",
    "RotationViewSet",
    "TrainingCourseViewSet",
    "TrainingSessionViewSet",
]
