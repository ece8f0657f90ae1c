"""Whether one eligibility rule takes one person in, and if not, why (pure, no queries)."""

from __future__ import annotations

from dataclasses import dataclass

from apps.members.models import EligibilityRule, Gender

AGE_BELOW = "年龄 {age} 岁，未满 {min_age} 岁"
AGE_ABOVE = "年龄 {age} 岁，已满 {max_age} 岁"
GENDER_ONLY = "仅限{gender}"
TAGS_MISSING = "不具有以下任一身份：{tags}"
REGION_OUTSIDE = "居住地不在{region}"
NO_EMPLOYER_BRANCH = "工作单位未建立{federation}组织"
DISABILITY_CERTIFICATE_MISSING = "未登记残疾人证号"


@dataclass(frozen=True)
class PersonFacts:
    """What the rules look at, gathered once per person."""

    age: int
    gender: str
    tag_ids: frozenset[int]
    region_path: str
    has_disability_certificate: bool
    # Federations with a unit in the person's employer, and those the person holds a post in.
    employer_branch_federation_ids: frozenset[int]
    post_federation_ids: frozenset[int]


def rule_failure(rule: EligibilityRule, facts: PersonFacts) -> str | None:
    """None when the rule takes the person in; otherwise the first reason it does not."""
    rule_tags = list(rule.identity_tags.all())  # prefetched by the caller
    if rule_tags and not facts.tag_ids.intersection(tag.pk for tag in rule_tags):
        return TAGS_MISSING.format(tags="、".join(tag.name for tag in rule_tags))
    if any(tag.code == "disabled" for tag in rule_tags) and not facts.has_disability_certificate:
        return DISABILITY_CERTIFICATE_MISSING
    if rule.gender and facts.gender != rule.gender:
        return GENDER_ONLY.format(gender=f"{Gender(rule.gender).label}性")
    if rule.min_age is not None and facts.age < rule.min_age:
        return AGE_BELOW.format(age=facts.age, min_age=rule.min_age)
    if rule.max_age is not None and facts.age >= rule.max_age and not retained_by_post(rule, facts):
        return AGE_ABOVE.format(age=facts.age, max_age=rule.max_age)
    if rule.region_id is not None and not facts.region_path.startswith(rule.region.path):
        return REGION_OUTSIDE.format(region=rule.region.full_name)
    if rule.requires_employer_branch and rule.federation_id not in facts.employer_branch_federation_ids:
        return NO_EMPLOYER_BRANCH.format(federation=rule.federation.name)
    return None


def retained_by_post(rule: EligibilityRule, facts: PersonFacts) -> bool:
    return rule.retain_with_post and rule.federation_id in facts.post_federation_ids


def aged_out(rules: list[EligibilityRule], facts: PersonFacts) -> bool:
    """True when age alone now keeps the person out of every rule of a federation."""
    return bool(rules) and all(
        rule.max_age is not None and facts.age >= rule.max_age and not retained_by_post(rule, facts) for rule in rules
    )
