"""/api/v1/: one router for every app's viewsets (see ../shared/API.md)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.accounts.api import TokenObtainView, TokenRefreshView
from apps.activities import api as activities
from apps.exports import api as exports
from apps.insights import api_evaluation as evaluation
from apps.insights.api import MemberRollupView, PersonRecordView, ScorecardView
from apps.members import api as members
from apps.organizations import api as organizations
from apps.organizations import api_cobuilding as cobuilding
from apps.projects import api as projects
from apps.resources import api as resources
from apps.talent import api as talent
from apps.venues import api as venues

router = DefaultRouter()
router.register("regions", organizations.RegionViewSet, basename="region")
router.register("federations", organizations.FederationViewSet, basename="federation")
router.register("organizations", organizations.OrganizationViewSet, basename="organization")
router.register("host-units", organizations.HostUnitViewSet, basename="host-unit")
router.register("deletions", organizations.DeletionViewSet, basename="deletion")
router.register("joint-branches", cobuilding.JointBranchViewSet, basename="joint-branch")
router.register("coverage", cobuilding.CoverageViewSet, basename="coverage")
router.register("coverage-gaps", cobuilding.CoverageGapViewSet, basename="coverage-gap")
router.register("meetings", cobuilding.MeetingViewSet, basename="meeting")
router.register("follow-ups", cobuilding.FollowUpViewSet, basename="follow-up")
router.register("people", members.PersonViewSet, basename="person")
router.register("memberships", members.MembershipViewSet, basename="membership")
router.register("cadre-posts", members.CadrePostViewSet, basename="cadre-post")
router.register("venues", venues.VenueViewSet, basename="venue")
router.register("rooms", venues.RoomViewSet, basename="room")
router.register("bookings", venues.BookingViewSet, basename="booking")
router.register("activities", activities.ActivityViewSet, basename="activity")
router.register("registrations", activities.RegistrationViewSet, basename="registration")
router.register("volunteer-records", activities.VolunteerRecordViewSet, basename="volunteer-record")
router.register("service-centers", resources.ServiceCenterViewSet, basename="service-center")
router.register("secondments", resources.SecondmentViewSet, basename="secondment")
router.register("duty-shifts", resources.DutyShiftViewSet, basename="duty-shift")
router.register("shift-swaps", resources.ShiftSwapViewSet, basename="shift-swap")
router.register("funds", resources.FundViewSet, basename="fund")
router.register("ledger-entries", resources.LedgerEntryViewSet, basename="ledger-entry")
router.register("projects", projects.ProjectViewSet, basename="project")
router.register("bundles", projects.BundleViewSet, basename="bundle")
router.register("service-records", projects.ServiceRecordViewSet, basename="service-record")
router.register("policy-standards", projects.PolicyStandardViewSet, basename="policy-standard")
router.register("work-natures", projects.WorkNatureViewSet, basename="work-nature")
router.register("content-categories", projects.ContentCategoryViewSet, basename="content-category")
router.register("service-types", projects.ServiceTypeViewSet, basename="service-type")
router.register("trainings", talent.TrainingCourseViewSet, basename="training")
router.register("training-sessions", talent.TrainingSessionViewSet, basename="training-session")
router.register("attendances", talent.AttendanceViewSet, basename="attendance")
router.register("rotations", talent.RotationViewSet, basename="rotation")
router.register("experts", talent.ExpertViewSet, basename="expert")
router.register("exports", exports.ExportJobViewSet, basename="export")
router.register("expertise-fields", talent.ExpertiseFieldViewSet, basename="expertise-field")
router.register("evaluation-schemes", evaluation.EvaluationSchemeViewSet, basename="evaluation-scheme")
router.register("evaluation-indicators", evaluation.EvaluationIndicatorViewSet, basename="evaluation-indicator")
router.register("evaluations", evaluation.EvaluationViewSet, basename="evaluation")
router.register("evaluation-scores", evaluation.EvaluationScoreViewSet, basename="evaluation-score")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    # 一人一档 is insights' (which reads every app), under people/ without apps/members knowing of it.
    path("people/<int:pk>/record/", PersonRecordView.as_view(), name="person-record"),
    path("scorecard/", ScorecardView.as_view(), name="scorecard"),
    path("member-rollup/", MemberRollupView.as_view(), name="member-rollup"),
    path("evaluation-figures/", evaluation.EvaluationFigureView.as_view(), name="evaluation-figures"),
    # The one door open without an account: a certificate's code, checked by anyone holding it.
    path("certificates/verify/", talent.CertificateVerifyView.as_view(), name="certificate-verify"),
    *router.urls,
]
