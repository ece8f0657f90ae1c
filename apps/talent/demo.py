"""Demo talent co-cultivation for 2026: the seed's year of joint training, rotations and local experts.

The seed reports 43 study sessions and classes and over 2,700 cadre trainee-times in a year.
Here 216 invented cadres (province, 西宁 and 海东, their 13 counties, six federations) take
16 courses of 43 sessions between February and November 2026, their attendance marked
sheet by sheet through the services; the totals are then computed, not written down. One
more course starts in the coming days in 城东区's 群众之家 (its room booked through the
venues service), so the calendar and the reminders have something ahead.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from apps.core.exceptions import ConflictError
from apps.members import idnumbers
from apps.members.models import CadrePost, Person, PostType
from apps.members.services import cadre_post_create, person_by_id_number, person_register
from apps.organizations.models import Federation, Organization, Region
from apps.talent import selectors, services
from apps.talent.models import (
    AttendanceStatus,
    Expert,
    ExpertiseField,
    TrainingCourse,
    TrainingFormat,
    TrainingMode,
    TrainingRequirement,
    TrainingSession,
)
from apps.talent.rules import add_months, post_fits
from apps.venues.models import Room
from apps.venues.services import venue_days

YEAR = 2026
FEDERATIONS = ("union", "youth_league", "women", "disabled", "science", "red_cross")
COUNTIES = ("630102", "630103", "630104", "630105", "630106", "630121", "630123")
COUNTIES += ("630202", "630203", "630222", "630223", "630224", "630225")
# region code → cadres per federation's unit there
CADRES_PER_UNIT = {"630000": 4, "630100": 3, "630200": 3, **dict.fromkeys(COUNTIES, 2)}
SURNAMES = "马李王张韩赵祁冶周孙刘陈杨朱何罗郭林胡谢宋唐许邓冯曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "晓建国明德文静立军海燕卓玛永福兰英秀红伟强磊洋勇艳娟霞平刚桂芳玉梅华才让措吉多杰索南央金措姆"
TITLES = ("办公室主任", "组织部部长", "宣传部部长", "权益保障部部长", "干事", "副主席", "副书记", "联络部部长")
UPCOMING = "2026年冬季群团干部履职能力培训班"

# title, lead (region, federation), co-organizers (federations at the lead's level), format, mode,
# federation-specific (or None), target (federation, level), sessions, hours each, roster size
COURSES = [
    ("全省群团干部综合能力提升培训班", ("630000", "union"), ("youth_league", "women", "disabled", "science",
     "red_cross"),
     TrainingFormat.CONCENTRATED, TrainingMode.OFFLINE, None, (None, ""), 4, 6, 100),
    ("群团干部网络学习专题班", ("630000", "youth_league"), ("union", "women"),
     TrainingFormat.VIDEO, TrainingMode.ONLINE, None, (None, ""), 4, 3, 100),
    ("群团工作重要论述专题研讨班", ("630000", "women"), ("union", "youth_league", "disabled", "science", "red_cross"),
     TrainingFormat.SEMINAR, TrainingMode.OFFLINE, None, (None, ""), 3, 4, 55),
    ("县级群团服务中心业务骨干培训班", ("630100", "union"), ("youth_league", "women"),
     TrainingFormat.CONCENTRATED, TrainingMode.BLENDED, None, (None, "county"), 3, 6, 95),
    ("工会职工维权业务培训班", ("630000", "union"), (),
     TrainingFormat.CONCENTRATED, TrainingMode.OFFLINE, "union", ("union", ""), 3, 4, 34),
    ("共青团青年就业创业服务培训班", ("630000", "youth_league"), (),
     TrainingFormat.SEMINAR, TrainingMode.OFFLINE, "youth_league", ("youth_league", ""), 2, 4, 34),
    ("妇联家庭教育指导业务培训班", ("630000", "women"), (),
     TrainingFormat.CONCENTRATED, TrainingMode.BLENDED, "women", ("women", ""), 3, 4, 34),
    ("残联无障碍与康复服务培训班", ("630000", "disabled"), (),
     TrainingFormat.ON_SITE, TrainingMode.OFFLINE, "disabled", ("disabled", ""), 2, 4, 34),
    ("科协科普与农牧技术推广培训班", ("630000", "science"), (),
     TrainingFormat.EXCHANGE, TrainingMode.OFFLINE, "science", ("science", ""), 2, 4, 34),
    ("红十字救护员培训班", ("630000", "red_cross"), (),
     TrainingFormat.CONCENTRATED, TrainingMode.OFFLINE, "red_cross", ("red_cross", ""), 2, 4, 34),
    ("惠企惠民政策进基层宣讲培训", ("630100", "women"), ("union", "youth_league", "disabled"),
     TrainingFormat.POLICY_BRIEFING, TrainingMode.OFFLINE, None, (None, "county"), 3, 2, 100),
    ("群众之家阵地服务培训", ("630102", "union"), ("youth_league", "women"),
     TrainingFormat.ON_SITE, TrainingMode.OFFLINE, None, (None, "county"), 3, 3, 100),
    ("东西部协作交流学习班", ("630000", "science"), ("union", "women"),
     TrainingFormat.EXCHANGE, TrainingMode.OFFLINE, None, (None, ""), 2, 8, 45),
    ("海东市群团干部能力提升班", ("630200", "women"), ("union", "youth_league"),
     TrainingFormat.CONCENTRATED, TrainingMode.OFFLINE, None, (None, ""), 3, 6, 65),
    ("基层群团组织负责人培训班", ("630100", "youth_league"), ("union", "women", "disabled", "science", "red_cross"),
     TrainingFormat.CONCENTRATED, TrainingMode.BLENDED, None, (None, "county"), 2, 4, 100),
    ("群团数字化平台应用培训", ("630000", "union"), ("youth_league", "women", "disabled", "science", "red_cross"),
     TrainingFormat.VIDEO, TrainingMode.ONLINE, None, (None, ""), 2, 2, 100),
]  # fmt: skip

# name, ID prefix (county + birth date), fields, specialty, certifications
EXPERTS = [
    ("才让多杰", "63022319720315", ["agriculture"], "牦牛藏羊高效养殖", "高级畜牧师"),
    ("马秀英", "63010219680522", ["handicraft", "heritage"], "湟绣、青绣", "省级非物质文化遗产代表性传承人"),
    ("韩玉梅", "63022219750809", ["handicraft"], "土族盘绣", "市级非遗传承人\n高级工艺美术师"),
    ("祁永福", "63012119650101", ["agriculture"], "高原马铃薯、油菜种植", "农民高级农艺师"),
    ("索南央金", "63022419800617", ["medical"], "藏医药浴、推拿", "乡村医生执业证书"),
    ("冶海平", "63022519780912", ["skills", "ecommerce"], "拉面技艺与网店运营", "中式面点师（高级）"),
    ("李德才", "63010419700405", ["legal"], "基层矛盾纠纷调解", "人民调解员证"),
    ("周桂芳", "63012319821120", ["education"], "家庭教育指导", "家庭教育指导师"),
    ("朱明德", "63020219660830", ["culture", "heritage"], "河湟花儿演唱", "国家级非遗项目代表性传承人"),
    ("杨措姆", "63020319850213", ["tourism", "ecommerce"], "乡村民宿与农产品直播", ""),
    ("何建国", "63010619730728", ["skills"], "电焊与钢结构", "焊工技师"),
    ("田卓玛", "63010519881004", ["medical", "education"], "妇幼保健知识普及", "护士执业证书"),
]


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _unit(region_code: str, federation: str) -> Organization:
    return Organization.objects.get(region__code=region_code, federation__code=federation, host_unit__isnull=True)


def _id_number(prefix6: str, birth: dt.date, serial: int) -> str:
    first17 = f"{prefix6}{birth:%Y%m%d}{serial:03d}"
    return first17 + idnumbers.check_digit(first17)


def seed_cadres(rng: random.Random) -> list[Person]:
    """216 cadres: each federation's unit at the province, 西宁, 海东 and their counties."""
    cadres = []
    serial = 100
    homes = {code: Region.objects.get(code=code) for code in COUNTIES}
    for region_code, count in CADRES_PER_UNIT.items():
        for federation in FEDERATIONS:
            unit = _unit(region_code, federation)
            for _ in range(count):
                serial += 1
                # County cadres live in their county; those of the province and 西宁 in 西宁, of 海东 in 乐都.
                home = (
                    homes.get(region_code) or homes["630202" if region_code == "630200" else rng.choice(COUNTIES[:5])]
                )
                birth = dt.date(rng.randint(1968, 1996), rng.randint(1, 12), rng.randint(1, 28))
                number = _id_number(home.code, birth, serial % 1000)
                person = person_by_id_number(number)
                if person is None:
                    person, _ = person_register(
                        name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
                        id_number=number,
                        region=home,
                        ethnicity=rng.choice(("汉族", "汉族", "藏族", "回族", "土族", "撒拉族")),
                    )
                if not person.cadre_posts.filter(organization=unit).exists():
                    cadre_post_create(
                        person=person,
                        organization=unit,
                        post_type=PostType.PART_TIME if rng.random() < 0.15 else PostType.FULL_TIME,
                        title=rng.choice(TITLES),
                        start_date=dt.date(rng.randint(2017, 2025), rng.randint(1, 12), 1),
                    )
                cadres.append(person)
    return cadres


