"""Mail backends: Maildir read back with the stdlib, console, memory, and SMTP against aiosmtpd."""

from __future__ import annotations

import io
import logging
import mailbox
import ssl
from datetime import datetime, timedelta, UTC
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from ecandidat_tui.config import load_settings
from ecandidat_tui.mail.backends import (
    ConsoleBackend,
    MailDeliveryError,
    MaildirBackend,
    MemoryBackend,
    SmtpBackend,
    make_backend,
)
from ecandidat_tui.mail.message import Attachment, Message

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
USER, PASSWORD = "ecandidat", "S3cr3t-Pa55!"


def _message(**changes) -> Message:
    fields = dict(to="ana.lopez@example.org", subject="Votre candidature à la formation Licence Droit",
                  body="Bonjour Ana Lopez,\n\nVotre candidature a été créée.\n", sender="noreply@univ.example")
    fields.update(changes)
    return Message(**fields)


# --------------------------------------------------------------- Maildir


def test_maildir_is_readable_by_the_stdlib(tmp_path):
    box_path = tmp_path / "deep" / "mail"  # parents are created
    backend = MaildirBackend(box_path)
    backend.send(_message())
    backend.send(_message(to="b@example.org", subject="Votre dossier",
                          attachments=(Attachment("dossier-L-DROIT.pdf", "application/pdf", PDF),)))

    box = mailbox.Maildir(box_path, factory=lambda f: BytesParser(policy=policy.default).parse(f))
    messages = sorted(box, key=lambda m: m["To"])
    assert [m["To"] for m in messages] == ["ana.lopez@example.org", "b@example.org"]
    first, second = messages
    assert first["Subject"] == "Votre candidature à la formation Licence Droit"
    assert first["From"] == "noreply@univ.example"
    assert first["Message-ID"]
    assert "Votre candidature a été créée." in first.get_body(("plain",)).get_content()
    attachments = list(second.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_filename() == "dossier-L-DROIT.pdf"
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == PDF


def test_maildir_that_cannot_be_written_raises_a_delivery_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MailDeliveryError):
        MaildirBackend(blocker / "mail").send(_message())


# ------------------------------------------------------- console, memory


def test_console_prints_a_readable_mail():
    stream = io.StringIO()
    ConsoleBackend(stream).send(_message(attachments=(Attachment("d.pdf", "application/pdf", PDF),)))
    text = stream.getvalue()
    assert "To: ana.lopez@example.org" in text
    assert "Subject: Votre candidature à la formation Licence Droit" in text
    assert "Votre candidature a été créée." in text  # decoded, not quoted-printable
    assert "d.pdf" in text


def test_memory_backend_keeps_messages_in_order():
    backend = MemoryBackend()
    backend.send(_message(to="a@example.org"))
    backend.send(_message(to="b@example.org"))
    assert [m.to for m in backend.messages] == ["a@example.org", "b@example.org"]


def test_make_backend_follows_settings(tmp_path):
    env = {"ECANDIDAT_HOME": str(tmp_path)}
    assert isinstance(make_backend(load_settings(env=env)), MaildirBackend)
    assert make_backend(load_settings(env=env)).path == tmp_path / "mail"
    assert isinstance(make_backend(load_settings(env={**env, "ECANDIDAT_MAIL_BACKEND": "console"})), ConsoleBackend)
    assert isinstance(make_backend(load_settings(env={**env, "ECANDIDAT_MAIL_BACKEND": "memory"})), MemoryBackend)
    smtp = make_backend(load_settings(env={**env, "ECANDIDAT_MAIL_BACKEND": "smtp", "ECANDIDAT_SMTP_HOST": "mx.example",
                                           "ECANDIDAT_SMTP_PORT": "465", "ECANDIDAT_SMTP_SECURITY": "ssl",
                                           "ECANDIDAT_SMTP_USER": USER, "ECANDIDAT_SMTP_PASSWORD": PASSWORD}))
    assert isinstance(smtp, SmtpBackend)
    assert (smtp.host, smtp.port, smtp.security, smtp.user, smtp.password) == ("mx.example", 465, "ssl", USER, PASSWORD)


# ------------------------------------------------------------------ SMTP


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (EC key: fast to make)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode())
    if ok:
        return AuthResult(success=True)
    # A careless server that echoes what it was given: the backend must scrub it.
    shown = auth_data.password.decode() if isinstance(auth_data, LoginPassword) else "?"
    return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad credentials {shown}")


