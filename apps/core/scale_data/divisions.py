"""Qinghai's real divisions (loaded by the service if absent) and where its people live.

Residence is drawn prefecture first, by the 2020 census (第七次全国人口普查) resident
population of each prefecture: 西宁 2.47 M (42 %) and 海东 1.36 M (23 %) of the province's
5.92 M. Within a prefecture, counties are drawn by their approximate resident population
(tens of thousands, rounded from the counties' census bulletins; only their ratios inside
the prefecture matter). Within a county, a 街道 (urban street, codes xxx0xx) weighs three, a
镇 (town, 1xx) two and a 乡 (township, 2xx and above) one: people gather where towns are.
"""

from __future__ import annotations

from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from apps.organizations.management.commands.load_divisions import read_divisions
from apps.organizations.models import Region, RegionLevel
from apps.organizations.services import regions_load_divisions

PREFECTURE_POPULATION = {  # 2020 census, persons
    "630100": 2_467_965,  # 西宁市
    "630200": 1_358_471,  # 海东市
    "632200": 265_322,  # 海北州
    "632300": 276_215,  # 黄南州
    "632500": 446_996,  # 海南州
    "632600": 215_573,  # 果洛州
    "632700": 425_199,  # 玉树州
    "632800": 468_216,  # 海西州
}
COUNTY_POPULATION = {  # approximate, in 10,000s
    "630102": 40, "630103": 34, "630104": 36, "630105": 36, "630106": 44, "630121": 42, "630123": 12,
    "630202": 26, "630203": 12, "630222": 35, "630223": 33, "630224": 21, "630225": 13,
    "632221": 14.5, "632222": 4.8, "632223": 3.4, "632224": 4.3,
    "632301": 10.5, "632322": 6.1, "632323": 7.9, "632324": 4.1,
    "632521": 14.5, "632522": 6.7, "632523": 10.3, "632524": 7.8, "632525": 7.8,
    "632621": 5.8, "632622": 3.1, "632623": 4.0, "632624": 3.8, "632625": 2.8, "632626": 1.6,
    "632701": 12.0, "632722": 7.0, "632723": 6.6, "632724": 3.6, "632725": 11.0, "632726": 3.4,
    "632801": 24.2, "632802": 8.8, "632803": 3.0, "632821": 3.9, "632822": 8.0, "632823": 2.3, "632857": 1.4,
}  # fmt: skip
# Urban districts and cities: more employees and retirees, fewer farmers and herders.
URBAN_COUNTIES = frozenset({"630102", "630103", "630104", "630105", "632801", "632802", "632701"})
TOWNSHIP_WEIGHT = {"0": 3, "1": 2}  # by the 7th digit of the code; everything else 1


@dataclass(frozen=True)
class Place:
    id: int
    code: str
    name: str
    full_name: str
    path: str
    depth: int
    level: str
    parent_id: int | None


@dataclass
class County:
    """A county with its townships and the share of the province's people living there."""

    index: int
    place: Place
    prefecture: Place
    share: float
    urban: bool
    townships: list[Place] = field(default_factory=list)
    township_cumulative: list[float] = field(default_factory=list)

    def draw_township(self, draw: float) -> Place:
        """The township at `draw` in [0, 1) of the county's weighted townships (the county itself if none)."""
        if not self.townships:
            return self.place
        return self.townships[bisect(self.township_cumulative, draw * self.township_cumulative[-1])]


@dataclass
class Divisions:
    province: Place
    prefectures: list[Place]
    counties: list[County]
    townships: list[Place]
    by_id: dict[int, Place]
    county_cumulative: list[float]

    def county_of(self, region_id: int) -> County:
        return self._county_by_region[region_id]

    def __post_init__(self):
        self._county_by_region = {}
        for county in self.counties:
            self._county_by_region[county.place.id] = county
            for township in county.townships:
                self._county_by_region[township.id] = county


def ensure_loaded() -> int:
    """Load the official divisions through the service (idempotent); the number of regions created."""
    created, _ = regions_load_divisions(read_divisions())
    return created


def read() -> Divisions:
    fields = ("id", "code", "name", "full_name", "path", "depth", "level", "parent_id")
    places = [Place(*row) for row in Region.objects.order_by("path").values_list(*fields)]
    by_id = {place.id: place for place in places}
    by_level: dict[str, list[Place]] = {level: [] for level in RegionLevel}
    for place in places:
        by_level[place.level].append(place)
    (province,) = by_level[RegionLevel.PROVINCE]
    prefectures = sorted(by_level[RegionLevel.PREFECTURE], key=lambda p: p.code)
    counties = []
    for index, place in enumerate(sorted(by_level[RegionLevel.COUNTY], key=lambda p: p.code)):
        prefecture = by_id[place.parent_id]
        siblings = [p for p in by_level[RegionLevel.COUNTY] if p.parent_id == prefecture.id]
        own = COUNTY_POPULATION.get(place.code, 1.0)
        within = own / sum(COUNTY_POPULATION.get(p.code, 1.0) for p in siblings)
        share = PREFECTURE_POPULATION.get(prefecture.code, 100_000) * within
        counties.append(County(index, place, prefecture, share, place.code in URBAN_COUNTIES))
    by_county = {county.place.id: county for county in counties}
    townships = sorted(by_level[RegionLevel.TOWNSHIP], key=lambda p: p.code)
    for township in townships:
        county = by_county[township.parent_id]
        county.townships.append(township)
    for county in counties:
        weights = [TOWNSHIP_WEIGHT.get(t.code[6], 1) for t in county.townships]
        county.township_cumulative = list(accumulate(weights))
    total = sum(county.share for county in counties)
    for county in counties:
        county.share /= total
    return Divisions(
        province=province,
        prefectures=prefectures,
        counties=counties,
        townships=townships,
        by_id=by_id,
        county_cumulative=list(accumulate(county.share for county in counties)),
    )
