"""S3 settings botocore reads and pyarrow's S3FileSystem did not: every dataset scan failed (round 46).

* A CA bundle (``AWS_CA_BUNDLE``, ``ca_bundle``), below.
* Virtual-hosted-style addressing (``s3 = addressing_style = virtual`` in the AWS config file), which
  stores such as Alibaba OSS require: pyarrow addressed path-style (its default with an endpoint set)
  and was refused; it is now given ``force_virtual_addressing`` (``VirtualHostOnly``, at the end).

An S3 endpoint behind a private CA:

In a cluster, MinIO or Ceph RGW is served over TLS with a certificate of the cluster's own CA
(cert-manager, an internal PKI), and clients are given the CA with ``AWS_CA_BUNDLE`` (or ``ca_bundle``
in the AWS config file), which botocore reads: ``read_bytes``, ``list_files`` worked. pyarrow 25.0.1's
``S3FileSystem`` (the AWS SDK for C++) reads neither; it takes the bundle as ``tls_ca_file_path``, which
ctloop did not pass: every ``pyarrow.dataset`` scan (the stream drift engine, the label store, the
inference log) failed on the certificate ("SSL peer certificate or SSH remote key was not OK"). Now the
bundle botocore uses is given to pyarrow too.

``TlsFront`` is a TLS proxy double in front of the session's moto, its certificate issued by a CA made
here for the test (``cryptography``), for 127.0.0.1."""

from __future__ import annotations

import datetime
import io
import ipaddress
import ssl

import pytest

from ctloop import storage
from tests.fixtures.object_stores import Store, fresh_bucket, s3_env
from tests.fixtures.servers import InThreadServer, ProxyDouble, ProxyHandler


def _pki(directory):
    """(CA bundle path, server certificate chain path, server key path) for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def cert(subject, issuer, key, signer, *, ca):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ctloop test CA")])
    ca = cert(ca_name, ca_name, ca_key, ca_key, ca=True)
    server = cert(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]), ca_name, key, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (directory / "ca.pem").write_bytes(ca.public_bytes(pem))
    (directory / "server.pem").write_bytes(server.public_bytes(pem))
    (directory / "server.key").write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption()))
    return directory / "ca.pem", directory / "server.pem", directory / "server.key"


@pytest.fixture
def tls_moto(moto_url, tmp_path, monkeypatch):
    """``s3://<fresh bucket>/data`` holding two Parquet parts, reached over TLS through a proxy whose
    certificate only the CA in ``AWS_CA_BUNDLE`` vouches for."""
    import pandas as pd

    root = fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")
    for part in range(2):
        buffer = io.BytesIO()
        pd.DataFrame({"a": [part]}).to_parquet(buffer, index=False)
        storage.write_bytes(f"{root}/part-{part}.parquet", buffer.getvalue())
    ca, chain, key = _pki(tmp_path)

    class Front(ProxyHandler):
        upstream = moto_url

    server = InThreadServer(Front)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain, key)
    server.server.socket = context.wrap_socket(server.server.socket, server_side=True)
    server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"https://{server.address}")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(ca))
    try:
        yield root
    finally:
        server.close()


def test_a_dataset_scan_trusts_the_ca_botocore_trusts(tls_moto):
    import pyarrow.dataset as ds

    root = tls_moto
    assert storage.list_files(root) == [f"{root}/part-0.parquet", f"{root}/part-1.parquet"]  # boto3: always did
    fs, path = storage.filesystem(root)
    assert sorted(ds.dataset(path, filesystem=fs, format="parquet").to_table().column("a").to_pylist()) == [0, 1]


def test_the_ca_bundle_of_the_aws_config_file_counts_too(tls_moto, tmp_path, monkeypatch):
    import pyarrow.dataset as ds

    config = tmp_path / "aws-config"
    config.write_text(f"[default]\nca_bundle = {tmp_path / 'ca.pem'}\n")
    monkeypatch.delenv("AWS_CA_BUNDLE")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    fs, path = storage.filesystem(tls_moto)
    assert ds.dataset(path, filesystem=fs, format="parquet").to_table().num_rows == 2


class VirtualHostOnly(ProxyDouble):
    """An S3-compatible store that takes only virtual-hosted-style requests (``http://BUCKET.localhost:PORT/
    KEY``), as Alibaba OSS does: a path-style request is refused 403 ``SecondLevelDomainForbidden`` ("The
    bucket you are attempting to access must be addressed using OSS third level domain.", OSS error
    reference). The others go to moto, path-style. ``styles`` lists what each request was."""

    def __init__(self, upstream: str) -> None:
        double = self
        self.styles: list[str] = []

        class Handler(ProxyHandler):
            drop = frozenset({"host"})

            def intercept(self, body: bytes) -> bool:
                host = self.headers.get("Host", "").split(":")[0]
                if host.endswith(".localhost"):
                    double.styles.append("virtual")
                    self.path = "/" + host.removesuffix(".localhost") + self.path
                    return False
                double.styles.append("path")
                self.send_xml_error(403, "SecondLevelDomainForbidden", "The bucket you are attempting to access "
                                    "must be addressed using OSS third level domain.")
                return True

        Handler.upstream = upstream
        super().__init__(Handler)


def test_virtual_host_addressing_of_the_aws_config_reaches_the_dataset_scans(moto_url, tmp_path, monkeypatch):
    """``addressing_style = virtual`` in the AWS config file: boto3 follows it; pyarrow's S3FileSystem
    addressed path-style (its default with an endpoint set) and every scan was refused. Names under
    ``.localhost`` resolve to the loopback (RFC 6761 6.3; curl, which pyarrow's AWS SDK uses, does so
    itself): this process's resolver is made to as well, for boto3."""
    import socket

    import pandas as pd
    import pyarrow.dataset as ds

    root = fresh_bucket(Store("s3", moto_url, s3_env(moto_url)), monkeypatch, tmp_path / "home", "data")
    buffer = io.BytesIO()
    pd.DataFrame({"a": [1, 2]}).to_parquet(buffer, index=False)
    storage.write_bytes(f"{root}/part-0.parquet", buffer.getvalue())
    real = socket.getaddrinfo

    def loopback(host, *args, **kwargs):
        return real("127.0.0.1" if str(host).endswith(".localhost") else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback)
    store = VirtualHostOnly(moto_url)
    port = store.url.rsplit(":", 1)[1]
    config = tmp_path / "aws-config"
    config.write_text("[default]\ns3 =\n    addressing_style = virtual\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://localhost:{port}")
    try:
        assert storage.list_files(root) == [f"{root}/part-0.parquet"]  # boto3: always did
        fs, path = storage.filesystem(root)
        assert ds.dataset(path, filesystem=fs, format="parquet").to_table().column("a").to_pylist() == [1, 2]
    finally:
        store.close()
    assert "path" not in store.styles
