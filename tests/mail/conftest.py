"""Real parts for the mail tests: an SMTP server that receives what Tierdesk sends (aiosmtpd),
a Dovecot IMAP server with a throw-away mail store, and the corpus of real clients' messages."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tierdesk.mail.models import Mailbox, OutboundMail

CORPUS = Path(__file__).parent / "corpus"
DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def corpus(name: str, **substitutions: str) -> bytes:
    """A corpus message, with ``@@NAME@@`` placeholders filled (ids only known at run time)."""
    raw = (CORPUS / name).read_bytes()
    for key, value in substitutions.items():
        raw = raw.replace(f"@@{key.upper()}@@".encode(), value.encode())
    return raw


# ---- the SMTP server that receives our mail ---------------------------------------------------


@dataclass
class Sink:
    """What the SMTP server received, parsed, in arrival order."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def clear(self) -> None:
        self.messages.clear()


@pytest.fixture
def smtp_sink(settings: Any) -> Any:
    """A real SMTP server on a loopback port; Tierdesk's default mailer points at it."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }
    settings.TASKS = IMMEDIATE
    sink.port = port  # type: ignore[attr-defined]
    yield sink
    controller.stop()


@pytest.fixture
def mailbox(db: Any) -> Mailbox:
    return Mailbox.objects.create(
        name="support", address="support@northwind.test", display_name="Northwind Support",
        is_default=True,
    )  # fmt: skip


@pytest.fixture
def emergency_box(db: Any) -> Mailbox:
    return Mailbox.objects.create(
        name="emergency", address="emergency@northwind.test", is_emergency=True
    )


@pytest.fixture
def ingest(django_capture_on_commit_callbacks: Any) -> Any:
    """``mail_ingest`` with its after-commit work (the sending tasks) run, as in production."""
    from tierdesk.mail.services import mail_ingest

    def run(raw: bytes, source: str = "test", **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return mail_ingest(raw, source=source, **kwargs)

    return run


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """Run a ticket service and what it leaves for after commit (notification mail)."""

    def run(call: Any, /, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    return run


def ack_id(ticket: Any) -> str:
    """The Message-ID of the acknowledgement Tierdesk sent for the ticket."""
    return OutboundMail.objects.get(ticket=ticket, kind="acknowledgement").message_id


# ---- Dovecot ---------------------------------------------------------------------------------

DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
mail_location = maildir:{base}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
first_valid_gid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
"""


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        from imapclient import IMAPClient

        with IMAPClient(self.host, port=self.port, ssl=False, timeout=10) as client:
            client.login(self.user, self.password)
            client.append(folder, raw)

    def flags(self, folder: str = "INBOX") -> list[tuple[bytes, ...]]:
        from imapclient import IMAPClient

        with IMAPClient(self.host, port=self.port, ssl=False, timeout=10) as client:
            client.login(self.user, self.password)
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            found = client.fetch(uids, ["FLAGS"]) if uids else {}
            return [tuple(found[uid][b"FLAGS"]) for uid in sorted(found)]