def _session_days(rng: random.Random, count: int, index: int) -> list[dt.date]:
    """`count` weekdays a week apart, each course starting in its own fortnight of Feb–Oct."""
    day = dt.date(YEAR, 2, 2) + dt.timedelta(days=14 * index + rng.randint(0, 4))
    days = []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
            day += dt.timedelta(days=7)
        else:
            day += dt.timedelta(days=1)
    return days


def _eligible(course: TrainingCourse, cadres: list[Person], posts: dict[int, CadrePost]) -> list[Person]:
    return [person for person in cadres if post_fits(course, posts[person.pk])]


def seed_courses(rng: random.Random, cadres: list[Person], lecturers: list[Person]) -> int:
    posts = {
        post.person_id: post for post in CadrePost.objects.filter(person__in=cadres).select_related("organization")
    }
    federations = {f.code: f for f in Federation.objects.all()}
    for index, spec in enumerate(COURSES):
        title, (region, lead), co, form, mode, specific, (target_fed, level), sessions, hours, size = spec
        days = _session_days(rng, sessions, index)
        course = services.course_create(
            title=title,
            lead_organization=_unit(region, lead),
            co_organizers=[_unit(region, code) for code in co],
            mode=mode,
            format=form,
            is_common=specific is None,
            federation=federations[specific] if specific else None,
            credit_hours=Decimal(sessions * hours),
            target_federation=federations[target_fed] if target_fed else None,
            target_level=level,
            capacity=size + 10,
            description=f"{YEAR} 年群团干部联合培训（演示）。",
        )
        for number, day in enumerate(days, start=1):
            start = _aware(day, 9 if hours >= 4 else 14, 30 if hours < 4 else 0)
            services.session_create(
                course=course,
                title=f"第 {number} 讲",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=int(hours) + (1 if hours >= 6 else 0)),
                hours=Decimal(hours),
                location="" if mode == TrainingMode.ONLINE else "青海省委党校（省群团干部学校）",
                online_url="https://meeting.qh.example/qunzhi" if mode != TrainingMode.OFFLINE else "",
                lecturers=[rng.choice(lecturers)],
            )
        eligible = _eligible(course, cadres, posts)
        roster = rng.sample(eligible, k=min(size, len(eligible)))
        services.course_enroll(course=course, people=roster)
        for session in course.sessions.all():
            marks = {
                person.pk: rng.choices(
                    (AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT), weights=(93, 5, 2)
                )[0]
                for person in roster
            }
            services.attendance_mark(session=session, marks=marks, now=session.ends_at)
        services.course_finish(course=course, now=course.sessions.last().ends_at + dt.timedelta(hours=1))
    return len(COURSES)


