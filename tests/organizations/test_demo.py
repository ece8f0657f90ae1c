from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from apps.members.models import Membership, Person
from apps.organizations.models import Federation, HostUnit, Organization, RoleAssignment

pytestmark = pytest.mark.usefixtures("qinghai")


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_has_every_federations_unit_at_province_prefecture_and_county_level():
    output = _seed()
    host_unit_branches = Organization.objects.filter(host_unit__isnull=False).count()
    assert Organization.objects.count() - host_unit_branches == Federation.objects.count() * (1 + 8 + 45) == 324
    assert Organization.objects.filter(name="青海省总工会", parent=None).exists()
    chengdong = Organization.objects.get(name="共青团西宁市城东区委员会")
    assert chengdong.parent.name == "共青团西宁市委员会" and chengdong.parent.parent.name == "共青团青海省委员会"
    for username in ("province_admin", "chengdong_staff", "chengzhong_staff", "mobile_user"):
        assert username in output
    assert "qunzhi-demo-2026" in output


def test_seeding_again_changes_nothing_and_keeps_changed_passwords():
    _seed()
    user = get_user_model().objects.get(username="chengdong_staff")
    user.set_password("a-password-the-user-chose")
    user.save()

    def counts():
        models = (Organization, HostUnit, RoleAssignment, Person, Membership)
        return [model.objects.count() for model in models]

    before = counts()
    assert before[3] >= 8 and before[4] > 8  # the demo people, enrolled by the rules
    _seed()
    assert counts() == before
    user.refresh_from_db()
    assert user.check_password("a-password-the-user-chose")


def test_production_refuses_demo_data_unless_forced(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
