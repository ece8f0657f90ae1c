"""Co-building (组织共建): joint branches set up together in a host unit, and joint meetings whose
decisions give each organization follow-up items with a due date."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.services import notify
from apps.core.exceptions import ConflictError
from apps.organizations.models import (
    Decision,
    Federation,
    FollowUp,
    FollowUpStatus,
    HostUnit,
    JointBranch,
    Meeting,
    Organization,
    Region,
    RoleAssignment,
)
from apps.organizations.scoping import scope_for
from apps.organizations.services.checks import (
    clean_name,
    require_organization_in_scope,
    require_perm,
    require_region_in_scope,
)
from apps.organizations.services.organizations import organization_create

# How each federation's branch in a host unit is usually named.
BRANCH_NAMES = {
    "union": "{unit}工会委员会",
    "youth_league": "共青团{unit}委员会",
    "women": "{unit}妇女委员会",
    "disabled": "{unit}残疾人协会",
    "science": "{unit}科学技术协会",
    "red_cross": "{unit}红十字会",
}

TOO_FEW_FEDERATIONS = "联建至少需要两家群团。"
ALREADY_THERE = "{unit}已有{federation}的组织：{name}。"
NO_PARENT = "{region}没有{federation}的县级组织，无法在其下建立基层组织。"
FUTURE_DATE = "联建日期不能晚于今天。"
DECISIONS_REQUIRED = "请至少写一条议定事项。"
DECISION_TEXT = "议定事项不能为空。"
TASK_REQUIRED = "请写明落实任务。"
DUE_BEFORE_MEETING = "完成时限不能早于会议日期（{date}）。"
HOST_ATTENDS = "召集单位不必再列为参会单位。"
ALREADY_DONE = "该事项已于 {date} 办结。"
NOT_DONE = "该事项尚未办结。"
RESULT_REQUIRED = "请填写办理结果。"
DONE_IN_FUTURE = "办结日期不能晚于今天。"


# Joint branches ----------------------------------------------------------------------------


def _county_unit(federation: Federation, region) -> Organization | None:
    """The federation's own unit for the host unit's region or the nearest above it (its parent)."""
    ancestors = [region.path[:end] for end in range(len(region.path), 0, -region.steplen)]
    units = Organization.objects.filter(federation=federation, host_unit__isnull=True, region__path__in=ancestors)
    units = units.select_related("region")
    return max(units, key=lambda unit: len(unit.region.path), default=None)


@transaction.atomic
def joint_branch_establish(
    *,
    actor=None,
    host_unit: HostUnit,
    federations,
    established_on: dt.date,
    names: dict[str, str] | None = None,
    note: str = "",
) -> JointBranch:
    """Several federations set up their branches in `host_unit` at once: each a grassroots
    organization under the federation's unit for that region; all or none."""
    require_perm(actor, "organizations.add_jointbranch")
    require_region_in_scope(actor, host_unit.region, field="host_unit")
    federations = list(dict.fromkeys(federations))
    names = names or {}
    if len(federations) < 2:
        raise ValidationError({"federations": TOO_FEW_FEDERATIONS})
    if established_on > timezone.localdate():
        raise ValidationError({"established_on": FUTURE_DATE})
    host_unit = HostUnit.objects.select_for_update().select_related("region").get(pk=host_unit.pk)
    existing = {
        o.federation_id: o for o in Organization.objects.filter(host_unit=host_unit, federation__in=federations)
    }
    clashes = [
        ALREADY_THERE.format(unit=host_unit.name, federation=f.name, name=existing[f.pk].name)
        for f in federations
        if f.pk in existing
    ]
    if clashes:
        raise ConflictError("；".join(clashes), [existing[f.pk].pk for f in federations if f.pk in existing])
    parents = {f.pk: _county_unit(f, host_unit.region) for f in federations}
    missing = [
        NO_PARENT.format(region=host_unit.region.name, federation=f.name) for f in federations if not parents[f.pk]
    ]
    if missing:
        raise ValidationError({"federations": missing})
    branches = [
        organization_create(
            actor=None,  # the joint-branch permission and scope were checked above
            name=names.get(f.code) or BRANCH_NAMES.get(f.code, "{unit}" + f.name).format(unit=host_unit.name),
            federation=f,
            region=host_unit.region,
            parent=parents[f.pk],
            host_unit=host_unit,
        )
        for f in federations
    ]
    joint = JointBranch.objects.create(
        host_unit=host_unit,
        established_on=established_on,
        note=note.strip(),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    joint.branches.set(branches)
    return joint


# Meetings ----------------------------------------------------------------------------------


def _follow_up(decision: Decision, item: dict, held_on: dt.date) -> FollowUp:
    organization = item["organization"]
    task = (item.get("task") or "").strip()
    if not task:
        raise ValidationError({"follow_ups": TASK_REQUIRED})
    if item["due_date"] < held_on:
        raise ValidationError({"follow_ups": DUE_BEFORE_MEETING.format(date=held_on)})
    return FollowUp.objects.create(
        decision=decision, organization=organization, task=task[:255], due_date=item["due_date"]
    )


@transaction.atomic
def meeting_create(
    *,
    actor=None,
    kind: str,
    title: str,
    held_on: dt.date,
    host: Organization,
    attendees=(),
    region=None,
    minutes: str = "",
    decisions=(),
) -> Meeting:
    """A meeting with its decisions, each `{"text", "follow_ups": [{"organization", "task", "due_date"}]}`."""
    require_perm(actor, "organizations.add_meeting")
    require_organization_in_scope(actor, host, field="host")
    attendees = list(dict.fromkeys(attendees))
    if any(o.pk == host.pk for o in attendees):
        raise ValidationError({"attendees": HOST_ATTENDS})
    meeting = Meeting(
        kind=kind,
        title=clean_name(title, field="title"),
        held_on=held_on,
        host=host,
        region=region or host.region,
        minutes=minutes.strip(),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    meeting.full_clean(validate_constraints=False, exclude=["host", "region", "created_by"])
    meeting.save()
    meeting.attendees.set(attendees)
    for order, item in enumerate(decisions, start=1):
        decision_add(meeting=meeting, text=item["text"], follow_ups=item.get("follow_ups", ()), order=order)
    return meeting


@transaction.atomic
def decision_add(*, actor=None, meeting: Meeting, text: str, follow_ups=(), order: int | None = None) -> Decision:
    require_perm(actor, "organizations.change_meeting")
    if actor is not None:
        require_organization_in_scope(actor, meeting.host, field="meeting")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"decisions": DECISION_TEXT})
    if order is None:
        order = meeting.decisions.count() + 1
    decision = Decision.objects.create(meeting=meeting, text=text[:500], sort_order=order)
    for item in follow_ups:
        _follow_up(decision, item, meeting.held_on)
    meeting.save(update_fields=["updated_at"])
    return decision


