"""factory_boy factories; rows that have rules are created through the services."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from apps.organizations import services
from apps.organizations.demo import unit_region_display
from apps.organizations.models import Federation, HostUnitKind, Organization, Region


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pass-for-tests-42")


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def federation(code: str = "union") -> Federation:
    return Federation.objects.get(code=code)


def unit(region_code: str, federation_code: str = "union") -> Organization:
    """The federation's unit at a region, creating it and any missing units above it."""
    place = region(region_code)
    fed = federation(federation_code)
    existing = Organization.objects.filter(federation=fed, region=place, host_unit__isnull=True).first()
    if existing is not None:
        return existing
    parent = unit(place.parent.code, federation_code) if place.parent_id else None
    province = Region.objects.get(depth=1)
    return services.organization_create(
        name=fed.unit_name(unit_region_display(place, province)), federation=fed, region=place, parent=parent
    )


class HostUnitFactory(factory.Factory):
    class Meta:
        model = dict

    name = factory.Sequence(lambda n: f"测试企业{n}")
    kind = HostUnitKind.ENTERPRISE
    region = factory.LazyFunction(lambda: region("630102"))

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.host_unit_create(**kwargs)


class GrassrootsUnitFactory(factory.Factory):
    """A federation's unit inside a host unit, below the county unit."""

    class Meta:
        model = dict

    name = factory.Sequence(lambda n: f"测试企业{n}工会")
    host_unit = factory.SubFactory(HostUnitFactory)

    @classmethod
    def _create(cls, model_class, *, name, host_unit, federation_code="union"):
        county = host_unit.region
        while county.level not in ("county",):
            county = county.parent
        parent = unit(county.code, federation_code)
        return services.organization_create(
            name=name, federation=parent.federation, region=host_unit.region, parent=parent, host_unit=host_unit
        )