@pytest.fixture(scope="session")
def dovecot_server() -> Any:
    """Debian's Dovecot on a loopback port with a throw-away store. Missing Dovecot skips the
    test here, and fails it in CI (CI=true), where the test command installs it."""
    if DOVECOT is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("dovecot is not installed (apt-get install dovecot-imapd)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    base = Path(tempfile.mkdtemp(prefix="td-dovecot-"))
    for sub in ("run", "state", "mail", "home"):
        (base / sub).mkdir()
    uid, gid, user, group = _mail_identity()
    login_user = "dovenull" if os.getuid() == 0 else user
    base.chmod(0o755)
    for sub in ("mail", "home"):
        os.chown(base / sub, uid, gid)
    port = free_port()
    (base / "passwd").write_text("tierdesk:{PLAIN}s3cret::::::\n")
    config = base / "dovecot.conf"
    config.write_text(
        DOVECOT_CONF.format(
            base=base, port=port, uid=uid, gid=gid, user=user, group=group, login_user=login_user
        )
    )
    process = subprocess.Popen([DOVECOT, "-c", str(config), "-F"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)  # fmt: skip
    try:
        _wait_for_port(port, process, base)
        yield Dovecot(host="127.0.0.1", port=port, user="tierdesk", password="s3cret")
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def _mail_identity() -> tuple[int, int, str, str]:
    """Dovecot never accesses mail as root: as root, use Debian's ``dovecot`` user."""
    import grp
    import pwd

    entry = pwd.getpwuid(os.getuid()) if os.getuid() != 0 else pwd.getpwnam("dovecot")
    return entry.pw_uid, entry.pw_gid, entry.pw_name, grp.getgrgid(entry.pw_gid).gr_name


def _wait_for_port(port: int, process: subprocess.Popen, base: Path) -> None:
    for _ in range(100):
        if process.poll() is not None:
            log = (base / "dovecot.log").read_text() if (base / "dovecot.log").exists() else ""
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"dovecot exited: {output}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("dovecot did not start listening")


@pytest.fixture
def imap_box(dovecot_server: Dovecot, mailbox: Mailbox, monkeypatch: Any) -> Mailbox:
    """The support mailbox, polled from a fresh Dovecot folder of its own."""
    from imapclient import IMAPClient

    folder = f"T{free_port()}"
    with IMAPClient(dovecot_server.host, port=dovecot_server.port, ssl=False) as client:
        client.login(dovecot_server.user, dovecot_server.password)
        client.create_folder(folder)
    monkeypatch.setenv("TD_TEST_IMAP_PASSWORD", dovecot_server.password)
    mailbox.imap_host = dovecot_server.host
    mailbox.imap_port = dovecot_server.port
    mailbox.imap_ssl = False
    mailbox.imap_username = dovecot_server.user
    mailbox.imap_secret_env = "TD_TEST_IMAP_PASSWORD"
    mailbox.imap_folder = folder
    mailbox.save()
    return mailbox


def words(message: EmailMessage) -> str:
    """A received mail's text with line breaks and runs of spaces as single spaces."""
    return " ".join(message.get_content().split())


# ---- a DNS server on 127.0.0.1 for the sender checks ------------------------------------------


@dataclass
class Zone:
    """The records the local DNS server answers with; names it does not hold are NXDOMAIN, names
    in ``silent`` are never answered (a resolver that times out)."""

    records: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    silent: set[str] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)

    def txt(self, name: str, value: str) -> None:
        from tierdesk.mail.verifying import forget_answers

        self.records.setdefault((name.lower(), "TXT"), []).append(value)
        forget_answers()  # a changed record applies at once, as after a TTL

    def clear(self) -> None:
        self.records.clear()
        self.silent.clear()
        self.asked.clear()


@pytest.fixture(scope="session")
def dns_server() -> Any:
    """dnslib's server on a loopback port, answering from a ``Zone``."""
    from dnslib import QTYPE, RCODE, RR, TXT, A
    from dnslib.server import BaseResolver, DNSLogger, DNSServer

    zone = Zone()

    class Resolver(BaseResolver):  # type: ignore[misc]
        def resolve(self, request: Any, handler: Any) -> Any:
            reply = request.reply()
            name = str(request.q.qname).rstrip(".").lower()
            kind = QTYPE[request.q.qtype]
            zone.asked.append(f"{kind} {name}")
            if name in zone.silent:
                time.sleep(3)  # past the client's timeout: it has given up by then
                return reply
            values = zone.records.get((name, kind))
            if values is None:
                if not any(key[0] == name for key in zone.records):
                    reply.header.rcode = RCODE.NXDOMAIN
                return reply
            for value in values:
                if kind == "TXT":
                    chunks = [value[i : i + 255].encode() for i in range(0, len(value), 255)]
                    reply.add_answer(RR(name, QTYPE.TXT, rdata=TXT(chunks), ttl=60))
                elif kind == "A":
                    reply.add_answer(RR(name, QTYPE.A, rdata=A(value), ttl=60))
            return reply

    port = free_port()
    quiet = DNSLogger(log="-recv,-send,-request,-reply,-truncated,-error,-data", prefix=False)
    server = DNSServer(Resolver(), port=port, address="127.0.0.1", logger=quiet)
    server.start_thread()
    zone.port = port  # type: ignore[attr-defined]
    try:
        yield zone
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def local_dns(dns_server: Zone, settings: Any) -> Zone:
    """Every mail test asks the local DNS server (never the machine's), with a short timeout."""
    from tierdesk.mail.verifying import forget_answers

    dns_server.clear()
    forget_answers()
    settings.TIERDESK_MAIL_DNS_RESOLVER = f"127.0.0.1:{dns_server.port}"  # type: ignore[attr-defined]
    settings.TIERDESK_MAIL_DNS_TIMEOUT = 1
    settings.TIERDESK_MAIL_AUTH = "dns"
    settings.TIERDESK_MAIL_TRUSTED_AUTHSERV_ID = ""
    return dns_server
