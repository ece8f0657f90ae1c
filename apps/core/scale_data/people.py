"""People: valid ID numbers, encrypted as the model stores them, names, identities, memberships.

The costly part is Python's: a Fernet encryption and an HMAC per person (and a second
encryption for the three in four who give a phone). The main process
draws what must be unique across everyone (county, birth date, gender and so the ID
number's serial) and hands chunks of 20,000 people to worker processes (fork), which draw
the rest from a generator seeded by the chunk and return COPY text. The chunks, not the
workers, carry the randomness: one worker or two give byte-identical rows.

Determinism asks for two things `apps.core.crypto.encrypt` leaves to chance: Fernet's
timestamp (here the person's registration time) and IV (drawn from the chunk's generator).
The token is built by the same Fernet, with the first configured key, so `decrypt()` reads
it; the hash is `keyed_hash` (HMAC-SHA256 under FIELD_HASH_KEY), the masked copy `mask`.

Shares, each with where it comes from:
- ages 14 and over after the age structure of Qinghai's 2020 census (AGE_BANDS, % of
  people, rounded); 51 % men (the census sex ratio is about 103);
- employed (with an employer among the host units of their county): 70 % of people 18–59
  in urban districts, 45 % elsewhere (working-age employment, lower in the pastoral counties);
- farmers and herders: 75 % of the others 18–74 outside the cities; students: most of those
  14–17 and nearly half of those 18–21; retired: 60 % (urban) / 25 % of men from 60 and
  women from 55;
- 2 % disability certificate holders (China has issued some 37 M, 2.6 % of its people);
- 12 % registered volunteers (25 % of students; the national volunteer platform counts some
  230 M, 16 % of China); 3 % of men 25+ veterans; 75 % give a phone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import multiprocessing
import random
import re
import time
from array import array
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

from cryptography.fernet import Fernet
from django.conf import settings

from apps.core.phones import mask_phone
from apps.core.scale_data.copy import local
from apps.core.scale_data.divisions import County
from apps.core.scale_data.ids import IdNumbers
from apps.core.scale_data.memberships import (
    DISABLED,
    EMPLOYED,
    FARMER,
    FEMALE,
    RETIRED,
    STUDENT,
    VOLUNTEER,
    MembershipWriter,
)
from apps.core.scale_data.names import EthnicMix, person_name
from apps.members.idnumbers import mask
from apps.members.models import IdentityTag, Membership, Person
from apps.organizations.models import HostUnitKind

CHUNK = 20_000
AGE_BANDS = [
    (14, 20, 6.8), (20, 25, 6.3), (25, 30, 7.5), (30, 35, 9.5), (35, 40, 8.3), (40, 45, 7.3), (45, 50, 8.1),
    (50, 55, 8.3), (55, 60, 6.5), (60, 65, 4.7), (65, 70, 4.3), (70, 75, 2.8), (75, 80, 1.8), (80, 90, 1.5),
]  # fmt: skip
MALE_SHARE = 0.51
EMPLOYED_SHARE = (0.45, 0.7)  # rural, urban: of people 18–59
FARMER_SHARE = 0.75
RETIRED_SHARE = (0.25, 0.6)
DISABLED_SHARE = 0.02
VOLUNTEER_SHARE, STUDENT_VOLUNTEER_SHARE = 0.12, 0.25
VETERAN_SHARE = 0.03
PHONE_SHARE = 0.75
# People registered one after another from this moment to the data's day, in id order.
REGISTERED_FROM = local(dt.date(2023, 1, 3), 8)
PHONE_PREFIXES = ("39", "38", "37", "36", "35", "58", "59", "87", "88", "80", "89", "99", "77", "52")
PERSON_FIELDS = (
    "id", "created_at", "updated_at", "name", "id_number", "id_number_hash", "id_number_masked", "gender",
    "birth_date", "ethnicity", "phone", "phone_masked", "region", "employer", "disability_class", "user",
)  # fmt: skip
MEMBERSHIP_FIELDS = (
    "created_at", "updated_at", "person", "organization", "federation", "status", "joined_on", "ended_on",
    "source", "note", "transferred_from",
)  # fmt: skip
ISO_FROM = dt.date(1930, 1, 1)  # before the oldest birth date drawn
_EARLIER = re.compile(r"@(\d+)")
MAX_SERIALS = 500  # per county, birth date and gender: the three serial digits, one parity


class People:
    """What later steps need of each person, indexed by id - 1, in compact arrays."""

    def __init__(self):
        self.county, self.age, self.flags, self.region = array("B"), array("B"), array("B"), array("I")

    def __len__(self) -> int:
        return len(self.county)

    def by_county(self, keep=None) -> dict[int, array]:
        """Person ids per county index, of those `keep(age, flags)` accepts (all without it)."""
        groups: dict[int, array] = {}
        for index, (county, age, flags) in enumerate(zip(self.county, self.age, self.flags, strict=True)):
            if keep is None or keep(age, flags):
                groups.setdefault(county, array("I")).append(index + 1)
        return groups


@dataclass
class _CountyWorld:
    code: str
    id: int
    urban: bool
    townships: list[int]
    township_cumulative: list[int]
    mix: EthnicMix
    employers: list
    employer_cumulative: list[int]

    def draw_employer(self, draw: float):
        if not self.employers:
            return None
        return self.employers[bisect(self.employer_cumulative, draw * self.employer_cumulative[-1])]


class _Person:
    """One person's facts while their rows are written (in a worker)."""

    __slots__ = ("id", "stamp", "birth", "age", "flags", "employer", "township", "county", "county_world")


