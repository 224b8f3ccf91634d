"""The staff console's use cases: staff users, search, account actions, dossier review.

Roles (DOMAIN.md §6), enforced here on every call, not only by the screens:

- ``support``: reads every candidate (search, admin view, candidatures) and
  does the account actions (resend activation, unlock, force a password
  reset, correct the mail, delete an unvalidated account);
- ``gestionnaire``: searches candidates, reviews and decides the dossiers of
  the formations of its centres (``Centre.code`` in its centres), lists and
  exports those formations' candidatures;
- ``admin``: everything, plus staff users and the audit log.

Every method but the command-line ones (`add_staff_user`, `list_staff_users`,
`disable_staff_user` without ``by``) and `authenticate_staff` takes the
`StaffPrincipal` first. The principal is re-read from the store on each call
(role, centres, disabled), so a forged or outdated principal grants nothing.
Every staff action writes an audit row in the same transaction.

The use cases live in one module per concern, on the base of `staff_access`
(the principal re-read, the centre check): `staff_users`, `staff_search`,
`staff_candidates` (admin view, account actions), `staff_review` (dossiers,
decisions), `staff_lists` (formations, counts, export, audit). `StaffService`
composes them; this module keeps every name its callers import.
"""

from __future__ import annotations

from .staff_access import (
    MSG_FORBIDDEN as MSG_FORBIDDEN,
    MSG_FORBIDDEN_CENTRE as MSG_FORBIDDEN_CENTRE,
    check_centre as check_centre,
    current_principal as current_principal,
)
from .staff_candidates import StaffCandidates
from .staff_lists import StaffLists
from .staff_review import StaffReview
from .staff_search import (
    _search_statement as _search_statement,
    prefix_successor,
    search_key,
    StaffSearch,
)
from .staff_users import (
    MSG_BAD_CREDENTIALS as MSG_BAD_CREDENTIALS,
    STAFF_LOGIN_RE as STAFF_LOGIN_RE,
    StaffUsers,
)
from .staff_views import (  # re-exported for callers of this module
    CSV_DELIMITER, SEARCH_CAP, SEARCH_MIN_CHARS, AuditEntry, AuditFilters, CandidateAdminView,
    CandidateHit, CandidatureSummary, DossierCounts, ExportResult, FormationCandidatureRow, FormationCounts,
    FormationRow, PendingCounts, PieceFile, PieceReview, PieceReviewResult, SearchResult, StaffPrincipal,
    StaffRecap, StaffSessionEnded, StaffUserView,
)


class StaffService(StaffUsers, StaffSearch, StaffCandidates, StaffReview, StaffLists):
    """The staff console's use cases (see the module's docstring), one part per concern."""


__all__ = [
    "CSV_DELIMITER",
    "SEARCH_CAP",
    "SEARCH_MIN_CHARS",
    "AuditEntry",
    "AuditFilters",
    "CandidateAdminView",
    "CandidateHit",
    "CandidatureSummary",
    "DossierCounts",
    "ExportResult",
    "FormationCandidatureRow",
    "FormationCounts",
    "FormationRow",
    "PendingCounts",
    "PieceFile",
    "PieceReview",
    "PieceReviewResult",
    "SearchResult",
    "StaffPrincipal",
    "StaffRecap",
    "StaffService",
    "StaffSessionEnded",
    "StaffUserView",
    "prefix_successor",
    "search_key",
]