@transaction.atomic
def follow_up_add(*, actor=None, decision: Decision, organization: Organization, task: str, due_date) -> FollowUp:
    require_perm(actor, "organizations.add_followup")
    if actor is not None:
        require_organization_in_scope(actor, decision.meeting.host, field="decision")
    item = {"organization": organization, "task": task, "due_date": due_date}
    return _follow_up(decision, item, decision.meeting.held_on)


def _require_assignee_or_host(actor, follow_up: FollowUp) -> None:
    if actor is None:
        return
    scope = scope_for(actor)
    if scope.covers_organization(follow_up.organization) or scope.covers_organization(follow_up.decision.meeting.host):
        return
    require_organization_in_scope(actor, follow_up.organization, field="organization")


@transaction.atomic
def follow_up_complete(*, actor=None, follow_up: FollowUp, result: str, done_on: dt.date | None = None) -> FollowUp:
    """The assigned organization (or the host) reports the item done, with what came of it."""
    require_perm(actor, "organizations.change_followup")
    _require_assignee_or_host(actor, follow_up)
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.status == FollowUpStatus.DONE:
        raise ConflictError(ALREADY_DONE.format(date=follow_up.done_on))
    result = (result or "").strip()
    if not result:
        raise ValidationError({"result": RESULT_REQUIRED})
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": DONE_IN_FUTURE})
    follow_up.status, follow_up.done_on, follow_up.result = FollowUpStatus.DONE, done_on, result[:500]
    follow_up.save(update_fields=["status", "done_on", "result", "updated_at"])
    return follow_up


@transaction.atomic
def follow_up_reopen(*, actor=None, follow_up: FollowUp) -> FollowUp:
    require_perm(actor, "organizations.change_followup")
    _require_assignee_or_host(actor, follow_up)
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.status != FollowUpStatus.DONE:
        raise ValidationError({"status": NOT_DONE})
    follow_up.status, follow_up.done_on = FollowUpStatus.OPEN, None
    follow_up.save(update_fields=["status", "done_on", "updated_at"])
    return follow_up


def _users_of(organization: Organization) -> list:
    """Who answers for an organization: roles on it or above it, and on its region or above."""
    region_path, own_path = organization.region.path, organization.path
    region_paths = [region_path[:end] for end in range(len(region_path), 0, -Region.steplen)]
    organization_paths = [own_path[:end] for end in range(len(own_path), 0, -Organization.steplen)]
    roles = RoleAssignment.objects.filter(
        Q(organization__path__in=organization_paths) | Q(region__path__in=region_paths)
    ).select_related("user")
    return [role.user for role in roles]


def follow_ups_remind_overdue(*, today: dt.date | None = None) -> int:
    """Daily: each open item past its due date is flagged to its organization's users once."""
    today = today or timezone.localdate()
    sent = 0
    overdue = FollowUp.objects.filter(status=FollowUpStatus.OPEN, due_date__lt=today, reminded_on__isnull=True)
    for item in overdue.select_related("organization__region", "decision__meeting"):
        if not FollowUp.objects.filter(pk=item.pk, reminded_on__isnull=True).update(reminded_on=today):
            continue  # another worker claimed it
        notify(
            users=_users_of(item.organization),
            title=f"逾期提醒：{item.task}"[:128],
            body=f"{item.decision.meeting.title}议定，完成时限 {item.due_date}，至今未办结。",
            url=f"/organizations/meetings/{item.decision.meeting_id}/",
        )
        sent += 1
    return sent