def _server_tls(tls_files) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, tls_files))
    return context


def _client_tls(tls_files) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(tls_files[0]))


def test_smtp_plain_delivers_with_attachment(smtp_server):
    server = smtp_server().start()
    backend = SmtpBackend("127.0.0.1", server.port, security="none", timeout=5)
    backend.send(_message(attachments=(Attachment("dossier.pdf", "application/pdf", PDF),)))
    [received] = server.handler.messages()
    assert server.handler.envelopes[0].rcpt_tos == ["ana.lopez@example.org"]
    assert received["Subject"] == "Votre candidature à la formation Licence Droit"
    assert "Votre candidature a été créée." in received.get_body(("plain",)).get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "dossier.pdf" and attachment.get_content() == PDF


def test_smtp_login_without_tls(smtp_server):
    server = smtp_server(authenticator=authenticator, auth_require_tls=False).start()
    SmtpBackend("127.0.0.1", server.port, security="none", user=USER, password=PASSWORD, timeout=5).send(_message())
    assert len(server.handler.envelopes) == 1


def test_smtp_bad_password_is_never_shown(smtp_server, caplog):
    server = smtp_server(authenticator=authenticator, auth_require_tls=False).start()
    wrong = "Wr0ng-" + PASSWORD
    backend = SmtpBackend("127.0.0.1", server.port, security="none", user=USER, password=wrong, timeout=5)
    with caplog.at_level(logging.DEBUG), pytest.raises(MailDeliveryError) as info:
        backend.send(_message())
    text = str(info.value)
    assert "535" in text
    assert wrong not in text and "********" in text  # the server echoed it; the backend scrubbed it
    assert info.value.__cause__ is None  # the original exception (with the server's echo) is not chained
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("ecandidat_tui")]
    assert not any(wrong in line for line in ours)
    assert server.handler.envelopes == []
    assert info.value.permanent is False  # a login problem is fixed by the admin, then retried


def test_smtp_starttls_with_login(smtp_server, tls_files):
    server = smtp_server(authenticator=authenticator, tls_context=_server_tls(tls_files), require_starttls=True).start()
    backend = SmtpBackend("127.0.0.1", server.port, security="starttls", user=USER, password=PASSWORD,
                          timeout=5, ssl_context=_client_tls(tls_files))
    backend.send(_message())
    assert len(server.handler.envelopes) == 1


def test_smtp_starttls_refuses_an_untrusted_certificate(smtp_server, tls_files):
    server = smtp_server(authenticator=authenticator, tls_context=_server_tls(tls_files), require_starttls=True).start()
    backend = SmtpBackend("127.0.0.1", server.port, security="starttls", user=USER, password=PASSWORD, timeout=5)
    with pytest.raises(MailDeliveryError) as info:
        backend.send(_message())
    assert "certificate" in str(info.value).lower()
    assert server.handler.envelopes == []


def test_smtp_ssl(smtp_server, tls_files):
    # The whole connection is TLS; aiosmtpd only knows about STARTTLS, hence auth_require_tls=False.
    server = smtp_server(ssl_context=_server_tls(tls_files), authenticator=authenticator,
                         auth_require_tls=False).start()
    backend = SmtpBackend("127.0.0.1", server.port, security="ssl", user=USER, password=PASSWORD,
                          timeout=5, ssl_context=_client_tls(tls_files))
    backend.send(_message())
    assert len(server.handler.envelopes) == 1


def test_smtp_server_down_is_a_delivery_error(smtp_server):
    down = smtp_server()  # a free port, nothing listening
    backend = SmtpBackend("127.0.0.1", down.port, security="none", user=USER, password=PASSWORD, timeout=2)
    with pytest.raises(MailDeliveryError) as info:
        backend.send(_message())
    assert "127.0.0.1" in str(info.value)
    assert PASSWORD not in str(info.value)
    assert info.value.permanent is False


def test_smtp_refused_recipient_is_permanent(smtp_server):
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 no such user"

    server = smtp_server(handler=Refusing()).start()
    with pytest.raises(MailDeliveryError) as info:
        SmtpBackend("127.0.0.1", server.port, security="none", timeout=5).send(_message())
    assert info.value.permanent is True
    assert "550" in str(info.value)


def test_smtp_without_host_is_a_delivery_error():
    with pytest.raises(MailDeliveryError, match="smtp_host"):
        SmtpBackend("", 25).send(_message())