@dataclass
class _World:
    """Everything a worker needs, inherited through fork: read only."""

    seed: int
    persons: int
    as_of: dt.date
    as_of_ordinal: int
    counties: list[_CountyWorld]
    official: dict[tuple[str, int], int]
    townships_of: dict[int, list[int]]
    federation_ids: dict[str, int]
    tag_ids: dict[str, int]
    fernet: Fernet
    hash_base: hmac.HMAC
    iso_base: int
    iso_dates: list[str]


_WORLD: _World | None = None


def _world(ctx) -> _World:
    tree = ctx.tree
    employers: dict[int, list] = {}
    for host in tree.host_units:
        employers.setdefault(host.county_index, []).append(host)

    def county(c: County) -> _CountyWorld:
        hosts = employers.get(c.index, [])
        return _CountyWorld(
            c.place.code, c.place.id, c.urban, [t.id for t in c.townships] or [c.place.id],
            c.township_cumulative or [1], EthnicMix(c.place.code), hosts,
            list(accumulate(h.head_count for h in hosts)),
        )  # fmt: skip

    return _World(
        seed=ctx.seed,
        persons=ctx.persons,
        as_of=ctx.as_of,
        as_of_ordinal=ctx.as_of.toordinal(),
        counties=[county(c) for c in ctx.divisions.counties],
        official={(u.federation.code, u.region_id): u.id for u in tree.units if u.host_unit_id is None},
        townships_of={c.place.id: [t.id for t in c.townships] or [c.place.id] for c in ctx.divisions.counties},
        federation_ids={f.code: f.id for f in tree.federations},
        tag_ids=dict(IdentityTag.objects.values_list("code", "id")),
        fernet=Fernet(settings.FIELD_ENCRYPTION_KEYS[0]),
        hash_base=hmac.new(settings.FIELD_HASH_KEY.encode(), digestmod=hashlib.sha256),
        iso_base=ISO_FROM.toordinal(),
        iso_dates=[
            dt.date.fromordinal(day).isoformat() for day in range(ISO_FROM.toordinal(), ctx.as_of.toordinal() + 800)
        ],
    )


