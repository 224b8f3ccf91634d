from ecandidat_tui.domain import MAIL_FOOTER, MailKind


def test_enqueued_mail_is_delivered_once_with_footer(ecandidat):
    with ecandidat.services.db.session() as session:
        ecandidat.services.ctx.outbox.enqueue(
            session, MailKind.CANDIDATURE_CANCELLED, "a@example.org",
            prenom="Ana", nom="Lopez", formation="Licence Droit", code_formation="L-DROIT")
    mails = ecandidat.mails(to="a@example.org")
    assert len(mails) == 1
    assert "Licence Droit" in mails[0].subject
    assert mails[0].body.rstrip().endswith(MAIL_FOOTER)
    assert len(ecandidat.mails(to="a@example.org")) == 1
