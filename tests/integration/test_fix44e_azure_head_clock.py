"""An Azure HEAD refused for this machine's clock, reported as a refused key (round 44, fix E).

Azure answers a HEAD without a body (RFC 9110 9.3.2): a request refused for its date carries only
``x-ms-error-code: AuthenticationFailed`` and the answer's ``Date``, not the
``<AuthenticationErrorDetail>Request date header too old`` that round 44 read the clock from. A HEAD is
the first request of ``storage.exists``, ``check_output_dir`` (any ``--output az://...``) and the labels
store's ``store_key``, so a machine 40 minutes behind still read "the account key ... was refused or has
expired". Now a bodyless 403 AuthenticationFailed whose ``Date`` is over 15 minutes from this clock names
the clock (as S3's ``_clock_skew`` falls back to ``Date``); within 15 minutes it is still the key."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.fixtures.object_stores import Store, azurite, azurite_connection_string, fresh_bucket
from tests.integration import test_r44_storage_azure_clock_skew as skewed


@pytest.fixture(scope="module")
def azurite_url(tmp_path_factory):
    with azurite(tmp_path_factory.mktemp("azurite")) as url:
        yield url


@pytest.fixture
def behind_proxy(azurite_url, tmp_path, monkeypatch):
    """A blob ``ref.csv`` in a fresh container, reached through ``SkewedAzure`` (no body to a HEAD)."""
    store = Store(
        "az",
        azurite_url,
        {"AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(azurite_url)},
    )
    root = fresh_bucket(store, monkeypatch, tmp_path / "home", "data")
    storage.write_bytes(f"{root}/ref.csv", b"a\n1\n")
    proxy = skewed.SkewedAzure(azurite_url)
    account = azurite_url.rsplit("/", 1)[1]
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string(f"{proxy.url}/{account}")
    )
    try:
        yield root, proxy
    finally:
        proxy.close()


@pytest.mark.parametrize("call", ["exists", "check_output_dir"])
def test_a_head_refused_for_the_clock_names_the_clock(behind_proxy, call):
    root, proxy = behind_proxy
    with pytest.raises(ConfigError) as caught:
        if call == "exists":
            storage.exists(f"{root}/ref.csv")
        else:
            storage.check_output_dir(f"{root}/out")
    said = str(caught.value)
    assert proxy.refused >= 1
    assert f"Azure refused the request for {root}/" in said
    assert said.endswith(
        "because this machine's clock is 40 minutes behind Azure's (Shared Key requests may be 15 minutes old; "
        "AuthenticationFailed to a HEAD request, which carries no reason; told by the answer's Date): sync it "
        "(NTP, chrony; in a container, the node's clock)"
    )
    assert "was refused or has expired" not in said  # the key is fine


def test_a_head_refused_with_azures_date_near_this_clock_is_still_the_key(
    behind_proxy, monkeypatch
):
    root, proxy = behind_proxy
    monkeypatch.setattr(skewed, "AHEAD_S", 60)  # within the 15 minutes Azure allows: not the clock
    with pytest.raises(ConfigError) as caught:
        storage.exists(f"{root}/ref.csv")
    said = str(caught.value)
    assert proxy.refused >= 1
    assert "was refused or has expired (AuthenticationFailed)" in said
    assert "clock" not in said
