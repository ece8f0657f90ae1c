"""The public certificate check: anyone holding a certificate's code may see that it is genuine.

Only what the certificate itself shows, and the name partly masked: the page answers a
code, never a search, and an unknown or forged code learns nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.access import public
from apps.talent import selectors
from apps.talent.forms import VerifyForm


def masked_name(name: str) -> str:
    """马晓梅 → 马＊＊: the first character, a ＊ for each of the others."""
    return name[:1] + "＊" * max(len(name) - 1, 1)


@public
def certificate_verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.GET if "code" in request.GET else None)
    context = {"form": form, "checked": False}
    if form.is_bound and form.is_valid():
        certificate = selectors.certificate_by_code(form.cleaned_data["code"])
        context["checked"] = True
        if certificate is not None:
            enrollment = certificate.enrollment
            course = enrollment.course
            context.update(
                certificate=certificate,
                name=masked_name(enrollment.person.name),
                course=course,
                organizers=[course.lead_organization, *course.co_organizers.all()],
            )
    return render(request, "talent/certificate_verify.html", context)
