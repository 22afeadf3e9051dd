"""Throw-away TLS certificates for loopback benchmarks.

A fresh certificate authority and a server certificate for 127.0.0.1 and localhost are made at run
time in a temporary directory, so clients can verify TLS for real (as they would against
Clickatell) and nothing secret is ever committed.

    with make_certs() as certs:
        server_ctx = certs.server_context()     # for FakeClickatellServer(tls_context=...)
        client_ctx = ssl.create_default_context(cafile=certs.ca_path)

Keys are ECDSA P-256: cheap to make, and cheaper to handshake with than RSA-2048, so the cost the
benchmark charges to a TLS handshake errs on the low side.
"""
import datetime
import ipaddress
import os
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject, issuer, public_key, days):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        # A little slack backwards in case the clock of whoever verifies is behind.
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


class Certs:
    """A CA and a server certificate in a temporary directory; remove it with :meth:`cleanup`."""

    def __init__(self, days=2):
        self._dir = tempfile.TemporaryDirectory(prefix='bench-certs-')
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = (
            _builder(_name('smsframework-clickatell benchmark CA'),
                     _name('smsframework-clickatell benchmark CA'), ca_key.public_key(), days)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
            .sign(ca_key, hashes.SHA256())
        )

        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            _builder(_name('127.0.0.1'), ca_cert.subject, key.public_key(), days)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            # Python's strict verification (the default from 3.13) wants the authority key id.
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName('localhost'),
                x509.IPAddress(ipaddress.ip_address('127.0.0.1')),
            ]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )

        #: The CA bundle a client verifies against (`verify=` for requests, `cafile=` for ssl).
        self.ca_path = self._write('ca.pem', _pem(ca_cert))
        #: The server's certificate chain and key, for `SSLContext.load_cert_chain`.
        self.cert_path = self._write('server.pem', _pem(cert))
        self.key_path = self._write('server.key', key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))

    def _write(self, filename, data):
        path = os.path.join(self._dir.name, filename)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def server_context(self):
        """A server-side SSLContext with the server certificate loaded (defaults otherwise)."""
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert_path, self.key_path)
        return ctx

    def client_context(self):
        """A client-side SSLContext that trusts only the benchmark CA, and checks the host name."""
        return ssl.create_default_context(cafile=self.ca_path)

    def cleanup(self):
        self._dir.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def make_certs(days=2):
    """Make a CA and a 127.0.0.1/localhost server certificate in a new temporary directory."""
    return Certs(days=days)
