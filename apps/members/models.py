"""People registered once, their memberships in the federations, their cadre posts, and the
eligibility rules (data the province edits) that decide who each federation takes in."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from apps.core.crypto import EncryptedTextField
from apps.core.models import SyncedModel
from apps.core.phones import PHONE_MAX_LENGTH, keep_masked_phone
from apps.members.ethnicities import ETHNICITY_CHOICES
from apps.organizations.models import Federation, HostUnit, Organization, Region


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class IdentityTag(models.Model):
    """An identity that federations' rules look at: 职工, 农牧民, 学生, 残疾人, 志愿者 …"""

    DISABLED = "disabled"

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "身份标签"
        verbose_name_plural = "身份标签"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Person(SyncedModel):
    """One registration of a person, whatever federations they belong to."""

    sync_resource = "people"
    scope_region_path = ("region__path", "employer__region__path")

    name = models.CharField("姓名", max_length=64)
    id_number = EncryptedTextField("身份证号（密文）")
    id_number_hash = models.CharField("身份证号检索摘要", max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, editable=False)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=16, choices=ETHNICITY_CHOICES, default="汉族")
    phone = EncryptedTextField("手机号（密文）", max_length=PHONE_MAX_LENGTH, blank=True)
    phone_masked = models.CharField("手机号", max_length=PHONE_MAX_LENGTH, blank=True, editable=False)
    region = models.ForeignKey(Region, verbose_name="居住地", on_delete=models.PROTECT, related_name="people")
    employer = models.ForeignKey(
        HostUnit, verbose_name="工作单位", null=True, blank=True, on_delete=models.PROTECT, related_name="employees"
    )
    identity_tags = models.ManyToManyField(IdentityTag, verbose_name="身份", blank=True, related_name="people")
    # A certificate number (第二代残疾人证号) is the ID number plus the category and grade
    # digits; only those two are kept, so the plaintext ID never sits in a second column.
    disability_class = models.CharField("残疾类别与等级", max_length=2, blank=True, editable=False)
    # Set by services.person_erase (匿名化 on the person's request): the row stays for the statistics.
    erased_at = models.DateTimeField("匿名化时间", null=True, blank=True, editable=False)
    # The platform account of a person who also works in it (a seconded cadre on duty):
    # their reminders arrive in that account's inbox.
    user = models.OneToOneField(
        "accounts.User",
        verbose_name="平台账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["-id"]
        permissions = [
            ("view_full_id_number", "可查看完整身份证号"),
            ("view_full_phone", "可查看完整手机号"),
            ("erase_person", "可应本人请求匿名化人员信息"),
        ]
        indexes = [
            models.Index(fields=["region", "name"], name="members_person_region_name"),
            models.Index(fields=["birth_date"], name="members_person_birth_date"),
            models.Index(fields=["name"], name="members_person_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.region.path, ""

    def save(self, *args, **kwargs):
        keep_masked_phone(self, kwargs)
        super().save(*args, **kwargs)

    @property
    def disability_certificate_masked(self) -> str:
        return f"{self.id_number_masked}{self.disability_class}" if self.disability_class else ""

    def age_on(self, day: dt.date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    TRANSFERRED = "transferred", "已转出"
    LAPSED = "lapsed", "已退出"
    AGED_OUT = "aged_out", "超龄离籍"


class MembershipSource(models.TextChoices):
    RULE = "rule", "按规则吸收"
    MANUAL = "manual", "人工登记"
    IMPORT = "import", "批量导入"


class Membership(SyncedModel):
    """A person in one federation's unit. Ended memberships stay: they are the history."""

    sync_resource = "memberships"
    scope_region_path = ("organization__region__path", "person__region__path")
    scope_organization_path = "organization__path"

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="memberships")
    organization = models.ForeignKey(
        Organization, verbose_name="所在组织", on_delete=models.PROTECT, related_name="memberships"
    )
    # Copied from the organization so that the database can hold "one active per federation".
    federation = models.ForeignKey(
        Federation, verbose_name="群团类别", on_delete=models.PROTECT, related_name="memberships"
    )
    status = models.CharField("状态", max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE)
    joined_on = models.DateField("加入日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    source = models.CharField("来源", max_length=8, choices=MembershipSource.choices, default=MembershipSource.MANUAL)
    note = models.CharField("说明", max_length=255, blank=True)
    transferred_from = models.OneToOneField(
        "self",
        verbose_name="转自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_to",
    )

    class Meta:
        verbose_name = "会员关系"
        verbose_name_plural = "会员关系"
        ordering = ["person_id", "joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "federation"],
                condition=Q(status="active"),
                name="members_one_active_per_federation",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("joined_on")),
                name="members_membership_ends_after_joining",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="members_membership_org_status")]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.organization.name}（{self.get_status_display()}）"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.organization.region.path, self.organization.path


class PostType(models.TextChoices):
    FULL_TIME = "full_time", "专职"
    SECONDED = "seconded", "挂职"
    PART_TIME = "part_time", "兼职"
    ROTATION = "rotation", "轮岗"
    PUBLIC_WELFARE = "public_welfare", "公益岗位"


class CadrePost(SyncedModel):
    """A person holding a post in an organization for a period: the staff everything else builds on."""

    sync_resource = "cadre-posts"
    scope_region_path = "organization__region__path"
    scope_organization_path = "organization__path"

    person = models.ForeignKey(Person, verbose_name="人员", on_delete=models.PROTECT, related_name="cadre_posts")
    organization = models.ForeignKey(
        Organization, verbose_name="任职组织", on_delete=models.PROTECT, related_name="cadre_posts"
    )
    post_type = models.CharField("任职方式", max_length=16, choices=PostType.choices)
    title = models.CharField("职务", max_length=64)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        verbose_name = "干部任职"
        verbose_name_plural = "干部任职"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="members_post_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "end_date"], name="members_post_org_end"),
            # The lists walk newest first (-start_date, -id) off this one.
            models.Index(fields=["start_date", "id"], name="members_post_start_id"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.organization.name} {self.title}（{self.get_post_type_display()}）"

    def is_current(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class EligibilityRule(models.Model):
    """Who a federation takes in, as data: all the conditions set on a rule must hold.

    A federation takes a person in when any of its active rules matches. Ages are full
    years on the day of evaluation; `max_age` is exclusive (共青团: under 28).
    """

    federation = models.ForeignKey(
        Federation, verbose_name="群团类别", on_delete=models.CASCADE, related_name="eligibility_rules"
    )
    name = models.CharField("规则名称", max_length=64)
    is_active = models.BooleanField("启用", default=True)
    identity_tags = models.ManyToManyField(
        IdentityTag, verbose_name="身份（任一）", blank=True, help_text="不选表示不限身份。"
    )
    min_age = models.PositiveSmallIntegerField("最低年龄（含）", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("年龄上限（不含）", null=True, blank=True)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name="限于区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="不选表示全省；选中则含全部下级区划。",
    )
    requires_employer_branch = models.BooleanField(
        "须在本群团已建组织的单位工作", default=False, help_text="如工会：工作单位已建立工会组织。"
    )
    retain_with_post = models.BooleanField(
        "任职者超龄保留", default=False, help_text="如共青团：超过年龄上限但仍在团组织任职的，保留团籍。"
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "入会规则"
        verbose_name_plural = "入会规则"
        ordering = ["federation__sort_order", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gt=models.F("min_age")),
                name="members_rule_age_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.federation.name}：{self.name}"
