"""Host units (enterprises, parks, markets, new economic and social organizations) and their branches.

About one legal-entity unit per hundred residents: the order of magnitude the economic
census reports for western provinces (Qinghai's 2023 census counts some 60,000 units with
legal personality and as many individual businesses for 5.9 M people). Most are small
enterprises; a few are parks, districts and markets gathering many employees.

Which federations set up a branch follows the coverage the Trade Union Law and the
federations' own charters ask for: a union in most enterprises of 25 employees or more
(rarely below), a Youth League branch and a women's committee in a good part of them, all
of the union, League, women's federation and science association in the parks.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate

from apps.organizations.models import HostUnitKind

HOST_UNITS_PER_PERSON = 1 / 100
KIND_WEIGHTS = [
    (HostUnitKind.ENTERPRISE, 75),
    (HostUnitKind.NEW_ECONOMIC_ORG, 9),
    (HostUnitKind.NEW_SOCIAL_ORG, 9),
    (HostUnitKind.INTERNET_FIRM, 3),
    (HostUnitKind.PROFESSIONAL_MARKET, 2),
    (HostUnitKind.BUSINESS_DISTRICT, 1.5),
    (HostUnitKind.INDUSTRIAL_PARK, 0.5),
]
# (median, spread, lowest, highest) of the head count by kind: a log-normal draw.
HEAD_COUNT = {
    HostUnitKind.ENTERPRISE: (30, 1.0, 3, 5000),
    HostUnitKind.NEW_ECONOMIC_ORG: (15, 0.8, 3, 200),
    HostUnitKind.NEW_SOCIAL_ORG: (10, 0.7, 3, 120),
    HostUnitKind.INTERNET_FIRM: (60, 0.9, 8, 800),
    HostUnitKind.PROFESSIONAL_MARKET: (300, 0.6, 60, 2000),
    HostUnitKind.BUSINESS_DISTRICT: (900, 0.6, 200, 5000),
    HostUnitKind.INDUSTRIAL_PARK: (2000, 0.6, 400, 12000),
}
# Chance of each federation's branch by kind, for units of 25 or more (the law's threshold)
# and below it.
BRANCH_CHANCE = {
    HostUnitKind.ENTERPRISE: ({"union": 0.8, "youth_league": 0.3, "women": 0.35}, {"union": 0.25}),
    HostUnitKind.NEW_ECONOMIC_ORG: ({"union": 0.6, "youth_league": 0.3}, {"union": 0.3}),
    HostUnitKind.NEW_SOCIAL_ORG: ({"union": 0.5, "youth_league": 0.4, "women": 0.3, "red_cross": 0.1}, {}),
    HostUnitKind.INTERNET_FIRM: ({"union": 0.7, "youth_league": 0.6, "women": 0.4}, {"union": 0.3}),
    HostUnitKind.PROFESSIONAL_MARKET: ({"union": 0.7, "women": 0.5}, {}),
    HostUnitKind.BUSINESS_DISTRICT: ({"union": 0.9, "youth_league": 0.7, "women": 0.7}, {}),
    HostUnitKind.INDUSTRIAL_PARK: ({"union": 0.95, "youth_league": 0.9, "women": 0.9, "science": 0.8}, {}),
}
JOINT_BRANCH_CHANCE = 0.6  # of units with two branches or more: set up together (联建)
BRANCH_SUFFIX = {
    "union": "工会委员会",
    "youth_league": "团支部",
    "women": "妇女委员会",
    "science": "科学技术协会",
    "red_cross": "红十字会",
    "disabled": "残疾人协会",
}
JOINT_NOTE = "党委牵头，群团组织同步建立"

_CORE = [
    "高原", "昆仑", "三江源", "雪域", "青湖", "祁连", "河湟", "柴达木", "江河", "金穗", "瑞丰", "鑫源",
    "宏达", "永盛", "华信", "润泽", "福源", "恒通", "众鑫", "兴业", "康达", "正和", "新时代", "绿洲",
    "格桑", "青稞", "丝路", "夏都", "金源", "远航", "博雅", "汇通", "德隆", "安泰", "嘉禾", "长青",
    "天润", "星河", "明珠", "同心",
]  # fmt: skip
_INDUSTRY = [
    "农牧", "乳业", "建材", "物流", "商贸", "能源", "光伏", "锂业", "盐化", "餐饮", "旅游", "文化",
    "建筑", "生物", "医药", "藏毯", "机械", "电力", "家政", "信息技术", "环保", "食品", "畜牧", "有色金属",
    "枸杞",
]  # fmt: skip
_FORM = ["有限公司"] * 6 + ["有限责任公司"] * 2 + ["股份有限公司", "集团有限公司"]
_NEW_ECONOMY = [
    "快递服务站", "网约车服务中心", "外卖配送站", "电商直播基地",
    "货车司机之家", "家政服务站",
]  # fmt: skip
_NEW_SOCIAL = [
    "社会工作服务中心", "志愿者协会", "养老服务中心", "个体劳动者协会",
    "青年创业协会", "律师事务所",
]  # fmt: skip
_GOODS = [
    "农副产品", "小商品", "建材", "牛羊肉", "蔬菜", "服装",
]  # fmt: skip
_STREETS = [
    "长江路", "黄河路", "昆仑路", "五四大街", "七一路", "海湖大道", "南川东路", "八一路",
    "建设路", "胜利路", "解放路", "团结路", "民主街", "滨河路",
]  # fmt: skip
_COUNTY_SUFFIXES = (
    "回族土族自治县", "撒拉族自治县", "土族自治县", "回族自治县", "蒙古族自治县", "行政委员会",
    "县", "区", "市",
)  # fmt: skip

# GB 32100-2015 (统一社会信用代码): 31 symbols, 17 weighted positions, a mod-31 check character.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass
class HostUnitRow:
    id: int
    kind: str
    name: str
    county_index: int
    region_id: int
    head_count: int
    credit_code: str
    address: str
    branches: dict[str, int] = field(default_factory=dict)  # federation code → organization id


def short_county_name(name: str) -> str:
    for suffix in _COUNTY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


def credit_code(unit_id: int, county_code: str, social: bool) -> str:
    number, body = unit_id + 31**7, ""
    while number:
        number, digit = divmod(number, 31)
        body = CREDIT_ALPHABET[digit] + body
    first17 = ("52" if social else "91") + county_code + body.rjust(9, "0")[-9:]
    total = sum(CREDIT_ALPHABET.index(char) * weight for char, weight in zip(first17, CREDIT_WEIGHTS, strict=True))
    return first17 + CREDIT_ALPHABET[(31 - total % 31) % 31]


def unit_name(rng: random.Random, kind: str, place: str) -> str:
    core = rng.choice(_CORE)
    if kind == HostUnitKind.INDUSTRIAL_PARK:
        return f"{place}{core}{rng.choice(['工业园区', '产业园', '科技园'])}"
    if kind == HostUnitKind.BUSINESS_DISTRICT:
        return f"{place}{core}{rng.choice(['商圈', '商务楼宇', '步行街商圈'])}"
    if kind == HostUnitKind.PROFESSIONAL_MARKET:
        return f"{place}{core}{rng.choice(_GOODS)}批发市场"
    if kind == HostUnitKind.INTERNET_FIRM:
        return f"青海{core}{rng.choice(['网络科技', '信息技术', '数字科技'])}有限公司"
    if kind == HostUnitKind.NEW_ECONOMIC_ORG:
        return f"{place}{core}{rng.choice(_NEW_ECONOMY)}"
    if kind == HostUnitKind.NEW_SOCIAL_ORG:
        return f"{place}{core}{rng.choice(_NEW_SOCIAL)}"
    industry = rng.choice(_INDUSTRY)
    form = "专业合作社" if industry in ("农牧", "畜牧", "枸杞") and rng.random() < 0.5 else rng.choice(_FORM)
    return f"青海{place}{core}{industry}{form}"


def draw_host_units(ctx, first_id: int = 1) -> list[HostUnitRow]:
    rng = ctx.rng("host_units")
    divisions = ctx.divisions
    kinds = [kind for kind, _ in KIND_WEIGHTS]
    kind_cumulative = list(accumulate(weight for _, weight in KIND_WEIGHTS))
    province = divisions.province.name
    taken: set[tuple[int, str]] = set()
    units = []
    for offset in range(ctx.scaled(HOST_UNITS_PER_PERSON, minimum=len(divisions.counties))):
        county = divisions.counties[bisect(divisions.county_cumulative, rng.random() * divisions.county_cumulative[-1])]
        township = county.draw_township(rng.random())
        kind = kinds[bisect(kind_cumulative, rng.random() * kind_cumulative[-1])]
        place = short_county_name(county.place.name)
        name = first = unit_name(rng, kind, place)
        serial = 1
        while (county.index, name) in taken:  # names are unique in a county: branches take them
            serial += 1
            name = unit_name(rng, kind, place) if serial < 5 else f"{first}（{serial}）"
        taken.add((county.index, name))
        median, spread, low, high = HEAD_COUNT[kind]
        head_count = int(min(high, max(low, rng.lognormvariate(0, spread) * median)))
        unit_id = first_id + offset
        address = f"{township.full_name.removeprefix(province)}{rng.choice(_STREETS)}{rng.randint(1, 399)}号"
        social = kind == HostUnitKind.NEW_SOCIAL_ORG
        units.append(
            HostUnitRow(
                unit_id, kind, name, county.index, township.id, head_count,
                credit_code(unit_id, county.place.code, social), address,
            )
        )  # fmt: skip
    return units


def draw_branches(rng: random.Random, unit: HostUnitRow, federation_codes: set[str]) -> list[str]:
    """The federations that set up a branch in the unit, in the federations' order."""
    above, below = BRANCH_CHANCE[unit.kind]
    chances = above if unit.head_count >= 25 else below
    return [code for code, chance in chances.items() if code in federation_codes and rng.random() < chance]


def established_on(rng: random.Random, as_of: dt.date) -> dt.date:
    start = dt.date(2018, 1, 1)
    return start + dt.timedelta(days=rng.randrange((as_of - start).days))
