"""Use cases, plain synchronous Python: no Textual here.

`Services` is the one object the apps hold. Each service module is imported
the first time it is used, so the Connexion screen paints before the heavy
parts (PDF, catalog import, staff) are loaded.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from ..config import Settings, ensure_dirs
from ..mail.outbox import Outbox
from ..mail.templates import TemplateRenderer
from ..store.db import Database
from .context import ServiceContext
from .errors import ConcurrentEdit, DatabaseUnavailable, DomainError, Forbidden, NotFound, ValidationFailed

if TYPE_CHECKING:
    from ..mail.backends import MailBackend
    from ..mail.dispatch import Dispatcher
    from .accounts import AccountService
    from .campaign import CampaignService
    from .candidatures import CandidatureService
    from .centre_list import CentreListService
    from .catalog import CatalogService
    from .directory import DirectoryService
    from .decision_letter import DecisionLetterService
    from .dossier_pdf import DossierPdfService
    from .pieces import PieceService
    from .profile import ProfileService
    from .reminders import ReminderService
    from .staff import StaffService


class Services:
    def __init__(self, ctx: ServiceContext, mail_backend: MailBackend | None = None) -> None:
        self.ctx = ctx
        self._mail_backend = mail_backend

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def db(self) -> Database:
        return self.ctx.db

    @cached_property
    def mail_backend(self) -> MailBackend:
        if self._mail_backend is not None:
            return self._mail_backend
        from ..mail.backends import make_backend

        return make_backend(self.settings)

    @cached_property
    def dispatcher(self) -> Dispatcher:
        from ..mail.dispatch import Dispatcher

        return Dispatcher(self.db, self.mail_backend, sender=self.settings.mail_from, clock=self.ctx.clock)

    @cached_property
    def directory(self) -> DirectoryService:
        from .directory import DirectoryService

        return DirectoryService(self.ctx)

    @cached_property
    def accounts(self) -> AccountService:
        from .accounts import AccountService

        return AccountService(self.ctx, self.directory)

    @cached_property
    def profile(self) -> ProfileService:
        from .profile import ProfileService

        return ProfileService(self.ctx, self.directory)

    @cached_property
    def catalog(self) -> CatalogService:
        from .catalog import CatalogService

        return CatalogService(self.ctx)

    @cached_property
    def candidatures(self) -> CandidatureService:
        from .candidatures import CandidatureService

        return CandidatureService(self.ctx, self.profile)

    @cached_property
    def pieces(self) -> PieceService:
        from .pieces import PieceService

        return PieceService(self.ctx)

    @cached_property
    def decision_letters(self) -> DecisionLetterService:
        from .decision_letter import DecisionLetterService

        return DecisionLetterService(self.ctx)

    @cached_property
    def dossier_pdf(self) -> DossierPdfService:
        from .dossier_pdf import DossierPdfService

        return DossierPdfService(self.ctx)

    @cached_property
    def centre_list(self) -> CentreListService:
        from .centre_list import CentreListService

        return CentreListService(self.ctx)

    @cached_property
    def reminders(self) -> ReminderService:
        from .reminders import ReminderService

        return ReminderService(self.ctx)

    @cached_property
    def staff(self) -> StaffService:
        from .staff import StaffService

        return StaffService(self.ctx)

    @cached_property
    def campaign(self) -> CampaignService:
        from .campaign import CampaignService

        return CampaignService(self.ctx)

    def prepare(self, *, demo_catalog: bool | None = None) -> None:
        """Migrate the schema and, on an empty catalog, load the demo one."""
        from ..store.migrate import ensure_schema

        with self.db.translate_unavailable():
            ensure_schema(self.db)
        if self.settings.demo_catalog if demo_catalog is None else demo_catalog:
            self.catalog.load_demo_if_empty()
            self.directory.load_demo_if_empty()

    def close(self) -> None:
        self.db.dispose()


def build_services(settings: Settings, *, mail_backend: MailBackend | None = None,
                   prepare: bool = True, clock=None) -> Services:
    """Everything the apps and the command line need, from settings."""
    ensure_dirs(settings)
    pool = ({"pool_size": settings.db_pool_size, "max_overflow": settings.db_pool_size}
            if settings.database_url.startswith("postgres") else {})
    db = Database(settings.database_url, unavailable=lambda _exc: DatabaseUnavailable(),
                  connect_timeout=settings.db_connect_timeout_seconds,
                  statement_timeout=settings.db_statement_timeout_seconds, **pool)
    outbox = Outbox(TemplateRenderer(settings.config_dir / "mail-templates"))
    ctx = ServiceContext(settings=settings, db=db, outbox=outbox)
    if clock is not None:
        ctx.clock = clock
    services = Services(ctx, mail_backend)
    if prepare:
        services.prepare()
    return services


__all__ = [
    "ConcurrentEdit",
    "DatabaseUnavailable",
    "DomainError",
    "Forbidden",
    "NotFound",
    "ServiceContext",
    "Services",
    "ValidationFailed",
    "build_services",
]
