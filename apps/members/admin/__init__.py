"""The Django admin door to people: registration, memberships, cadre posts, the rules, the audit trail.

As for the tree (apps.organizations.admin), every changelist, page and choice goes through
the user's scope and what lies outside it answers 404; every write goes through the
services, so registering a person here enrolls them as any other door does.

ID numbers are write-only in the admin: lists and pages show the masked number, the form
has an empty input that changes the number only when a new one is typed, and no admin page
ever holds the plaintext (a full view is the staff page's, which audits it). A full ID
number typed into the search box finds the person through the keyed hash.
"""

from apps.members.admin.configuration import AGE_RANGE, AuditEventAdmin, EligibilityRuleAdmin, IdentityTagAdmin
from apps.members.admin.memberships import CadrePostAdmin, MembershipAdmin
from apps.members.admin.people import IdNumberSearchMixin, PersonAdmin, PersonForm

__all__ = [
    "AGE_RANGE",
    "AuditEventAdmin",
    "CadrePostAdmin",
    "EligibilityRuleAdmin",
    "IdNumberSearchMixin",
    "IdentityTagAdmin",
    "MembershipAdmin",
    "PersonAdmin",
    "PersonForm",
]
