import pytest
from django.urls import reverse

from apps.accounts.models import Notification
from apps.accounts.services import notify


@pytest.fixture
def inbox(county_staff, other_county_staff):
    notify(users=[county_staff], title="场地预约已通过：城东区群众之家 · 多功能活动厅", body="明天 09:00", url="/")
    notify(users=[other_county_staff], title="别人的通知")


def test_a_user_reads_only_their_own_notifications(client, county_staff, inbox):
    client.force_login(county_staff)
    page = client.get(reverse("accounts:notifications")).content.decode()
    assert "场地预约已通过" in page and "未读" in page
    assert "别人的通知" not in page


def test_marking_all_as_read_touches_only_the_users_own(client, county_staff, other_county_staff, inbox):
    client.force_login(county_staff)
    assert client.post(reverse("accounts:notifications-read")).status_code == 302
    assert not Notification.objects.filter(user=county_staff, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other_county_staff, read_at__isnull=True).exists()


def test_the_inbox_needs_a_login(client):
    response = client.get(reverse("accounts:notifications"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
