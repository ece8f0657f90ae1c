"""Shared set-up: the real Qinghai divisions once per test database, and the named personas.

Personas, as in every test of the project:
  province_admin      – 省级管理员 on 青海省
  county_staff        – 县级服务中心 staff of 西宁市城东区 (630102)
  other_county_staff  – the same role in 西宁市城中区 (630103)
  mobile_user         – an account with no role, using the API only
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.cache import cache

from apps.accounts import throttles
from apps.organizations.management.commands.load_divisions import read_divisions
from apps.organizations.models import Federation, Region, Role
from apps.organizations.services import regions_load_divisions, role_assign
from tests.factories import UserFactory, region, unit

CHENGDONG = "630102"
CHENGZHONG = "630103"


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests make many requests as one user from one address; the API throttles stay on (their
    # code runs) at rates no test reaches. tests/security/test_throttling.py sets low ones.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "100000/minute", "anon": "100000/minute", "token": "100000/minute"},
    }
    from rest_framework.settings import api_settings

    api_settings.reload()
    # Tasks run in-process in tests, even with REDIS_URL set; the broker test opts out.
    from qunzhi.celery import app

    app.conf.task_always_eager = True


def ensure_reference_data() -> None:
    """Federations and role groups (data migrations) and the divisions; transactional tests flush them."""
    if not Federation.objects.exists():
        migration = importlib.import_module("apps.organizations.migrations.0002_federations_and_role_groups")
        migration.create_federations(django_apps, None)
        migration.create_role_groups(django_apps, None)
        cobuilding = importlib.import_module(
            "apps.organizations.migrations.0005_coverage_rules_and_cobuilding_permissions"
        )
        cobuilding.create_coverage_rules(django_apps, None)
        cobuilding.grant_role_permissions(django_apps, None)
        members = importlib.import_module("apps.members.migrations.0002_identity_tags_rules_and_role_permissions")
        members.create_tags_and_rules(django_apps, None)
        members.grant_role_permissions(django_apps, None)
        importlib.import_module("apps.members.migrations.0007_encrypt_phones_and_grant").grant_permissions(
            django_apps, None
        )
        venues = importlib.import_module("apps.venues.migrations.0003_role_permissions")
        venues.grant_role_permissions(django_apps, None)
        resources = importlib.import_module("apps.resources.migrations.0002_categories_and_role_permissions")
        resources.create_categories(django_apps, None)
        resources.grant_role_permissions(django_apps, None)
        activities = importlib.import_module("apps.activities.migrations.0002_themes_and_role_permissions")
        activities.create_themes(django_apps, None)
        activities.grant_role_permissions(django_apps, None)
        projects = importlib.import_module("apps.projects.migrations.0002_reference_data_and_role_permissions")
        projects.create_reference_data(django_apps, None)
        projects.grant_role_permissions(django_apps, None)
        talent = importlib.import_module("apps.talent.migrations.0002_reference_data_and_role_permissions")
        talent.create_reference_data(django_apps, None)
        talent.grant_role_permissions(django_apps, None)
        evaluation = importlib.import_module("apps.insights.migrations.0002_evaluation_role_permissions")
        evaluation.grant_role_permissions(django_apps, None)
    if not Region.objects.filter(depth=1).exists():
        regions_load_divisions(read_divisions())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_reference_data()


@pytest.fixture
def qinghai(db):
    ensure_reference_data()


def _persona(username: str, role: str | None = None, region_code: str | None = None):
    user = UserFactory(username=username)
    if role:
        role_assign(user=user, role=role, region=region(region_code))
    return user


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: served scorecards are kept across requests; the
    throttles' request numbers held by this process go with the counters they came from."""
    cache.clear()
    throttles.leases.clear()


@pytest.fixture
def province_admin(qinghai):
    return _persona("province_admin", Role.PROVINCE_ADMIN, "630000")


@pytest.fixture
def county_staff(qinghai):
    return _persona("chengdong_staff", Role.COUNTY_STAFF, CHENGDONG)


@pytest.fixture
def other_county_staff(qinghai):
    return _persona("chengzhong_staff", Role.COUNTY_STAFF, CHENGZHONG)


@pytest.fixture
def mobile_user(qinghai):
    return _persona("mobile_user")


@pytest.fixture
def chengdong_union(qinghai):
    """西宁市城东区总工会, with its parents up to 青海省总工会."""
    return unit(CHENGDONG)


@pytest.fixture
def chengzhong_union(qinghai):
    return unit(CHENGZHONG)
