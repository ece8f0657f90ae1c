"""Factories for the projects tests; every row goes through apps.projects.services.

Shared by every projects and insights test: keep this API small and stable.

    policy(code="warm_kang")                       -> a PolicyStandard (created on first use)
    nature("care"), content("warm_heart"), service("kang_retrofit") -> reference rows (data migration)
    ProjectFactory(name=..., lead=unit(...), policy_code=..., nature_code=..., content_code=...,
                   service_codes=[...], region=..., target_tags=[...], min_age=, max_age=, gender=,
                   participants=[(org, role)], start=True, actor=None, **project_create kwargs)
        -> a ServiceProject of 西宁市城东区 running this year (started unless start=False)
    served(project, person, service_code=None, date=None, organization=None, actor=None)
        -> a ServiceRecord through service_record_create
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from apps.projects import services
from apps.projects.models import ContentCategory, PolicyStandard, ServiceType, WorkNature
from tests.factories import region, unit


def policy(code: str = "warm_kang") -> PolicyStandard:
    return PolicyStandard.objects.get_or_create(
        code=code, defaults={"name": f"政策标准 {code}", "document": f"测试文件 {code}", "standard": "测试标准"}
    )[0]


def nature(code: str = "care") -> WorkNature:
    return WorkNature.objects.get(code=code)


def content(code: str = "warm_heart") -> ContentCategory:
    return ContentCategory.objects.get(code=code)


def service(code: str = "kang_retrofit") -> ServiceType:
    return ServiceType.objects.get(code=code)


def this_year() -> tuple[dt.date, dt.date]:
    year = timezone.localdate().year
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


class ProjectFactory(factory.Factory):
    class Meta:
        model = dict

    name = factory.Sequence(lambda n: f"测试服务项目{n}")
    policy_code = "warm_kang"
    nature_code = "care"
    content_code = "warm_heart"
    service_codes = ("kang_retrofit",)
    region = factory.LazyFunction(lambda: region("630102"))

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        actor=None,
        lead=None,
        policy_code,
        nature_code,
        content_code,
        service_codes,
        start=True,
        **kwargs,
    ):
        first, last = this_year()
        kwargs.setdefault("start_date", first)
        kwargs.setdefault("end_date", last)
        project = services.project_create(
            actor=actor,
            lead_organization=lead or unit("630102", "union"),
            policy_standard=policy(policy_code),
            work_nature=nature(nature_code),
            content_category=content(content_code),
            service_types=[service(code) for code in service_codes],
            **kwargs,
        )
        if start:
            project = services.project_set_status(actor=actor, project=project, action="start")
        return project


def served(project, person, service_code: str | None = None, *, date=None, organization=None, actor=None, **extra):
    service_type = service(service_code) if service_code else project.service_types.order_by("id").first()
    return services.service_record_create(
        actor=actor,
        project=project,
        person=person,
        service_type=service_type,
        date=date or timezone.localdate(),
        organization=organization,
        **extra,
    )
