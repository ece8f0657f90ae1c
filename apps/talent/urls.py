"""Staff pages of 人才共育 and the public certificate check. Names carry a `web-` prefix: the API
router owns `trainingcourse-detail` etc."""

from django.urls import path

from apps.talent.views import courses, experts, public, records, roster, rotations

urlpatterns = [
    path("talent/courses/", courses.course_list, name="web-course-list"),
    path("talent/courses/calendar/", courses.course_calendar, name="web-course-calendar"),
    path("talent/courses/new/", courses.course_create, name="web-course-create"),
    path("talent/courses/<int:pk>/", courses.course_detail, name="web-course-detail"),
    path("talent/courses/<int:pk>/edit/", courses.course_update, name="web-course-update"),
    path("talent/courses/<int:pk>/finish/", courses.course_close, {"action": "finish"}, name="web-course-finish"),
    path("talent/courses/<int:pk>/cancel/", courses.course_close, {"action": "cancel"}, name="web-course-cancel"),
    path("talent/courses/<int:pk>/sessions/", courses.session_create, name="web-session-create"),
    path(
        "talent/courses/<int:pk>/sessions/<int:session_pk>/delete/",
        courses.session_delete,
        name="web-session-delete",
    ),
    path("talent/courses/<int:pk>/enroll/", roster.course_enroll, name="web-course-enroll"),
    path(
        "talent/courses/<int:pk>/enrollments/<int:enrollment_pk>/withdraw/",
        roster.enrollment_withdraw,
        name="web-enrollment-withdraw",
    ),
    path(
        "talent/courses/<int:pk>/enrollments/<int:enrollment_pk>/certificate/",
        roster.certificate_issue,
        name="web-certificate-issue",
    ),
    path(
        "talent/courses/<int:pk>/enrollments/<int:enrollment_pk>/certificate.pdf",
        roster.certificate_download,
        name="web-certificate-pdf",
    ),
    path("talent/sessions/<int:pk>/attendance/", roster.attendance_sheet, name="web-attendance-sheet"),
    path("talent/cadres/", records.cadre_training_list, name="web-cadre-training-list"),
    path("talent/cadres/<int:pk>/", records.cadre_training_record, name="web-cadre-training-record"),
    path("talent/rotations/", rotations.rotation_list, name="web-rotation-list"),
    path("talent/rotations/new/", rotations.rotation_create, name="web-rotation-create"),
    path("talent/rotations/due/", rotations.rotation_due, name="web-rotation-due"),
    path("talent/rotations/<int:pk>/start/", rotations.rotation_change, {"action": "start"}, name="web-rotation-start"),
    path(
        "talent/rotations/<int:pk>/complete/",
        rotations.rotation_change,
        {"action": "complete"},
        name="web-rotation-complete",
    ),
    path(
        "talent/rotations/<int:pk>/cancel/", rotations.rotation_change, {"action": "cancel"}, name="web-rotation-cancel"
    ),
    path("talent/experts/", experts.expert_list, name="web-expert-list"),
    path("talent/experts/new/", experts.expert_create, name="web-expert-create"),
    path("talent/experts/<int:pk>/", experts.expert_detail, name="web-expert-detail"),
    path("talent/experts/<int:pk>/edit/", experts.expert_update, name="web-expert-update"),
    path("talent/experts/<int:pk>/invite/", experts.expert_invite, name="web-expert-invite"),
    path("talent/experts/<int:pk>/recruit/", experts.expert_recruit, name="web-expert-recruit"),
    # Public: printed on the certificates (and in their QR code).
    path("certificates/verify/", public.certificate_verify, name="web-certificate-verify"),
]
