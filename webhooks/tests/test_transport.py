"""The only outgoing-HTTP module: SSRF guard, redirects, timeouts, classification."""

from __future__ import annotations

import ipaddress
import socket
import time
from datetime import UTC, datetime

import pytest

from tests.receiver import LOOPBACK, REDIRECT_PATH, Reply
from webhooks import transport
from webhooks.transport import Outcome, UnsafeUrl, check_url

# A public address that tests only ever *resolve* to; nothing connects to it.
PUBLIC_IP = "93.184.216.34"
_real_getaddrinfo = socket.getaddrinfo


def _answer(ip: str, port):
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    sockaddr = (ip, port or 0, 0, 0) if family == socket.AF_INET6 else (ip, port or 0)
    return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]


@pytest.fixture
def fake_dns(monkeypatch):
    """Names in ``table`` resolve to the given addresses; other names are unknown (offline)."""
    table: dict[str, str] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            return _answer(table[host], port)
        # Literal and numeric addresses ("2130706433", "0x7f.1") and localhost
        # resolve locally, as they do for real; any other name is unknown.
        if host == "localhost" or host[:1].isdigit() or ":" in host:
            return _real_getaddrinfo(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


REFUSED = [
    "http://127.0.0.1/hook",
    "http://127.8.9.10:8080/hook",
    "http://localhost/hook",
    "http://localhost:3009/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:7f00:1]/hook",
    "http://[::ffff:10.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://2130706433/hook",  # 127.0.0.1 as one decimal number
    "http://0x7f.1/hook",  # and in hex shorthand
    "http://127.1/hook",
    "http://10.0.0.1/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://224.0.0.1/hook",
    "http://[ff02::1]/hook",
    "http://240.0.0.1/hook",  # reserved
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://[2002:7f00:1::]/hook",  # 6to4 wrapping 127.0.0.1
    "http://internal.example/hook",  # a name that resolves to a private address
    "http://mixed.example/hook",  # ... or to a loopback one among others
]


@pytest.mark.parametrize("url", REFUSED)
def test_refused_addresses(url, fake_dns, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    fake_dns["internal.example"] = "10.1.2.3"
    fake_dns["mixed.example"] = "127.0.0.1"
    with pytest.raises(UnsafeUrl) as exc:
        check_url(url)
    assert "address" in exc.value.message


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/hook", "http or https"),
        ("file:///etc/passwd", "http or https"),
        ("javascript:alert(1)", "http or https"),
        ("http:///hook", "no host"),
        ("https://user:pass@ats.example.com/hook", "credentials"),
        ("https://token@ats.example.com/hook", "credentials"),
        ("http://ats.example.com:99999/hook", "not a valid URL"),
        ("not a url", "http or https"),
    ],
)
def test_refused_urls(url, why):
    with pytest.raises(UnsafeUrl, match=why):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        f"https://{PUBLIC_IP}/hook",
        "https://ats.example.com/webhook",  # resolves (in fake DNS) to a public address
        "https://your-ats.example.com/webhook",  # does not resolve: accepted, fails at delivery
        "http://[2606:4700:4700::1111]/hook",
    ],
)
def test_public_and_unresolvable_hosts_are_accepted(url, fake_dns):
    fake_dns["ats.example.com"] = PUBLIC_IP
    check_url(url)


def test_allowed_networks_open_exactly_those_networks(settings, fake_dns):
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    for url in [
        "http://127.0.0.1:8000/hook",
        "http://localhost:8000/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://2130706433/hook",
    ]:
        check_url(url)
    for url in ["http://10.0.0.1/hook", "http://169.254.169.254/", "http://[::1]/hook"]:
        with pytest.raises(UnsafeUrl):
            check_url(url)
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    check_url("http://10.0.0.1/hook")
    with pytest.raises(UnsafeUrl):
        check_url("http://127.0.0.1/hook")


