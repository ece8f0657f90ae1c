"""Demo people for 西宁市城东区 and 城中区, registered through the services so the rules enroll them.

The people are invented (their ID numbers are well-formed, with correct check digits, but
belong to no one); everything else they point at is the real tree seeded before.
"""

from __future__ import annotations

import datetime as dt

from apps.members import idnumbers
from apps.members.models import IdentityTag, PostType
from apps.members.services import cadre_post_create, person_by_id_number, person_register
from apps.organizations.models import Federation, HostUnit, Organization, Region
from apps.organizations.services import organization_create

# name, first 17 digits of the ID number, residence code, employer (host unit name), tags
DEMO_PEOPLE = [
    ("马晓兰", "63010220000412002", "630102001000", "东川工业园区", ["worker"]),
    ("韩建国", "63010219790825003", "630102002000", "东川工业园区", ["worker"]),
    ("李卓玛", "63252120030909004", "630102003000", None, ["student", "volunteer"]),
    ("赵永福", "63010219650117005", "630102001000", None, ["retired"]),
    ("冶海燕", "63012119910302006", "630102004000", "东川工业园区", ["migrant_worker"]),
    ("祁明德", "63010219860720007", "630102002000", None, ["disabled"]),
    ("周文静", "63010319950611008", "630103001000", "南川工业园区", ["worker"]),
    ("孙立军", "63010319830228009", "630103002000", None, ["gig_worker"]),
]

# person (by name), organization name, post type, title, start
DEMO_POSTS = [
    ("韩建国", "西宁市城东区总工会", PostType.FULL_TIME, "副主席", dt.date(2021, 3, 1)),
    ("马晓兰", "共青团西宁市城东区委员会", PostType.PART_TIME, "副书记", dt.date(2024, 6, 1)),
    ("孙立军", "西宁市城中区总工会", PostType.SECONDED, "挂职副主席", dt.date(2025, 9, 1)),
]

# Union branches in the demo parks, so that their employees' union is the park's own.
DEMO_BRANCHES = [("东川工业园区", "东川工业园区联合工会"), ("南川工业园区", "南川工业园区联合工会")]


def seed_branches() -> None:
    union = Federation.objects.get(code="union")
    for park_name, branch_name in DEMO_BRANCHES:
        park = HostUnit.objects.select_related("region").get(name=park_name)
        if Organization.objects.filter(host_unit=park, federation=union).exists():
            continue
        county_union = Organization.objects.get(federation=union, region=park.region, host_unit__isnull=True)
        organization_create(name=branch_name, federation=union, region=park.region, parent=county_union, host_unit=park)


def seed_people() -> int:
    tags = {tag.code: tag for tag in IdentityTag.objects.all()}
    created = 0
    for name, first17, residence, employer, tag_codes in DEMO_PEOPLE:
        number = first17 + idnumbers.check_digit(first17)
        if person_by_id_number(number) is not None:
            continue
        person_register(
            name=name,
            id_number=number,
            region=Region.objects.get(code=residence),
            ethnicity="汉族",
            employer=HostUnit.objects.get(name=employer) if employer else None,
            identity_tags=[tags[code] for code in tag_codes],
            disability_certificate_number=number + "43" if "disabled" in tag_codes else "",
        )
        created += 1
    for name, organization, post_type, title, start in DEMO_POSTS:
        person = next(p for p in _demo_people() if p.name == name)
        organization = Organization.objects.get(name=organization)
        if not person.cadre_posts.filter(organization=organization, title=title).exists():
            cadre_post_create(
                person=person, organization=organization, post_type=post_type, title=title, start_date=start
            )
    return created


def _demo_people():
    for _, first17, *_rest in DEMO_PEOPLE:
        yield person_by_id_number(first17 + idnumbers.check_digit(first17))


def seed() -> list[str]:
    seed_branches()
    created = seed_people()
    return [f"演示人员新增 {created} 人（按入会规则自动吸收）。"]
