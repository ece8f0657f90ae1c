"""Talent co-cultivation: cadre posts, rotations (轮岗交流), joint training with attendance, local experts.

One cadre post for every 250 people (Qinghai's mass organizations count some 20,000
full- and part-time cadres for 5.9 M people), most in the units of county level and above,
the rest in townships; one in seven has since ended. One current cadre in twelve rotates
to another unit for 6 to 18 months, half of them to another federation (交流); a rotation
that started has its own post, as `rotation_start` opens it.

A joint training course for every 5,000 people (the seed reports 43 classes a year), two
to four sessions each, its roster the cadres of the lead unit's area first, then other
people of working age; attendance is marked for every session that took place. A local
expert (土专家) for every 5,000 people, in one or two fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.core.scale_data.context import HISTORY_START
from apps.core.scale_data.copy import local
from apps.members.models import CadrePost
from apps.talent.models import (
    Attendance,
    Enrollment,
    Expert,
    ExpertiseField,
    Rotation,
    TrainingCourse,
    TrainingSession,
)

CADRE_POSTS_PER_PERSON = 1 / 250
TOWNSHIP_POST_SHARE = 0.4
ENDED_POST_SHARE = 1 / 7
ROTATING_SHARE = 1 / 12
COURSES_PER_PERSON = 1 / 5000
EXPERTS_PER_PERSON = 1 / 5000
POST_TYPES = ["full_time"] * 4 + ["part_time"] * 3 + ["seconded", "public_welfare"]
TITLES = ["主席", "副主席", "书记", "副书记", "办公室主任", "组织部部长", "宣传部部长", "权益保障部部长", "干事"]
COURSE_TITLES = [
    "{place}群团干部综合能力提升培训班", "{place}群团工作业务骨干培训班", "{place}基层群团组织负责人培训班",
    "{place}群团数字化平台应用培训", "{place}惠企惠民政策宣讲培训", "{place}群众之家阵地服务培训",
]  # fmt: skip
FORMATS = ["concentrated", "seminar", "video", "exchange", "policy_briefing", "on_site"]
SPECIALTIES = [
    ("agriculture", "牦牛藏羊高效养殖"), ("handicraft", "湟绣、青绣"), ("heritage", "土族盘绣"),
    ("agriculture", "高原马铃薯、油菜种植"), ("medical", "藏医药浴、推拿"), ("skills", "拉面技艺"),
    ("legal", "基层矛盾纠纷调解"), ("education", "家庭教育指导"), ("culture", "河湟花儿演唱"),
    ("tourism", "乡村民宿经营"), ("ecommerce", "农产品直播带货"), ("skills", "电焊与钢结构"),
]  # fmt: skip


def build(ctx) -> None:
    rng = ctx.rng("talent")
    posts = _posts(ctx, rng)
    _rotations(ctx, rng, posts)
    _training(ctx, rng, posts)
    _experts(ctx, rng)


def _pick(rng, pool, used: set[int]) -> int | None:
    for _ in range(20):
        if not pool:
            return None
        person = pool[rng.randrange(len(pool))]
        if person not in used:
            used.add(person)
            return person
    return None


def _posts(ctx, rng) -> list[list]:
    tree, divisions = ctx.tree, ctx.divisions
    upper = [u for u in tree.units if u.host_unit_id is None and u.depth <= 3]
    townships = [u for u in tree.units if u.host_unit_id is None and u.depth == 4]
    pools = ctx.people.by_county(lambda age, flags: 25 <= age < 58)
    all_counties = [c.index for c in divisions.counties]
    used: set[int] = set()
    posts = []  # id, person, unit, post type, title, start, end
    for _ in range(ctx.scaled(CADRE_POSTS_PER_PERSON, minimum=60)):
        unit = rng.choice(townships if rng.random() < TOWNSHIP_POST_SHARE else upper)
        if unit.depth >= 3:
            county = divisions.county_of(unit.region_id).index
        else:  # province and prefecture cadres live in one of the counties below
            county = rng.choice(
                [c.index for c in divisions.counties if unit.depth == 1 or c.prefecture.id == unit.region_id]
                or all_counties
            )
        person = _pick(rng, pools.get(county), used)
        if person is None:
            continue
        start = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange((ctx.as_of - dt.date(2015, 1, 1)).days))
        end = None
        if rng.random() < ENDED_POST_SHARE and start < ctx.as_of - dt.timedelta(days=60):
            end = start + dt.timedelta(days=rng.randrange(30, (ctx.as_of - start).days))
        posts.append([len(posts) + 1, person, unit, rng.choice(POST_TYPES), rng.choice(TITLES), start, end])
    return posts


def _rotations(ctx, rng, posts) -> None:
    tree = ctx.tree
    official = [u for u in tree.units if u.host_unit_id is None]
    rotations, rotation_posts = [], []
    next_post = len(posts) + 1
    for post_id, person, unit, _, _, start, end in list(posts):
        if end is not None or unit.depth > 3 or rng.random() >= ROTATING_SHARE:
            continue
        if rng.random() < 0.5:
            target = tree.official(
                rng.choice([f.code for f in tree.federations if f.code != unit.federation.code]), unit.region_id
            )
        else:  # within the federation: to another of its units of prefecture or county level (下派挂职)
            target = rng.choice(
                [u for u in official if u.federation is unit.federation and u.depth in (2, 3) and u.id != unit.id]
            )
        begins = max(start + dt.timedelta(days=180), HISTORY_START) + dt.timedelta(days=rng.randrange(600))
        ends = begins + dt.timedelta(days=rng.randint(180, 540))
        status = "planned" if begins > ctx.as_of else "active" if ends >= ctx.as_of else "completed"
        status = "cancelled" if status == "planned" and rng.random() < 0.1 else status
        post = None
        title = f"挂职{rng.choice(TITLES[1:4])}"
        if status in ("active", "completed"):
            post = next_post
            next_post += 1
            rotation_posts.append([post, person, target, "rotation", title, begins, ends])
        rotations.append((len(rotations) + 1, person, post_id, target, title, begins, ends, status,
                          target.federation is not unit.federation, post))  # fmt: skip
    fields = ("id", "created_at", "updated_at", "person", "organization", "post_type", "title", "start_date",
              "end_date")  # fmt: skip
    ctx.copy(
        CadrePost,
        fields,
        ((i, local(start, 9), local(end or start, 9), person, unit.id, kind, title, start, end)
         for i, person, unit, kind, title, start, end in posts + rotation_posts),
    )  # fmt: skip
    ctx.copy(
        Rotation,
        ("id", "created_at", "updated_at", "person", "from_post", "to_organization", "post_type", "title",
         "start_date", "end_date", "status", "across_federations", "post", "note", "created_by"),
        ((i, ctx.recorded(local(begins - dt.timedelta(days=30), 9)), ctx.recorded(local(begins, 9)), person,
          from_post, target.id, "rotation", title, begins, ends, status, across, post, "", None)
         for i, person, from_post, target, title, begins, ends, status, across, post in rotations),
    )  # fmt: skip


def _training(ctx, rng, posts) -> None:
    tree, divisions, now = ctx.tree, ctx.divisions, local(ctx.as_of, 18)
    upper = [u for u in tree.units if u.host_unit_id is None and u.depth <= 3]
    cadres_by_county: dict[int, list[int]] = {}
    for _, person, unit, *_rest in posts:
        cadres_by_county.setdefault(divisions.county_of(unit.region_id).index if unit.depth >= 3 else -1, []).append(
            person
        )
    workers = ctx.people.by_county(lambda age, flags: 22 <= age < 56)
    courses, co_organizers, sessions, enrollments, attendance = [], [], [], [], []
    for course_id in range(1, ctx.scaled(COURSES_PER_PERSON, minimum=4) + 1):
        lead = rng.choice(upper)
        place = divisions.by_id[lead.region_id]
        mode = rng.choice(["offline", "offline", "online", "blended"])
        common = rng.random() < 0.7
        count, hours = rng.randint(2, 4), Decimal(rng.choice([2, 3, 4, 6]))
        day = HISTORY_START + dt.timedelta(days=rng.randrange((ctx.as_of - HISTORY_START).days + 60))
        times = []
        for n in range(count):
            starts = local(day + dt.timedelta(days=n), 9)
            times.append((starts, starts + dt.timedelta(hours=int(hours))))
        status = "finished" if times[-1][1] < now else "open"
        status = "cancelled" if status == "open" and rng.random() < 0.05 else status
        capacity = rng.choice([30, 50, 60, 80, 100])
        courses.append((course_id, rng.choice(COURSE_TITLES).format(place=place.name), lead.id, mode,
                        rng.choice(FORMATS), common, None if common else lead.federation.id, hours * count, capacity,
                        status, ctx.recorded(times[0][0] - dt.timedelta(days=20))))  # fmt: skip
        for other in rng.sample([f for f in tree.federations if f is not lead.federation], rng.randint(0, 3)):
            co_organizers.append((course_id, tree.official(other.code, lead.region_id).id))
        session_ids = []
        for n, (starts, ends) in enumerate(times, start=1):
            sessions.append((len(sessions) + 1, course_id, f"第 {n} 讲", starts, ends, hours,
                             "" if mode == "online" else f"{place.name}群众之家",
                             "https://learning.example.cn/course" if mode != "offline" else ""))  # fmt: skip
            session_ids.append((len(sessions), starts))
        counties = [c.index for c in divisions.counties if lead.depth == 1 or place.id in (c.place.id, c.prefecture.id)]
        candidates = [p for c in counties for p in cadres_by_county.get(c, ())] + cadres_by_county.get(-1, [])
        roster: list[int] = []
        seen: set[int] = set()
        target = int(capacity * rng.uniform(0.6, 1.0))
        for person in rng.sample(candidates, min(len(candidates), target)):
            seen.add(person)
            roster.append(person)
        pool = [p for c in counties for p in workers.get(c, ())]
        for _ in range((target - len(roster)) * 2 if pool else 0):
            if len(roster) >= target:
                break
            person = pool[rng.randrange(len(pool))]
            if person not in seen:
                seen.add(person)
                roster.append(person)
        if status == "cancelled":
            continue
        for person in roster:
            withdrawn = rng.random() < 0.05
            enrollments.append(
                (
                    course_id,
                    person,
                    "withdrawn" if withdrawn else "enrolled",
                    ctx.recorded(times[0][0] - dt.timedelta(days=7)),
                )
            )
            if withdrawn:
                continue
            for session_id, starts in session_ids:
                if starts < now:
                    draw = rng.random()
                    state = "present" if draw < 0.85 else "leave" if draw < 0.95 else "absent"
                    attendance.append((session_id, person, state, starts))
    _write_training(ctx, courses, co_organizers, sessions, enrollments, attendance)


def _write_training(ctx, courses, co_organizers, sessions, enrollments, attendance) -> None:
    ctx.copy(
        TrainingCourse,
        ("id", "created_at", "updated_at", "title", "lead_organization", "mode", "format", "is_common", "federation",
         "credit_hours", "target_federation", "target_level", "target_post_type", "capacity", "status",
         "description", "created_by"),
        ((i, created, created, title, lead, mode, fmt, common, federation, hours, None, "", "", capacity, status, "",
          None)
         for i, title, lead, mode, fmt, common, federation, hours, capacity, status, created in courses),
    )  # fmt: skip
    ctx.copy(TrainingCourse.co_organizers.through, ("trainingcourse", "organization"), co_organizers)
    ctx.copy(
        TrainingSession,
        ("id", "created_at", "updated_at", "course", "title", "starts_at", "ends_at", "hours", "location", "room",
         "booking", "online_url"),
        ((i, created, created, course, title, starts, ends, hours, location, None, None, url)
         for i, course, title, starts, ends, hours, location, url in sessions
         for created in (ctx.recorded(starts - dt.timedelta(days=20)),)),
    )  # fmt: skip
    ctx.copy(
        Enrollment,
        ("course", "person", "status", "enrolled_at", "updated_at"),
        ((course, person, status, at, at) for course, person, status, at in enrollments),
    )
    ctx.copy(
        Attendance,
        ("created_at", "updated_at", "session", "person", "status", "marked_by"),
        ((at, at, session, person, state, None) for session, person, state, at in attendance),
    )


def _experts(ctx, rng) -> None:
    fields = dict(ExpertiseField.objects.values_list("code", "id"))
    pools = ctx.people.by_county(lambda age, flags: 35 <= age < 71)
    counties = sorted(pools)
    used: set[int] = set()
    experts, links = [], []
    for _ in range(ctx.scaled(EXPERTS_PER_PERSON, minimum=12) if counties else 0):
        person = _pick(rng, pools[rng.choice(counties)], used)
        if person is None:
            continue
        code, specialty = rng.choice(SPECIALTIES)
        joined = HISTORY_START + dt.timedelta(days=rng.randrange((ctx.as_of - HISTORY_START).days))
        expert_id = len(experts) + 1
        availability = rng.choice(["available", "available", "limited", "unavailable"])
        experts.append((expert_id, local(joined, 10), local(joined, 10), person, ctx.people.region[person - 1],
                        specialty, "", availability, "", True, joined))  # fmt: skip
        links += [(expert_id, fields[c]) for c in sorted({code, rng.choice(list(fields))}) if c in fields]
    ctx.copy(
        Expert,
        (
            "id",
            "created_at",
            "updated_at",
            "person",
            "region",
            "specialty",
            "certifications",
            "availability",
            "availability_note",
            "is_active",
            "joined_on",
        ),
        experts,
    )
    ctx.copy(Expert.fields.through, ("expert", "expertisefield"), sorted(links))