def _demographics(ctx):
    """Chunk by chunk: (index, first id, counties, birth ordinals, genders, serials), drawn in id order."""
    draw = ctx.rng("people").random
    counties = ctx.divisions.counties
    county_cumulative = ctx.divisions.county_cumulative
    band_cumulative = list(accumulate(share for _, _, share in AGE_BANDS))
    as_of = ctx.as_of.toordinal()
    oldest = as_of - int(AGE_BANDS[-1][1] * 365.25) - 1
    span = as_of - oldest + 1
    used = array("H", bytes(2 * len(counties) * span * 2))
    for index, first in enumerate(range(1, ctx.persons + 1, CHUNK)):
        size = min(CHUNK, ctx.persons - first + 1)
        county_of, births, males, serials = array("B"), array("I"), array("B"), array("H")
        for _ in range(size):
            county = min(bisect(county_cumulative, draw() * county_cumulative[-1]), len(counties) - 1)
            low, high, _share = AGE_BANDS[bisect(band_cumulative, draw() * band_cumulative[-1])]
            birth = as_of - int((low + draw() * (high - low)) * 365.25)
            male = draw() < MALE_SHARE
            key = ((county * span) + birth - oldest) * 2 + male
            count = used[key]
            if count >= MAX_SERIALS:
                raise RuntimeError("身份证号顺序码已用尽：人数过多，请减少 --persons。")
            used[key] = count + 1
            county_of.append(county)
            births.append(birth)
            males.append(male)
            # Even steps keep the gender digit's parity; the offset spreads the numbers by day and place.
            serials.append((2 * (count + birth * 7919 + county * 104_729) + male) % 1000)
        yield index, first, county_of, births, males, serials