def seed_upcoming(cadres: list[Person]) -> None:
    """A course in the coming days in 城东区's 群众之家: the calendar, the roster and tomorrow's reminder."""
    hall = Room.objects.get(venue__region__code="630102", name="多功能活动厅")
    course = services.course_create(
        title=UPCOMING,
        lead_organization=_unit("630102", "union"),
        co_organizers=[_unit("630102", "youth_league"), _unit("630102", "women")],
        mode=TrainingMode.OFFLINE,
        format=TrainingFormat.CONCENTRATED,
        is_common=True,
        credit_hours=Decimal(8),
        target_level="county",
        capacity=60,
        description="城东区群众之家，群团联合举办（演示）。",
    )
    day = timezone.localdate() + dt.timedelta(days=1)
    for number, topic in enumerate(("群团工作实务", "群众之家运营与服务"), start=1):
        while True:  # the next open day the hall is free in the morning
            if venue_days(hall.venue, day, day)[0].is_open:
                try:
                    services.session_create(
                        course=course,
                        title=f"第 {number} 讲：{topic}",
                        starts_at=_aware(day, 9),
                        ends_at=_aware(day, 12),
                        hours=Decimal(4),
                        room=hall,
                        contact_name="城东区总工会（演示）",
                    )
                    break
                except ConflictError:
                    pass
            day += dt.timedelta(days=1)
        day += dt.timedelta(days=7)
    county = [p for p in cadres if p.cadre_posts.filter(organization__region__code__in=COUNTIES[:5]).exists()]
    services.course_enroll(course=course, people=county[:40])