def test_refused_url_is_a_permanent_failure_without_a_request(receiver, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    result = transport.post(receiver.url + "/hook", b"{}", {})
    assert result.outcome is Outcome.PERMANENT
    assert result.status_code is None
    assert "refused" in result.error and "loopback" in result.error
    time.sleep(0.2)
    assert receiver.requests == []


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_connect_time_check_catches_dns_rebinding(receiver, monkeypatch, settings, scheme):
    """The name is public when checked and loopback when connected: the connect is refused.

    For https the refusal comes right after the TCP connect, before any TLS
    handshake, so the plain-HTTP receiver serves for both.
    """
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    calls = []

    def rebinding_getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.example":
            return _real_getaddrinfo(host, port, *args, **kwargs)
        calls.append(host)
        # First answer (the check) public, every later one (the connect) loopback.
        return _answer(PUBLIC_IP if len(calls) == 1 else "127.0.0.1", port)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    result = transport.post(f"{scheme}://rebind.example:{receiver.port}/hook", b"{}", {})
    assert len(calls) == 2, "checked once, resolved again to connect"
    assert result.outcome is Outcome.PERMANENT
    assert "connected to 127.0.0.1" in result.error
    time.sleep(0.2)
    assert receiver.requests == []


def test_post_sends_body_and_headers_and_reads_the_answer(receiver, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    receiver.script([Reply(202, body=b"thanks")])
    result = transport.post(receiver.url + "/hook", b'{"a":1}', {"webhook-id": "msg_1"})
    assert result.outcome is Outcome.SUCCESS
    assert (result.status_code, result.body_excerpt, result.error) == (202, "thanks", "")
    [request] = receiver.requests
    assert (request.method, request.path, request.body) == ("POST", "/hook", b'{"a":1}')
    assert request.headers["webhook-id"] == "msg_1"
    assert request.headers["user-agent"] == "ai-interview-webhooks/1.0"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.SUCCESS),
        (204, Outcome.SUCCESS),
        (301, Outcome.PERMANENT),
        (400, Outcome.PERMANENT),
        (401, Outcome.PERMANENT),
        (404, Outcome.PERMANENT),
        (410, Outcome.GONE),
        (429, Outcome.TEMPORARY),
        (500, Outcome.TEMPORARY),
        (503, Outcome.TEMPORARY),
    ],
)
def test_status_classification(receiver, settings, status, outcome):
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    receiver.script([status])
    result = transport.post(receiver.url + "/hook", b"{}", {})
    assert (result.status_code, result.outcome) == (status, outcome)
    assert bool(result.error) is (outcome is not Outcome.SUCCESS)


def test_redirect_is_a_failure_and_is_not_followed(receiver, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    receiver.script([302])
    result = transport.post(receiver.url + "/hook", b"{}", {})
    assert result.outcome is Outcome.PERMANENT
    assert result.status_code == 302
    assert "redirects are not followed" in result.error and REDIRECT_PATH in result.error
    time.sleep(0.2)
    assert receiver.paths() == ["/hook"]


def test_timeout_is_a_temporary_failure(receiver, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.script([Reply(200, delay=2.5)])
    started = time.monotonic()
    result = transport.post(receiver.url + "/hook", b"{}", {})
    assert time.monotonic() - started < 2.4
    assert result.outcome is Outcome.TEMPORARY
    assert result.status_code is None
    assert result.error.startswith("timeout after 1s")
    assert 900 <= result.duration_ms < 2400


def test_connection_refused_and_unknown_host_are_temporary(settings, fake_dns):
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    # A port nobody listens on: bind one, note it, close it.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = transport.post(f"http://127.0.0.1:{port}/hook", b"{}", {})
    assert result.outcome is Outcome.TEMPORARY and "connection failed" in result.error
    result = transport.post("https://your-ats.example.com/webhook", b"{}", {})
    assert result.outcome is Outcome.TEMPORARY and "connection failed" in result.error


def test_only_the_first_2kb_of_a_huge_answer_is_read(receiver, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    receiver.script([Reply(500, body=b"x" * 5_000_000)])
    result = transport.post(receiver.url + "/hook", b"{}", {})
    assert result.outcome is Outcome.TEMPORARY
    assert result.body_excerpt == "x" * 2048


def test_retry_after_header(receiver, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    receiver.script([Reply(429, headers={"Retry-After": "120"})])
    assert transport.post(receiver.url + "/hook", b"{}", {}).retry_after == 120.0


def test_parse_retry_after():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert transport.parse_retry_after("30", now) == 30.0
    assert transport.parse_retry_after("Wed, 01 Jan 2025 12:01:30 GMT", now) == 90.0
    assert transport.parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0
    assert transport.parse_retry_after("soon", now) is None
    assert transport.parse_retry_after("-5", now) is None
    assert transport.parse_retry_after("²", now) is None  # isdigit(), yet not a number
    assert transport.parse_retry_after(None, now) is None


def _self_signed(tmp_path, name: str):
    """A certificate for ``name`` (and nothing else), and its key, as PEM files."""
    x509 = pytest.importorskip("cryptography.x509")
    from datetime import timedelta

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_https_still_verifies_the_certificate_for_the_host_name(settings, tmp_path):
    """The guarded connection checks the peer address; TLS still checks the URL's name."""
    import ssl

    from tests.receiver import Receiver

    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    cert, key = _self_signed(tmp_path, "localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with Receiver(tls=context, name="localhost") as receiver:
        # Not trusted by the system store: the handshake fails, nothing is sent.
        untrusted = transport.post(receiver.url + "/hook", b"{}", {})
        assert untrusted.outcome is Outcome.TEMPORARY
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.error

        with transport.Sender() as sender:
            sender.session.verify = str(cert)
            trusted = transport.post(receiver.url + "/hook", b"{}", {}, sender=sender)
            assert trusted.outcome is Outcome.SUCCESS, trusted.error

            # Same server and certificate, reached by a name the certificate is not for.
            wrong_name = transport.post(f"https://127.0.0.1:{receiver.port}/hook", b"{}", {}, sender=sender)
        assert wrong_name.outcome is Outcome.TEMPORARY
        assert "CERTIFICATE_VERIFY_FAILED" in wrong_name.error and "127.0.0.1" in wrong_name.error
        assert len(receiver.requests) == 1