def _chunk(spec):
    """Worker: COPY text of one chunk's people, their identity tags and memberships, and their facts."""
    index, first, county_of, births, males, serials = spec
    w = _WORLD
    # Reproducible synthetic data, not a secret.
    rng = random.Random(f"{w.seed}:people:{index}")  # nosec B311
    random_, choice = rng.random, rng.choice
    tags = w.tag_ids
    step = (local(w.as_of, 18) - REGISTERED_FROM).total_seconds() / max(1, w.persons)
    start = REGISTERED_FROM.timestamp()
    people, tag_lines, memberships = [], [], []
    writer = MembershipWriter(w, rng, memberships)
    numbers = IdNumbers()
    facts = People()
    for offset in range(len(county_of)):
        person_id = first + offset
        county = w.counties[county_of[offset]]
        birth = dt.date.fromordinal(births[offset])
        female = not males[offset]
        as_of = w.as_of
        age = as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))
        registered = int(start + (person_id - 1 + random_()) * step)  # within its own slot: in id order
        moment = time.gmtime(registered + 8 * 3600)
        stamp = (
            f"{moment.tm_year}-{moment.tm_mon:02d}-{moment.tm_mday:02d} "
            f"{moment.tm_hour:02d}:{moment.tm_min:02d}:{moment.tm_sec:02d}+08"
        )
        township = county.townships[bisect(county.township_cumulative, random_() * county.township_cumulative[-1])]
        ethnicity = county.mix.draw(rng)
        name = person_name(rng, ethnicity, female)
        number = numbers.number(county.code, births[offset], serials[offset])
        digest = w.hash_base.copy()
        digest.update(number.encode())
        token = w.fernet._encrypt_from_parts(number.encode(), registered, rng.randbytes(16)).decode()

        flags = FEMALE if female else 0
        person_tags = []
        employer = None
        if age < 18 and random_() < 0.9 or 18 <= age < 22 and random_() < 0.45:
            flags |= STUDENT
            person_tags.append("student")
        elif 18 <= age < 60 and county.employers and random_() < EMPLOYED_SHARE[county.urban]:
            employer = county.draw_employer(random_())
            flags |= EMPLOYED
            if employer.kind == HostUnitKind.NEW_ECONOMIC_ORG:
                person_tags.append("gig_worker")
            elif not county.urban and random_() < 0.3:
                person_tags.append("migrant_worker")
            else:
                person_tags.append("worker")
        elif not county.urban and 18 <= age < 75 and random_() < FARMER_SHARE:
            flags |= FARMER
            person_tags.append("farmer_herder")
        if age >= (55 if female else 60) and not flags & EMPLOYED and random_() < RETIRED_SHARE[county.urban]:
            flags |= RETIRED
            person_tags.append("retired")
        disability = ""
        if random_() < DISABLED_SHARE:
            flags |= DISABLED
            person_tags.append("disabled")
            disability = f"{rng.randint(1, 7)}{rng.randint(1, 4)}"
        if age < 71 and random_() < (STUDENT_VOLUNTEER_SHARE if flags & STUDENT else VOLUNTEER_SHARE):
            flags |= VOLUNTEER
            person_tags.append("volunteer")
        if not female and age >= 25 and random_() < VETERAN_SHARE:
            person_tags.append("veteran")
        # Empty strings, and no passwords at all (bandit reads "token" as one).
        phone = phone_token = phone_masked = ""  # nosec B105
        if random_() < PHONE_SHARE:
            phone = f"1{choice(PHONE_PREFIXES)}{rng.randrange(10**8):08d}"
            # Sealed like the ID number (an empty phone stays empty: nothing to encrypt).
            phone_token = w.fernet._encrypt_from_parts(phone.encode(), registered, rng.randbytes(16)).decode()
            phone_masked = mask_phone(phone)
        people.append(
            f"{person_id}\t{stamp}\t{stamp}\t{name}\t{token}\t{digest.hexdigest()}\t{mask(number)}\t"
            f"{'female' if female else 'male'}\t{w.iso_dates[births[offset] - w.iso_base]}\t{ethnicity}\t"
            f"{phone_token}\t{phone_masked}\t{township}\t"
            f"{employer.id if employer else chr(92) + 'N'}\t{disability}\t\\N\n"
        )
        tag_lines.extend(f"{person_id}\t{tags[code]}\n" for code in person_tags if code in tags)
        person = _Person()
        person.id, person.stamp, person.birth, person.age, person.flags = person_id, stamp, birth, age, flags
        person.employer, person.township, person.county, person.county_world = employer, township, county.id, county
        writer.person(person)
        facts.county.append(county_of[offset])
        facts.age.append(min(age, 255))
        facts.flags.append(flags)
        facts.region.append(township)
    arrays = (facts.county.tobytes(), facts.age.tobytes(), facts.flags.tobytes(), facts.region.tobytes())
    return "".join(people), "".join(tag_lines), "".join(memberships), arrays


def generate(ctx) -> People:
    global _WORLD
    _WORLD = _world(ctx)
    ctx.shared["tag_ids"] = _WORLD.tag_ids
    people = People()
    specs = _demographics(ctx)
    try:
        if ctx.workers > 1:
            # fork: the workers inherit _WORLD and never touch the database connection.
            with multiprocessing.get_context("fork").Pool(ctx.workers) as pool:
                _load(ctx, people, pool.imap(_chunk, specs))
        else:
            _load(ctx, people, map(_chunk, specs))
    finally:
        _WORLD = None
    return people


def _load(ctx, people: People, results) -> None:
    for person_text, tag_text, membership_text, (county, age, flags, region) in results:
        ctx.copy_lines(Person, PERSON_FIELDS, [person_text])
        ctx.copy_lines(Person.identity_tags.through, ("person", "identitytag"), [tag_text])
        # The sequence numbers memberships in COPY order from 1: line k of this chunk gets base + k + 1.
        base = ctx.counts[Membership._meta.db_table]
        membership_text = _EARLIER.sub(lambda match, base=base: str(base + int(match.group(1)) + 1), membership_text)
        ctx.copy_lines(Membership, MEMBERSHIP_FIELDS, [membership_text])
        people.county.frombytes(county)
        people.age.frombytes(age)
        people.flags.frombytes(flags)
        people.region.frombytes(region)