def seed_rotations(cadres: list[Person]) -> int:
    """Four rotations: two across federations (exchange), one within; one each running, planned, ended."""
    today = timezone.localdate()

    def post_of(region: str, federation: str) -> CadrePost:
        unit = _unit(region, federation)
        return CadrePost.objects.filter(organization=unit, person__in=cadres).order_by("start_date", "id").first()

    plans = [
        (post_of("630102", "union"), _unit("630102", "women"), "挂职副主席", dt.date(YEAR, 6, 1), 12, "run"),
        (post_of("630100", "union"), _unit("630102", "union"), "副主席", dt.date(YEAR, 3, 1), 12, "run"),
        (post_of("630200", "youth_league"), _unit("630200", "union"), "联络部干事", today + dt.timedelta(30), 9, ""),
        (post_of("630000", "science"), _unit("630000", "union"), "组织部干事", dt.date(YEAR - 1, 3, 1), 8, "end"),
    ]
    for from_post, to, title, start, months, fate in plans:
        rotation = services.rotation_plan(
            from_post=from_post,
            to_organization=to,
            title=title,
            start_date=start,
            end_date=add_months(start, months) - dt.timedelta(days=1),
            note="演示轮岗交流",
        )
        if fate:
            services.rotation_start(rotation=rotation, today=start)
        if fate == "end":
            services.rotation_complete(rotation=rotation, today=rotation.end_date + dt.timedelta(days=1))
    return len(plans)


def seed_experts(rng: random.Random) -> int:
    fields = {f.code: f for f in ExpertiseField.objects.all()}
    experts = []
    for serial, (name, prefix, codes, specialty, certifications) in enumerate(EXPERTS, start=1):
        number = prefix + f"{serial:02d}"
        first17 = f"{number}{rng.randint(1, 9)}"
        id_number = first17 + idnumbers.check_digit(first17)
        person = person_by_id_number(id_number)
        if person is None:
            person, _ = person_register(
                name=name, id_number=id_number, region=Region.objects.get(code=prefix[:6]), ethnicity="汉族"
            )
        experts.append(
            services.expert_register(
                person=person,
                fields=[fields[code] for code in codes],
                specialty=specialty,
                certifications=certifications,
                availability="limited" if serial % 5 == 0 else "available",
                joined_on=dt.date(2024 + serial % 2, 1 + serial % 12, 10),
            )
        )
    return len(experts)


def seed_expert_work(experts: list[Expert]) -> None:
    """Four experts teach in the year's courses; one joins the cadre team of 城东区科协."""
    sessions = list(TrainingCourse.objects.get(title="科协科普与农牧技术推广培训班").sessions.all()) + list(
        TrainingCourse.objects.get(title="群众之家阵地服务培训").sessions.all()
    )
    for expert, session in zip(experts[:4], sessions, strict=False):
        services.expert_invite(expert=expert, session=session)
    services.expert_recruit(
        expert=experts[7],
        organization=_unit("630102", "science"),
        post_type=PostType.PART_TIME,
        title="科普宣讲员（土专家）",
        start_date=dt.date(YEAR, 4, 1),
    )


def seed() -> list[str]:
    if TrainingCourse.objects.filter(title=COURSES[0][0]).exists():
        return ["演示人才共育：已存在，未重复生成。"]
    # Reproducible demo data, not a secret.
    rng = random.Random(YEAR)  # nosec B311
    TrainingRequirement.objects.get_or_create(year=YEAR, defaults={"hours": Decimal(32)})
    cadres = seed_cadres(rng)
    lecturers = [p for p in cadres if p.cadre_posts.filter(organization__region__code="630000").exists()][:12]
    courses = seed_courses(rng, cadres, lecturers)
    seed_upcoming(cadres)
    rotations = seed_rotations(cadres)
    seed_experts(rng)
    seed_expert_work(list(Expert.objects.order_by("id")))
    totals = selectors.year_totals(TrainingSession.objects.all(), year=YEAR)
    return [
        f"演示人才共育：干部 {len(cadres)} 人，{YEAR} 年培训班 {courses} 个、课次 {totals.sessions} 期、"
        f"参训 {totals.trainee_times} 人次；另有 1 个即将开班；轮岗交流 {rotations} 项；土专家 {len(EXPERTS)} 人。"
    ]
