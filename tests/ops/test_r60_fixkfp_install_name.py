"""Where KFP is installed: the fix names the setting the user gave (round 60 review: M1, M4, L5, L6).

``ctloop doctor --kfp-namespace kfp-sytem`` told the user to 'set kfp.install_namespace' (a key of a ctloop.yaml
they did not give); kfp's in-cluster route (kfp 2.17.0 ``client.py`` ``_IN_CLUSTER_DNS_NAME``) named
``KFP_INSTALL_NAMESPACE`` when the spec's setting was in use (and wins over it); commands without ``-f`` were told
of ``ctloop.yaml's kfp.install_namespace`` as if they read one."""

from __future__ import annotations

from ctloop.ops import doctor
from ctloop.ops.platform import INSTALL_NAMESPACE_KEY, KfpAuth, _install_settings, _network_error
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_r59_kfp_routes import PROXY, _kubeconfig, kfp_env  # noqa: F401 - the fixture


def _kfp_line(monkeypatch, tmp_path, opts: doctor.DoctorOptions) -> str:
    with KfpApiDouble(path_prefix=PROXY.format("kfp-system")) as double:
        config = _kubeconfig(tmp_path / "k", {"a": double.root_url}, "a")
        monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
        monkeypatch.setenv("KUBECONFIG", str(config))
        opts.timeout = 5
        try:
            doctor.Doctor(opts).check_kfp()
        except Exception as exc:  # noqa: BLE001 - Doctor.run makes it the check's FAIL line
            return str(exc)
    raise AssertionError("KFP was found in the namespace with the typo")


def test_doctor_kfp_namespace_typo_names_the_flag(kfp_env, monkeypatch):  # noqa: F811
    line = _kfp_line(monkeypatch, kfp_env, doctor.DoctorOptions(kfp_namespace="kfp-sytem",
                                                                kfp_namespace_name="--kfp-namespace"))
    assert "in namespace kfp-sytem — fix: set --kfp-namespace to the namespace KFP is installed in" in line, line
    assert INSTALL_NAMESPACE_KEY not in line, line


def test_doctor_cli_passes_the_flag_as_the_name(kfp_env, monkeypatch):  # noqa: F811
    seen = {}

    class Stop(Exception):
        pass

    def run(self, progress=None):
        seen.update(name=self.opts.kfp_namespace_name, ns=self.opts.kfp_namespace)
        raise Stop

    monkeypatch.setattr(doctor.Doctor, "run", run)
    from ctloop.cli import main

    try:
        main(["doctor", "--host", "http://127.0.0.1:9", "--kfp-namespace", "kfp-sytem"])
    except Stop:
        pass
    assert seen == {"name": "--kfp-namespace", "ns": "kfp-sytem"}


def test_the_spec_key_is_named_when_doctor_reads_it():
    from types import SimpleNamespace

    spec = SimpleNamespace(models=[], kfp=SimpleNamespace(host="", namespace="", install_namespace="kfp-system"),
                           platform=SimpleNamespace(service_account=""))
    opts = doctor.options_from_spec(spec)
    assert (opts.kfp_namespace, opts.kfp_namespace_name) == ("kfp-system", INSTALL_NAMESPACE_KEY)
    opts = doctor.options_from_spec(spec, kfp_namespace="other", kfp_namespace_name="--kfp-namespace")
    assert (opts.kfp_namespace, opts.kfp_namespace_name) == ("other", "--kfp-namespace")


def test_the_key_is_written_once():
    import inspect

    from ctloop.cli import doctor as cli_doctor
    from ctloop.ops import platform

    assert INSTALL_NAMESPACE_KEY == "kfp.install_namespace"
    for module in (platform, cli_doctor):
        code = [line for line in inspect.getsource(module).splitlines()
                if '"kfp.install_namespace"' in line and "INSTALL_NAMESPACE_KEY =" not in line]
        assert not code, (module.__name__, code)


def test_in_cluster_route_names_the_setting_in_use():
    url = "http://ml-pipeline.kfp-sytem.svc.cluster.local:8888"
    auth = KfpAuth("", install_namespace="kfp-sytem", install_name=INSTALL_NAMESPACE_KEY)
    line = _network_error(OSError("Name or service not known"), url, 5, auth)
    assert f"set {INSTALL_NAMESPACE_KEY} to that namespace" in line, line
    assert "KFP_INSTALL_NAMESPACE" not in line, line
    # without a setting: the variable (in a task: ctloop-settings' key), and the settings beside it
    line = _network_error(OSError("Name or service not known"), url.replace("sytem", "system"), 5, KfpAuth(""))
    assert "set KFP_INSTALL_NAMESPACE to that namespace" in line, line
    # a pod's settings (round 60 review 2, L7: no doctor flag on the in-cluster route)
    assert "for a ctloop command: --kfp-namespace)" in line, line  # round 61; no -f: no spec key (review, M1)
    line = _network_error(OSError("Name or service not known"), url.replace("sytem", "system"), 5,
                          KfpAuth("", install_spec=True))  # ctloop apply -f in a pod
    assert "for a ctloop command: --kfp-namespace, kfp.install_namespace with -f)" in line, line
    assert "ctloop doctor" not in line, line


def test_commands_without_f_are_not_told_of_a_spec_they_do_not_read():
    text = _install_settings(KfpAuth(""))
    assert text == "; or --kfp-namespace", text  # every KFP command's flag (round 61), no spec it does not read
    assert "-f" not in text and "kfp.install_namespace" not in text, text
    text = _install_settings(KfpAuth("", install_spec=True))  # ctloop apply -f, ctloop doctor -f
    assert text == "; or --kfp-namespace, kfp.install_namespace with -f", text
    assert _install_settings(KfpAuth("", install_namespace="x", install_name="--kfp-namespace")) == ""
