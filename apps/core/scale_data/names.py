"""Invented names and ethnicities in Qinghai's proportions.

Ethnic shares per prefecture follow the 2020 census (第七次全国人口普查) bulletins of the
prefectures, rounded; the autonomous counties whose make-up differs strongly from their
prefecture's (循化 Salar, 化隆 Hui, 互助 and 民和 Tu and Hui, 河南 Mongol, 门源 and 大通 Hui)
have their own. Names follow each group's custom: a Han, Hui, Tu or Salar surname with a
one- or two-character given name; Tibetan and Mongol names of two parts without a surname.
"""

from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate

# (ethnicity, share in %) by prefecture code, then counties that differ.
ETHNIC_MIX = {
    "630100": [("汉族", 74), ("回族", 16), ("藏族", 5), ("土族", 3), ("蒙古族", 1), ("撒拉族", 1)],
    "630200": [("汉族", 53), ("回族", 21), ("土族", 10), ("藏族", 9), ("撒拉族", 6), ("蒙古族", 1)],
    "632200": [("汉族", 37), ("回族", 30), ("藏族", 25), ("蒙古族", 5), ("土族", 3)],
    "632300": [("藏族", 68), ("蒙古族", 12), ("汉族", 8), ("回族", 7), ("土族", 5)],
    "632500": [("藏族", 64), ("汉族", 26), ("回族", 8), ("土族", 1), ("蒙古族", 1)],
    "632600": [("藏族", 92), ("汉族", 6), ("回族", 2)],
    "632700": [("藏族", 97), ("汉族", 2), ("回族", 1)],
    "632800": [("汉族", 66), ("藏族", 12), ("蒙古族", 11), ("回族", 10), ("土族", 1)],
    "630121": [("汉族", 52), ("回族", 30), ("土族", 10), ("藏族", 6), ("蒙古族", 2)],
    "630222": [("汉族", 44), ("回族", 34), ("土族", 21), ("藏族", 1)],
    "630223": [("汉族", 63), ("土族", 30), ("藏族", 5), ("回族", 2)],
    "630224": [("回族", 51), ("藏族", 24), ("汉族", 23), ("撒拉族", 2)],
    "630225": [("撒拉族", 63), ("藏族", 25), ("汉族", 7), ("回族", 5)],
    "632221": [("回族", 40), ("汉族", 40), ("藏族", 15), ("土族", 4), ("蒙古族", 1)],
    "632324": [("蒙古族", 90), ("藏族", 8), ("汉族", 2)],
}

_HAN_SURNAMES = "王李张刘陈杨赵马祁朱周孙胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋余杜叶程魏苏吕丁任沈姚卢"
SURNAMES = {
    "汉族": _HAN_SURNAMES,
    "回族": "马马马马韩冶苏拜喇哈白何沙者穆马杨",
    "土族": "李祁鲁吕星汪董胡秦李祁",
    "撒拉族": "韩韩韩马沈冶陕何",
}
GIVEN = {
    "male": "建国明德文立军海永福伟强磊洋勇刚平华成德宏志东峰涛斌荣忠林辉鹏飞俊杰文彬晓生福寿有才进",
    "female": "秀兰英玉梅芳红燕霞娟艳丽静敏慧婷雪琴桂花凤莲萍晓海春玲佳欣悦丹蓉",
}
TIBETAN = {
    "first": [
        "才让", "多杰", "扎西", "索南", "尼玛", "旦增", "仁青", "更登", "桑杰", "华旦", "完玛", "公保", "久美", "官却",
    ],
    "male": ["多杰", "东智", "加措", "昂秀", "南加", "周加", "太", "才让", "扎西", "本"],
    "female": ["卓玛", "拉毛", "措", "吉", "央金", "措姆", "卓嘎", "德吉", "才措", "永吉"],
}  # fmt: skip
MONGOL = {
    "male": ["巴特尔", "宝音", "额尔敦", "那仁", "阿拉坦", "布和", "朝鲁", "苏和", "吉日嘎拉", "孟和"],
    "female": ["其其格", "乌兰", "斯琴", "图雅", "萨仁", "娜仁", "高娃", "塔娜", "格日勒", "琪琪"],
}


class EthnicMix:
    """A weighted draw of ethnicity for one county (its own mix, or its prefecture's)."""

    def __init__(self, county_code: str):
        mix = ETHNIC_MIX.get(county_code) or ETHNIC_MIX[county_code[:4] + "00"]
        self.names = [name for name, _ in mix]
        self.cumulative = list(accumulate(share for _, share in mix))

    def draw(self, rng: random.Random) -> str:
        return self.names[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def person_name(rng: random.Random, ethnicity: str, female: bool) -> str:
    choice = rng.choice
    if ethnicity == "藏族":
        first, second = choice(TIBETAN["first"]), choice(TIBETAN["female" if female else "male"])
        return first + (second if second != first else "加")
    if ethnicity == "蒙古族":
        return choice(MONGOL["female" if female else "male"])
    surname = choice(SURNAMES.get(ethnicity, _HAN_SURNAMES))
    given = GIVEN["female" if female else "male"]
    if rng.random() < 0.3:
        return surname + choice(given)
    return surname + choice(given) + choice(given)
