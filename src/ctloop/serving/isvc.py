"""InferenceService objects (serving.kserve.io/v1beta1) in the four states of a canary rollout.

Pure functions, no cluster access::

    initial      v1 serves 100 %
    canary N %   spec names v2 with canaryTrafficPercent N; KServe splits N % to the new revision
    promoted     v2 serves 100 % (canaryTrafficPercent removed with a JSON merge patch null)
    rolled back  v1 serves 100 %: first canaryTrafficPercent 0 (traffic back at once), then the
                 champion's storageUri written back (still at 0 %) so the spec no longer names the
                 bad model, then canaryTrafficPercent removed once that revision is ready

``canaryTrafficPercent`` only works in Knative mode. The builders write the mode's current name,
``Knative`` (KServe 0.16 renamed ``Serverless``, which its webhook still rewrites to ``Knative`` —
an object applied with the old name would show as drifted in GitOps tools); readers accept both
names, as KServe's ``ParseDeploymentMode`` does. ``check_deployment_mode`` refuses a
Standard/RawDeployment service rather than pretending a canary runs.

``storageUri`` is the *directory* holding ``model.skops`` and ``model.joblib``
(``ctloop.registry.MlflowRegistry.model_artifact_uri``). The sha256 of the file the ctloop runtime
must load travels with the deployment as the predictor annotation ``ctloop.dev/model-sha256``
(pod annotations are a map a merge patch updates key by key — an ``env`` list would be replaced
whole, dropping anything an operator added; a label cannot hold 64 characters), which the
``ctloop-sklearn`` ServingRuntime hands to the runtime through the downward API
(``CTLOOP_MODEL_SHA256``). The runtime refuses a model whose hash differs, or a spec without one.
"""

from __future__ import annotations

import copy
import re
from typing import Any, NamedTuple

from ctloop.errors import ServingError, ServingNeedsOperator

API_VERSION = "serving.kserve.io/v1beta1"
KIND = "InferenceService"
RUNTIME = "ctloop-sklearn"
MODEL_FORMAT = "sklearn"  # the ctloop-sklearn ServingRuntime's and KServe's sklearn runtime's format
# Labels, not annotations: KServe copies InferenceService labels onto the revision's pods, so the
# serving runtime reads its version through the downward API and Prometheus can select by it.
VERSION_LABEL = "ctloop.dev/model-version"
MODEL_LABEL = "ctloop.dev/model-name"
VERSION_ANNOTATION = VERSION_LABEL  # backwards-compatible name
SHA256_ANNOTATION = "ctloop.dev/model-sha256"
MODE_ANNOTATION = "serving.kserve.io/deploymentMode"
# A predictor annotation naming the failed revision a re-deploy of the same storageUri retries:
# KServe v0.20.0 copies spec.predictor.annotations into the Knative Service's revision template
# (components/predictor.go buildObjectMeta, reconcilers/knative/ksvc_reconciler.go
# createKnativeService), and a changed template is a new Configuration generation, hence a new
# revision (knative-v1.21.1 pkg/reconciler/configuration/configuration.go createRevision).
RETRY_ANNOTATION = "ctloop.dev/retry-of"
# An InferenceService annotation marking a deploy's write "at 0 % first" (rollout._deploy, after an
# unfinished rollback): {"version", "generation", "after", "created"} as JSON — the model version,
# the metadata.generation that write gave the spec, and the latest ready / created revisions
# before it. A retried step finding the spec still at that generation resumes the staging; once
# the spec changes again (moved to its share, pinned back) the marker is stale and means nothing.
# Written with the storageUri change (which makes a new revision anyway). InferenceService
# annotations reach the revision template too (KServe v0.20.0 components/predictor.go filters
# isvc.Annotations by ServiceAnnotationDisallowedList only), so removing it starts another
# revision: only a pin-back with nothing after it to void the marker removes it (rollout._unstaged),
# its revision failed or not (a failed revision can turn ready later); a rollback never does.
STAGED_ANNOTATION = "ctloop.dev/staged-at-zero"
# KServe v0.20.0 pkg/constants/constants.go: DeploymentModeType and ParseDeploymentMode.
KNATIVE = "Knative"
STANDARD = "Standard"
MODEL_MESH = "ModelMesh"
LEGACY_MODES = {"Serverless": KNATIVE, "RawDeployment": STANDARD}
SERVERLESS = "Serverless"  # the deprecated name of KNATIVE, accepted when reading
# KServe's payload logger sends ce-source http://localhost:9081/ from every pod, so the served
# version travels as a predictor-pod annotation the logger copies into ce-annotations
# (logger.metadataAnnotations); the inference log sink reads it (docs/inference-log.md).


# KServe v0.20.0 pkg/controller/v1beta1/inferenceservice/utils/utils.go SupportedStorageURIPrefixList
# (matched with strings.HasPrefix: exact, case included)
STORAGE_PREFIXES = ("gs://", "s3://", "pvc://", "file://", "https://", "http://", "hdfs://", "webhdfs://", "oci://",
                    "oci+native://", "hf://")


def check_storage_uri(uri: str) -> None:
    """Refuse a storageUri KServe v0.20.0 cannot download, before it is written: one with a scheme
    not in ``SupportedStorageURIPrefixList``. The controller takes a URI without ``<scheme>://``
    (``mlflow-artifacts:/...``, ``runs:/...``) for a local path (``utils.go`` ``ValidateStorageURI``)
    and the storage initializer then fails ("Cannot recognize storage type",
    ``python/storage/kserve_storage/kserve_storage.py`` ``Storage.download``): a revision that
    never becomes ready, waited for until the timeout. A plain path (``/mnt/models/...``) passes."""
    import re

    text = str(uri or "").strip()
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", text)
    if text and (not scheme or text.startswith(STORAGE_PREFIXES)):
        return
    proxied = (" (an MLflow server proxying artifacts, `mlflow server --serve-artifacts`, gives runs "
               "mlflow-artifacts:/ URIs: run it with --no-serve-artifacts and an object-store "
               "--default-artifact-root, docs/manifests.md)") if text.lower().startswith("mlflow-artifacts:") else ""
    raise ServingError(f"storageUri {text!r} is one KServe's storage initializer cannot download (KServe v0.20.0 reads "
                       f"{', '.join(STORAGE_PREFIXES)} and local paths){proxied}; nothing written")


TAG_ROUTING_ANNOTATION = "serving.kserve.io/enable-tag-routing"
# With tag routing Knative serves ctloop's canary at this host label, at most 63 characters: the
# longest name is ctloop.config.TAG_ROUTED_NAME_MAX (its comment says why), which the config's
# rollout.inference_service is held to as well
LONGEST_TAG_HOST = "latest-{name}-predictor"


def check_tag_routing_name(name: str, tag_routing: bool = True) -> None:
    """Refuse an InferenceService name whose tag host (:data:`LONGEST_TAG_HOST`) is no DNS label:
    over ``config.TAG_ROUTED_NAME_MAX`` characters."""
    from ctloop.config import TAG_ROUTED_NAME_MAX

    if tag_routing and len(name) > TAG_ROUTED_NAME_MAX:
        host = LONGEST_TAG_HOST.format(name=name)
        raise ServingError(
            f"InferenceService name {name!r} is {len(name)} characters: with tag routing ({TAG_ROUTING_ANNOTATION}) "
            f"Knative serves its canary at the host {host!r}, {len(host)} characters, over the 63 of a DNS label, "
            f"and reports no traffic; use a name of at most {TAG_ROUTED_NAME_MAX} characters; nothing written")


# knative.dev/networking (pinned by knative-v1.21.1) pkg/config/config.go: the ConfigMap
# config-network in knative-serving, its keys DomainTemplateKey and TagTemplateKey and their defaults
NETWORK_CONFIG = ("knative-serving", "config-network")
DOMAIN_TEMPLATE_KEY, TAG_TEMPLATE_KEY = "domain-template", "tag-template"
DEFAULT_DOMAIN_TEMPLATE, DEFAULT_TAG_TEMPLATE = "{{.Name}}.{{.Namespace}}.{{.Domain}}", "{{.Tag}}-{{.Name}}"


# knative.dev/networking (pinned by knative-v1.21.1) pkg/apis/networking/register.go
# VisibilityLabelKey: a Route with it at "cluster-local" (VisibilityClusterLocal) is served inside the
# cluster only — the only label knative-v1.21.1 reads for it (pkg/reconciler/route/config/domain.go
# LookupDomainForLabels, pkg/reconciler/route/domains/domains.go DomainNameFromTemplate; the older
# serving.knative.dev/visibility is read nowhere), as KServe v0.20.0 constants.VisibilityLabel.
# KServe copies the InferenceService's labels onto its Knative Service (predictor.go
# buildObjectMeta, ksvc_reconciler.go) and Knative onto the Route
VISIBILITY_LABELS = ("networking.knative.dev/visibility",)
CLUSTER_LOCAL = "cluster-local"


def cluster_local(obj: dict[str, Any] | None) -> bool:
    """Whether the InferenceService (or its body) carries ``networking.knative.dev/visibility:
    cluster-local`` (:data:`VISIBILITY_LABELS`)."""
    labels = ((obj or {}).get("metadata") or {}).get("labels") or {}
    return isinstance(labels, dict) and any(str(labels.get(key)) == CLUSTER_LOCAL for key in VISIBILITY_LABELS)


# knative-v1.21.1 pkg/reconciler/route/config/domain.go: the ConfigMap config-domain (DomainConfigName)
# maps each domain to a label selector (``selector:``, equality only; none: any Route), "_example"
# (configmap.ExampleKey) aside; without a selector-less domain the default is DefaultDomain,
# "svc." + the cluster domain (knative.dev/pkg network.GetClusterDomainName: the controller's
# CLUSTER_DOMAIN, else its resolv.conf, else "cluster.local"). A Route whose domain (LookupDomainForLabels) is that
# one is cluster-local (pkg/reconciler/route/visibility/visibility.go routeVisibility), label or not
DOMAIN_CONFIG = ("knative-serving", "config-domain")
DEFAULT_CLUSTER_DOMAIN = "cluster.local"
CLUSTER_LOCAL_DOMAIN = f"svc.{DEFAULT_CLUSTER_DOMAIN}"  # DefaultDomain on a cluster with the default domain
RESOLV_CONF = "/etc/resolv.conf"
CLUSTER_DOMAIN_ENV = "CLUSTER_DOMAIN"  # knative.dev/pkg network/domain.go clusterDomainEnvKey


def knative_cluster_domain(obj: dict[str, Any] | None = None, *, in_cluster: bool = False) -> str:
    """The cluster domain Knative's controller uses (``kubelet --cluster-domain``, ``cluster.local``
    by default): its cluster-local domain is ``svc.`` + it (knative.dev/pkg ``network/domain.go``
    ``getClusterDomainName``, release-1.21, as Knative 1.21.1 builds it: the controller's
    ``CLUSTER_DOMAIN``, else the first ``svc.`` entry of its /etc/resolv.conf search line, else
    ``cluster.local``). Read from ``obj``'s ``status.components.predictor.address.url`` when it has
    one — Knative's Route address ``<ksvc>.<namespace>.svc.<cluster domain>``, rendered by that
    controller, which KServe v0.20.0 copies (``inference_service_status.go`` ``PropagateStatus``) —,
    else from ctloop's own ``CLUSTER_DOMAIN`` (:data:`CLUSTER_DOMAIN_ENV`: the setting for a cluster
    domain of one's own), else — only ``in_cluster``, ctloop running on the pod's service-account
    credentials (``kube.InferenceServices.in_cluster``): a pod of the same cluster, whose search
    path the kubelet writes as for every pod — its own /etc/resolv.conf the same way, else
    ``cluster.local``. A laptop's or a CI runner's resolv.conf says nothing of the cluster it
    talks to (``search svc.example.com`` of a corporate network, another cluster's pod)."""
    import os
    from urllib.parse import urlsplit

    address = ((((obj or {}).get("status") or {}).get("components") or {}).get("predictor") or {}).get("address")
    url = address.get("url") if isinstance(address, dict) else None
    host = (urlsplit(url).hostname or "") if isinstance(url, str) else ""
    if ".svc." in host and (domain := host.split(".svc.", 1)[1].rstrip(".")):
        return domain
    if domain := os.environ.get(CLUSTER_DOMAIN_ENV, ""):
        return domain
    if not in_cluster:
        return DEFAULT_CLUSTER_DOMAIN
    try:
        with open(RESOLV_CONF, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return DEFAULT_CLUSTER_DOMAIN
    for line in lines:
        elements = line.split(" ")  # Go's strings.Split(line, " ")
        if elements[0] != "search":
            continue
        for element in elements[1:]:
            if element.startswith("svc."):
                return element[4:].removesuffix(".")
    return DEFAULT_CLUSTER_DOMAIN


def route_labels(obj: dict[str, Any] | None) -> dict[str, str]:
    """The labels Knative's Route for ``obj``'s predictor carries: the InferenceService's and its
    predictor's, with those KServe v0.20.0 adds (``components/predictor.go`` ``buildObjectMeta``:
    ``serving.kserve.io/inferenceservice``, ``component: predictor``; the Knative Service's labels,
    ``ksvc_reconciler.go``) and the one Knative adds (knative-v1.21.1
    ``pkg/reconciler/service/resources/route.go`` ``MakeRoute``: ``serving.knative.dev/service``).
    A ServingRuntime's pod labels are not known here."""
    obj = obj or {}
    name = str((obj.get("metadata") or {}).get("name") or "")
    out: dict[str, str] = {}
    for labels in (((obj.get("metadata") or {}).get("labels")),
                   (((obj.get("spec") or {}).get("predictor") or {}).get("labels"))):
        if isinstance(labels, dict):
            out.update({str(k): str(v) for k, v in labels.items()})
    out.update({"serving.kserve.io/inferenceservice": name, "component": "predictor",
                "serving.knative.dev/service": f"{name}-predictor"})
    return out


def route_domain(domains: dict[str, Any], labels: dict[str, str],
                 cluster_domain: str = DEFAULT_CLUSTER_DOMAIN) -> str | None:
    """The domain Knative gives a Route with ``labels``, from config-domain's ``domains`` (its data):
    knative-v1.21.1 ``pkg/reconciler/route/config/domain.go`` ``LookupDomainForLabels`` — the
    visibility label ``cluster-local`` first, else the matching selector with the most labels, ties
    to the lowest domain name; ``svc.`` + ``cluster_domain`` (:func:`knative_cluster_domain`;
    :data:`CLUSTER_LOCAL_DOMAIN` on a cluster with the default domain) when no domain has an empty
    selector (``NewDomainFromConfigMap``). None when an entry is not what Knative parses (it then refuses the
    ConfigMap and keeps its previous one: nothing is known; or a scalar PyYAML and go-yaml v2 read
    differently, :func:`_go_string`)."""
    import yaml

    local_domain = f"svc.{cluster_domain}"
    if any(labels.get(key) == CLUSTER_LOCAL for key in VISIBILITY_LABELS):
        return local_domain
    selectors: dict[str, dict[str, str]] = {}
    for domain, value in (domains or {}).items():
        if domain == "_example":
            continue
        try:
            parsed = yaml.load(str(value or ""), Loader=_go_yaml_loader()) or {}  # noqa: S506 - a SafeLoader
        except yaml.YAMLError:
            return None
        # encoding/json (sigs.k8s.io/yaml decodes through it) matches a struct field's name
        # case-insensitively (domainInternalConfig's json:"selector"): "Selector" is the selector
        # too; of two spellings ctloop does not tell which one Go keeps
        keys = [k for k in parsed if isinstance(k, str) and k.lower() == "selector"] if isinstance(parsed, dict) else []
        if not isinstance(parsed, dict) or len(keys) > 1:
            return None
        selector = parsed[keys[0]] if keys else None
        if not isinstance(selector or {}, dict):
            return None
        pairs = [(None if k is None else _go_string(k), _go_string(v)) for k, v in (selector or {}).items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        selectors[str(domain)] = dict(pairs)  # type: ignore[arg-type]
    if not any(not selector for selector in selectors.values()):
        selectors[local_domain] = {}
    chosen, specificity = "", -1
    for domain, selector in selectors.items():
        if any(labels.get(k) != v for k, v in selector.items()) or len(selector) < specificity:
            continue
        if len(selector) > specificity or domain < chosen:
            chosen, specificity = domain, len(selector)
    return chosen


class _Differs:
    """A plain scalar go-yaml v2 (under sigs.k8s.io/yaml v1.6.0) resolves otherwise than PyYAML."""


def _go_yaml_loader() -> Any:
    """PyYAML's SafeLoader, with the plain scalars it reads otherwise than go-yaml v2 (``resolve.go``
    ``resolveMapList``) made :class:`_Differs`: ``y``/``Y``/``n``/``N`` (booleans in go-yaml v2,
    strings in PyYAML), ``0o17`` and ``1e3`` (numbers in go-yaml v2, strings in PyYAML) and a
    sexagesimal ``1:30`` (an int in PyYAML, a string in go-yaml v2)."""
    import re

    import yaml

    global _LOADER
    if _LOADER is None:
        class Loader(yaml.SafeLoader):
            pass

        Loader.add_implicit_resolver("tag:ctloop:go-differs", re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))
        # numbers go-yaml v2 reads (strconv.ParseInt base 0: 0o17 is 15; yamlStyleFloat: an exponent
        # without a dot or without its sign, 1e3) where YAML 1.1's resolvers, tried first, leave text
        Loader.add_implicit_resolver(
            "tag:ctloop:go-differs",
            re.compile(r"^[-+]?(?:0o[0-7]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+)$"),
            list("+-.0123456789"))

        def int_or_differs(loader: Any, node: Any) -> Any:
            if ":" in str(node.value):
                return _Differs()
            return yaml.SafeLoader.construct_yaml_int(loader, node)

        Loader.add_constructor("tag:ctloop:go-differs", lambda loader, node: _Differs())
        Loader.add_constructor("tag:yaml.org,2002:int", int_or_differs)
        _LOADER = Loader
    return _LOADER


_LOADER: Any = None


def _go_string(value: Any) -> str | None:
    """A YAML scalar as Knative reads it into a ``map[string]string``: sigs.k8s.io/yaml
    (``yaml.go`` ``convertToJSONableObject``) makes a number or a boolean aimed at a string the
    string Go formats (``true``, not Python's ``True``), a null the empty string. None for what
    ctloop does not reproduce (a float: Go's ``%g``) or what Knative refuses (a list, a mapping:
    the ConfigMap is then rejected and its previous one kept; a timestamp, whose text go-yaml v2
    keeps where PyYAML makes a date; :class:`_Differs`, a scalar the two read differently). A null
    key is refused (``convertToJSONableObject``: unsupported map key): the caller passes None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) else None


def route_templates(obj: dict[str, Any] | None, templates: tuple[str, str],
                    domains: dict[str, Any] | None = None, cluster_domain: str | None = None, *,
                    in_cluster: bool = False) -> tuple[str, str]:
    """config-network's ``(domain-template, tag-template)`` as Knative applies them to ``obj``'s
    Route: a cluster-local Route gets the default domain template whatever config-network says
    (knative-v1.21.1 ``pkg/reconciler/route/domains/domains.go`` ``DomainNameFromTemplate``), its
    tag template still applies (``HostnameFromTemplate``). Cluster-local: the visibility label, or
    — with ``domains``, config-domain's data — a Route config-domain gives
    ``svc.`` + the cluster domain (:func:`route_domain`: a selector naming it, or no domain
    configured at all, as on a fresh Knative install), which ``GetAllDomainsAndTags`` marks with
    the label before it renders the host. ``cluster_domain``: :func:`knative_cluster_domain` of
    ``obj`` (and ``in_cluster``) unless given (a cluster's ``--cluster-domain`` other than
    ``cluster.local``: a selector naming ``svc.cluster.local`` there gives an external domain of
    that name)."""
    domain = knative_cluster_domain(obj, in_cluster=in_cluster) if cluster_domain is None else cluster_domain
    local = cluster_local(obj) or (domains is not None
                                   and route_domain(domains, route_labels(obj), domain) == f"svc.{domain}")
    return ("", templates[1]) if local else templates


def _render(template: str, values: dict[str, str]) -> str | None:
    """A Go text/template made of text and ``{{.Field}}`` of ``values`` rendered; None for any other
    action (a function, ``index .Annotations``, a pipeline): ctloop does not guess what it makes."""
    import re

    action = re.compile(r"\{\{-?\s*\.(\w+)\s*-?\}\}")
    out = action.sub(lambda m: values.get(m.group(1), "{{?}}"), template)
    return None if "{{" in out else out


def tag_host_label(name: str, namespace: str, domain_template: str = "", tag_template: str = "") -> str | None:
    """The longest DNS label of the host Knative serves the canary's ``latest`` tag at, with
    config-network's templates (``""``: Knative's defaults): the tag host ``tag-template`` makes of
    ``latest`` and the Knative Service ``<name>-predictor`` (KServe v0.20.0), put through
    ``domain-template`` (knative-v1.21.1 ``pkg/reconciler/route/domains/domains.go``
    ``HostnameFromTemplate``, ``DomainNameFromTemplate``, which refuses a label over 63
    characters). None when a template is more than text and fields."""
    host = _render(tag_template or DEFAULT_TAG_TEMPLATE, {"Tag": "latest", "Name": f"{name}-predictor"})
    if host is None:
        return None
    fqdn = _render(domain_template or DEFAULT_DOMAIN_TEMPLATE, {"Name": host, "Namespace": namespace,
                                                                "Domain": "example.com"})
    return None if fqdn is None else max(fqdn.split("."), key=len)


def tag_host_problem(name: str, namespace: str, domain_template: str = "", tag_template: str = "") -> str:
    """Why the canary host of ``name`` is no DNS name with the cluster's config-network templates
    (:func:`tag_host_label` has a label over 63 characters), ``""`` when it is or cannot be told: a
    domain template with the namespace in the label (``{{.Name}}-{{.Namespace}}.{{.Domain}}``)
    makes the 46 characters of ``config.TAG_ROUTED_NAME_MAX`` too many, and Knative's Route
    refuses the host and reports no traffic."""
    label = tag_host_label(name, namespace, domain_template, tag_template)
    if label is None or len(label) <= 63:
        return ""
    longest = len(name) - (len(label) - 63)
    return (f"InferenceService name {name!r} in namespace {namespace!r}: Knative's {NETWORK_CONFIG[1]} "
            f"({DOMAIN_TEMPLATE_KEY} {domain_template or DEFAULT_DOMAIN_TEMPLATE!r}, {TAG_TEMPLATE_KEY} "
            f"{tag_template or DEFAULT_TAG_TEMPLATE!r}) serves its canary at a host with the label {label!r}, "
            f"{len(label)} characters, over the 63 of a DNS label, and reports no traffic; use a name of at most "
            f"{max(longest, 0)} characters in this namespace")


def check_tag_host(name: str, namespace: str, domain_template: str = "", tag_template: str = "") -> None:
    """Refuse (ServingError, before anything is written) a name :func:`tag_host_problem` finds."""
    if problem := tag_host_problem(name, namespace, domain_template, tag_template):
        raise ServingError(f"{problem}; nothing written")


def _version_annotations(version: str, sha256: str | None = None) -> dict[str, str | None]:
    """The predictor annotations naming the served model; ``sha256`` None leaves the hash
    annotation out, "" deletes it in a merge patch (no stale hash next to a new storageUri)."""
    out: dict[str, str | None] = {VERSION_LABEL: str(version)}
    if sha256 is not None:
        out[SHA256_ANNOTATION] = _check_sha256(sha256) or None
        out[RETRY_ANNOTATION] = None  # a new model: no retry of an older revision left in the spec
    return out


def _check_sha256(sha256: str) -> str:
    value = (sha256 or "").strip().lower()
    if value and (len(value) != 64 or any(c not in "0123456789abcdef" for c in value)):
        raise ServingError(f"model_sha256 must be 64 hex digits (a sha256), got {sha256!r}")
    return value


def inference_service(
    name: str,
    *,
    namespace: str,
    model_name: str,
    version: str,
    storage_uri: str,
    runtime: str = RUNTIME,
    service_account: str = "",
    logger_url: str = "",
    min_replicas: int = 1,
    max_replicas: int | None = None,
    model_sha256: str = "",
) -> dict[str, Any]:
    """The initial state: ``version`` at ``storage_uri`` serves all traffic.

    ``model_sha256`` (``MlflowRegistry.serving_sha256``) is what the ctloop runtime checks the
    model against; without it the runtime refuses to load (other runtimes ignore it).
    """
    from ctloop.config import label_value_problem

    check_tag_routing_name(name)
    for what, value in (("model_name", model_name), ("version", str(version))):
        # both become labels of the object (and of its pods): the API server refuses the create
        # with 422 (k8s.io/apimachinery validation.go IsValidLabelValue) after the rollout began
        if problem := label_value_problem(value) if value else f"is empty, got {value!r}":
            raise ServingError(f"{what}: {problem} (it becomes the InferenceService label "
                               f"{MODEL_LABEL if what == 'model_name' else VERSION_LABEL}); nothing written")
    predictor: dict[str, Any] = {
        "minReplicas": min_replicas,
        **({"maxReplicas": max_replicas} if max_replicas else {}),
        "model": {
            "modelFormat": {"name": MODEL_FORMAT},
            "runtime": runtime,
            "storageUri": storage_uri,
            "protocolVersion": "v2",
        },
    }
    if service_account:
        predictor["serviceAccountName"] = service_account
    annotations = _version_annotations(version, model_sha256)
    predictor["annotations"] = {k: v for k, v in annotations.items() if v}
    if logger_url:
        predictor["logger"] = {"mode": "all", "url": logger_url, "metadataAnnotations": [VERSION_LABEL]}
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {
                "app.kubernetes.io/managed-by": "ctloop",
                MODEL_LABEL: model_name,
                VERSION_LABEL: str(version),
            },
            "annotations": {
                MODE_ANNOTATION: KNATIVE,
                TAG_ROUTING_ANNOTATION: "true",
            },
        },
        "spec": {"predictor": predictor},
    }


def canary_patch(
    *, version: str, storage_uri: str, percent: int, model_sha256: str = ""
) -> dict[str, Any]:
    """Merge patch: the new version takes ``percent`` % of traffic (KServe keeps the rest on the
    previously rolled-out revision)."""
    if not 0 <= int(percent) <= 100:
        raise ServingError(f"canary percent must be 0..100, got {percent}")
    return {
        "metadata": {"labels": {VERSION_LABEL: str(version)}},
        "spec": {"predictor": {"canaryTrafficPercent": int(percent),
                               "annotations": _version_annotations(version, model_sha256),
                               "model": {"storageUri": storage_uri}}},
    }


def traffic_patch(percent: int) -> dict[str, Any]:
    """Merge patch: move the canary's share (``make canary PERCENT=20``)."""
    if not 0 <= int(percent) <= 100:
        raise ServingError(f"canary percent must be 0..100, got {percent}")
    return {"spec": {"predictor": {"canaryTrafficPercent": int(percent)}}}


def retry_patch(failed_revision: str, percent: int | None = None) -> dict[str, Any]:
    """Merge patch: a new revision of the same spec, after ``failed_revision`` failed (the model
    files fixed in place, a transient failure cleared). The spec is otherwise unchanged, so nothing
    else would make Knative try again; the annotation's value is the failed revision, so a
    retried patch creates no second revision. ``percent``: the canary's share to (re)set."""
    predictor: dict[str, Any] = {"annotations": {RETRY_ANNOTATION: failed_revision}}
    if percent is not None:
        predictor["canaryTrafficPercent"] = traffic_patch(percent)["spec"]["predictor"]["canaryTrafficPercent"]
    return {"spec": {"predictor": predictor}}


def promote_patch() -> dict[str, Any]:
    """Merge patch: the latest revision takes all traffic (field deleted with null)."""
    return {"spec": {"predictor": {"canaryTrafficPercent": None}}}


def pin_back_patch() -> dict[str, Any]:
    """Merge patch, rollback step 1: all traffic to the previously rolled-out revision at once."""
    return traffic_patch(0)


def restore_patch(*, version: str, storage_uri: str, model_sha256: str = "") -> dict[str, Any]:
    """Merge patch, rollback step 2: the spec names the champion again, still at 0 %.

    Keeping ``canaryTrafficPercent: 0`` while the champion's new revision starts means the bad
    revision never gets traffic back in between (Knative routes "latest" to the latest *ready*
    revision); step 3 is :func:`promote_patch` once that revision is ready.
    """
    return {
        "metadata": {"labels": {VERSION_LABEL: str(version)}},
        "spec": {"predictor": {"canaryTrafficPercent": 0,
                               "annotations": _version_annotations(version, model_sha256),
                               "model": {"storageUri": storage_uri}}},
    }


def relabel_patch(*, version: str, model_sha256: str = "") -> dict[str, Any]:
    """Merge patch: the spec names ``version`` (label and predictor annotations, hash included)
    for the model it already serves — another registry version of the same model directory. The
    annotations are part of the revision template, so a new revision of the same model starts,
    its pods labelled with this version (the inference log and Prometheus attribute it)."""
    return {
        "metadata": {"labels": {VERSION_LABEL: str(version)}},
        "spec": {"predictor": {"annotations": _version_annotations(version, model_sha256)}},
    }


def names_version(isvc: dict[str, Any], version: str) -> bool:
    """The spec names ``version`` where ctloop writes and reads it (:func:`spec_version`; ctloop's
    patches write the predictor annotation the payload logger copies in the same patch)."""
    return spec_version(isvc) == str(version)


def switch_patch(*, version: str, storage_uri: str, model_sha256: str = "") -> dict[str, Any]:
    """Merge patch for blue-green: the new version takes 100 % as soon as its revision is ready
    (until then the previous revision keeps serving)."""
    return {
        "metadata": {"labels": {VERSION_LABEL: str(version)}},
        "spec": {"predictor": {"canaryTrafficPercent": None,
                               "annotations": _version_annotations(version, model_sha256),
                               "model": {"storageUri": storage_uri}}},
    }


def spec_version(isvc: dict[str, Any]) -> str:
    """The model version the spec names (label; older ctloop releases wrote an annotation)."""
    meta = isvc.get("metadata") or {}
    return str((meta.get("labels") or {}).get(VERSION_LABEL) or (meta.get("annotations") or {}).get(VERSION_LABEL) or "")


# What of an InferenceService's own metadata KServe v0.20.0 copies into its Knative revision template:
# every annotation but its ServiceAnnotationDisallowedList and reconcilers/knative/ksvc_reconciler.go
# managedKsvcAnnotations (moved onto the ksvc), every label but its ServiceLabelDisallowedList
# (components/predictor.go buildPredictorResources, buildObjectMeta; ksvc_reconciler.go
# createKnativeService). Both lists are pkg/constants/constants.go ServiceAnnotationDisallowedList /
# RevisionTemplateLabelDisallowedList with the cluster's inferenceservice-config key inferenceService
# appended (pkg/apis/serving/v1beta1/configmap.go NewInferenceServicesConfig, ~234-252:
# read_template_lists). A change of one is a new revision (knative-v1.21.1
# pkg/reconciler/configuration/configuration.go), yet not a new metadata.generation: the API server
# moves that for a custom resource's spec only (apiextensions-apiserver customresource/strategy.go)
SERVICE_ANNOTATION_DISALLOWED = ("autoscaling.knative.dev/min-scale", "autoscaling.knative.dev/max-scale",
                                 "internal.serving.kserve.io/storage-initializer-sourceuri",
                                 "kubectl.kubernetes.io/last-applied-configuration", "modelFormat")
MANAGED_KSVC_ANNOTATIONS = ("serving.knative.dev/rollout-duration", "serving.knative.openshift.io/enablePassthrough")
ANNOTATIONS_NOT_IN_REVISION = SERVICE_ANNOTATION_DISALLOWED + MANAGED_KSVC_ANNOTATIONS
LABELS_NOT_IN_REVISION = ("networking.knative.dev/visibility",)
INFERENCE_SERVICE_CONFIG_KEY = "inferenceService"  # configmap.go InferenceServiceConfigKeyName


class TemplateLists(NamedTuple):
    """The annotations and labels of an InferenceService KServe keeps out of its revision template
    (:func:`read_template_lists`): KServe's defaults unless read from the cluster."""

    annotations: tuple[str, ...] = ANNOTATIONS_NOT_IN_REVISION
    labels: tuple[str, ...] = LABELS_NOT_IN_REVISION
    unread: str = ""  # why these are KServe's defaults, not the cluster's ("" when read from it)


def read_template_lists(config_data: Any, where: str = "") -> TemplateLists:
    """The lists of :class:`TemplateLists` as KServe v0.20.0 builds them from the data of ConfigMap
    ``where`` (``pkg/apis/serving/v1beta1/configmap.go`` ``NewInferenceServicesConfig``): with a key
    :data:`INFERENCE_SERVICE_CONFIG_KEY`, ``serviceAnnotationDisallowedList`` /
    ``serviceLabelDisallowedList`` appended to the defaults (absent or null: the defaults alone; Go's
    encoding/json matches the keys case-insensitively, the last one wins); without that key both lists
    stay nil and every annotation and label is copied (the ksvc's own annotations aside). A value
    encoding/json cannot store (no JSON object, a list holding no strings) fails the controller's
    config: the defaults, ``unread`` saying why."""
    import json

    key, where = INFERENCE_SERVICE_CONFIG_KEY, where or KSERVE_CONFIG
    if not isinstance(config_data, dict):
        return TemplateLists(unread=f"{where} has no data")
    text = config_data.get(key)
    if text is None:
        return TemplateLists(annotations=MANAGED_KSVC_ANNOTATIONS, labels=())
    try:
        pairs = json.loads(str(text), object_pairs_hook=_Pairs, parse_constant=_no_constant)
    except ValueError:
        return TemplateLists(unread=f"{where} key {key!r} is not JSON")
    if not isinstance(pairs, _Pairs):
        return TemplateLists(unread=f"{where} key {key!r} is no JSON object")
    found: dict[str, tuple[str, ...]] = {}
    for field, default in (("serviceAnnotationDisallowedList", SERVICE_ANNOTATION_DISALLOWED),
                           ("serviceLabelDisallowedList", LABELS_NOT_IN_REVISION)):
        found[field] = default
        for k, v in pairs:
            if _go_fold(k) != _go_fold(field):
                continue
            if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
                return TemplateLists(unread=f"{where} key {key!r} names a {field} that is no list of strings "
                                            f"({_json_text(v)})")
            found[field] = default + tuple(v or ())
    return TemplateLists(annotations=found["serviceAnnotationDisallowedList"] + MANAGED_KSVC_ANNOTATIONS,
                         labels=found["serviceLabelDisallowedList"])


# What every list KServe v0.20.0 can build keeps out of a revision template: the ksvc's own annotations
# alone (configmap.go without an inferenceService key leaves both disallowed lists nil, ~234-252, and
# ksvc_reconciler.go still moves managedKsvcAnnotations onto the ksvc). Every TemplateLists holds these.
TEMPLATE_LISTS_LEAST = TemplateLists(annotations=MANAGED_KSVC_ANNOTATIONS, labels=())
# A value longer than this is stored as its sha256 (kubectl's last-applied-configuration repeats the
# whole object): a record keeps under MLflow's tag limit, and a changed value still compares unequal
METADATA_VALUE_MAX = 200


def revision_metadata(isvc: dict[str, Any] | None, lists: TemplateLists | None = None) -> dict[str, dict[str, Any]]:
    """The annotations and labels of ``isvc`` that may reach its revision template (those of
    ``lists`` left out; by default only :data:`TEMPLATE_LISTS_LEAST`, which every cluster keeps out, so
    a stored read can be compared under whatever lists the cluster's ConfigMap gives later): another
    value is another revision, which ``metadata.generation`` does not show. A value longer than
    :data:`METADATA_VALUE_MAX` is kept as ``sha256:<hex>``."""
    import hashlib

    lists = lists or TEMPLATE_LISTS_LEAST
    meta = (isvc or {}).get("metadata") or {}
    annotations, labels = meta.get("annotations") or {}, meta.get("labels") or {}

    def short(v: Any) -> Any:
        if isinstance(v, str) and len(v) > METADATA_VALUE_MAX:
            return "sha256:" + hashlib.sha256(v.encode()).hexdigest()
        return v

    return {"annotations": {k: short(v) for k, v in annotations.items() if k not in lists.annotations},
            "labels": {k: short(v) for k, v in labels.items() if k not in lists.labels}}


# How an audit record keeps a :func:`revision_metadata` read too long for it (:func:`stored_metadata`), under
# this key: each value as a digest (the keys kept, so a change is named and the cluster's lists apply), or
# the whole read as one digest (``sha256:<hex>``), or :data:`METADATA_CUT` (read back from a record cut at
# the tag limit, which ctloop before round 58 wrote: nothing to compare, so every comparison holds)
METADATA_FORM = "form"
METADATA_DIGESTS = "value digests"
METADATA_CUT = "cut"


def _digest(value: Any, chars: int = 64) -> str:
    import hashlib
    import json

    return "sha256:" + hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:chars]


def digested_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` (a :func:`revision_metadata` read) with each value as the first 16 hex digits of its
    sha256 (:data:`METADATA_DIGESTS`): compared with a stored read of that form."""
    return {"annotations": {k: _digest(v, 16) for k, v in (meta.get("annotations") or {}).items()},
            "labels": {k: _digest(v, 16) for k, v in (meta.get("labels") or {}).items()},
            METADATA_FORM: METADATA_DIGESTS}


def whole_metadata_digest(meta: dict[str, Any]) -> str:
    """The sha256 of a :func:`revision_metadata` read as a whole (its annotations and labels)."""
    return _digest({"annotations": meta.get("annotations") or {}, "labels": meta.get("labels") or {}})


def stored_metadata(meta: dict[str, Any], limit: int) -> dict[str, Any]:
    """``meta`` (a :func:`revision_metadata` read, or one stored before) as an audit record keeps it in
    at most ``limit`` characters of JSON (``registry.TAG_VALUE_MAX``; was: written whole and cut by
    the registry, read back as none, and compared with nothing): as it is when it fits, else each value
    as a digest (:func:`digested_metadata`), else the whole read as one digest — any change then holds,
    which one unnamed. A stored form too long again (which a read that fitted at the deploy never is) is
    :data:`METADATA_CUT`."""
    import json

    def fits(m: dict[str, Any]) -> bool:
        return len(json.dumps(m, sort_keys=True, default=str)) <= limit

    if fits(meta):
        return meta
    empty = {"annotations": {}, "labels": {}}
    if meta.get(METADATA_FORM):
        return {**empty, METADATA_FORM: METADATA_CUT}
    digests = digested_metadata(meta)
    return digests if fits(digests) else {**empty, METADATA_FORM: whole_metadata_digest(meta)}


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386 JSON merge patch (what ``kubectl patch --type merge`` applies)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key, {}), value)
    return out


# KServe v0.20.0 pkg/constants/constants.go: the ConfigMap every InferenceService is reconciled with
# (InferenceServiceConfigMapName, in the controller's namespace KServeNamespace: its POD_NAMESPACE,
# "kserve" by default; Kubeflow's install puts KServe in "kubeflow"), and its key holding the
# cluster's defaultDeploymentMode (pkg/apis/serving/v1beta1/configmap.go DeployConfigName)
KSERVE_CONFIG = "inferenceservice-config"
KSERVE_NAMESPACES = ("kserve", "kubeflow")
DEPLOY_CONFIG_KEY = "deploy"
# KServe installed elsewhere (OpenDataHub: opendatahub; Red Hat OpenShift AI: redhat-ods-applications):
# the namespace of KSERVE_CONFIG, where KServe's controller runs (constants.go KServeNamespace is its
# POD_NAMESPACE). The config field rollout.kserve_namespace wins over this variable; neither set,
# KSERVE_NAMESPACES are read in turn (kserve_config_namespaces).
KSERVE_NAMESPACE_ENV = "CTLOOP_KSERVE_NAMESPACE"


def kserve_config_namespaces(configured: str = "") -> tuple[str, ...]:
    """Where a rollout reads :data:`KSERVE_CONFIG`, in turn: ``configured`` (``rollout.kserve_namespace``,
    checked with the config), else :data:`KSERVE_NAMESPACE_ENV`, else :data:`KSERVE_NAMESPACES`. A
    variable naming no namespace is a :class:`ConfigError` naming it and its value."""
    import os

    from ctloop.config import k8s_namespace
    from ctloop.errors import ConfigError

    if configured:
        return (configured,)
    value = os.environ.get(KSERVE_NAMESPACE_ENV, "")
    if not value:
        return KSERVE_NAMESPACES
    if problem := k8s_namespace(value):
        raise ConfigError(f"{KSERVE_NAMESPACE_ENV}: {problem}, got {value!r}")
    return (value,)


def deployment_mode(isvc: dict[str, Any], cluster_default: str = "") -> str:
    """The service's deployment mode by its current name (``Knative``, ``Standard``, ...), ``""``
    when it cannot be told.

    As KServe v0.20.0 resolves it (``pkg/controller/v1beta1/inferenceservice/utils/utils.go``
    ``GetDeploymentMode``): ``status.deploymentMode`` first (the controller records the mode it
    uses at every reconcile), then the annotation when it names a mode KServe knows (legacy names
    mapped as ``ParseDeploymentMode`` does; any other value is ignored there), else the cluster's
    ``defaultDeploymentMode`` — ``cluster_default`` (:func:`default_deployment_mode`), ``""``
    when unknown. A service with neither field is one KServe has not reconciled yet, created
    without the annotation (ctloop's template always writes it, :func:`inference_service`): its
    webhook writes one only for a Standard or ModelMesh default
    (``inference_service_defaults.go`` ``DefaultInferenceService``), but the controller takes the
    default of when it reconciles, which may have changed since.
    """
    annotations = (isvc.get("metadata") or {}).get("annotations") or {}
    status = isvc.get("status")
    status = status.get("deploymentMode") if isinstance(status, dict) else None
    if isinstance(status, str) and status:
        return LEGACY_MODES.get(status, status)
    asked = annotations.get(MODE_ANNOTATION) if isinstance(annotations, dict) else None
    asked = LEGACY_MODES.get(asked, asked) if isinstance(asked, str) else None
    if asked in (KNATIVE, STANDARD, MODEL_MESH):
        return asked
    return LEGACY_MODES.get(cluster_default, cluster_default) if cluster_default else ""


# go1.25 src/unicode/tables.go asciiFold/caseOrbit: the only unicode.SimpleFold orbits holding an
# ASCII letter and another rune (K k U+212A KELVIN SIGN, S s U+017F LONG S); every other rune's
# orbit holds no ASCII letter (U+0130 and U+0131 are each their own orbit)
_GO_FOLDS_TO_ASCII = {"\u212a": "K", "\u017f": "S"}


def _go_fold(key: str) -> str:
    """A JSON key as Go's encoding/json folds it to match a struct field case-insensitively
    (KServe v0.20.0 is built with go 1.25: ``src/encoding/json/fold.go`` ``appendFoldedName``: an
    ASCII letter upper-cased, any other rune ``foldRune``, the smallest of its
    ``unicode.SimpleFold`` orbit). Exact for matching against ASCII names, as every field of
    ``DeployConfig`` is: the two runes that fold into an ASCII letter are mapped to it, and any
    other is kept, its orbit holding no ASCII letter. Not Python's full case mapping
    (``"ﬆ".upper()`` is ``"ST"``, ``"ı".upper()`` ``"I"``) nor ``str.casefold``."""
    return "".join(c.upper() if c.isascii() else _GO_FOLDS_TO_ASCII.get(c, c) for c in key)


class _Pairs(list):
    """The key/value pairs of one JSON object as read (``object_pairs_hook``): kept apart from a
    JSON array, which is a plain list."""


def _no_constant(name: str) -> Any:
    """``parse_constant`` of :func:`read_deploy_config`: Go's encoding/json refuses ``NaN``,
    ``Infinity`` and ``-Infinity`` (no JSON), which Python's json reads as floats."""
    raise ValueError(f"{name} is no JSON")


def _json_text(value: Any) -> str:
    """``value`` read with :class:`_Pairs` objects, written back as JSON."""
    def plain(v: Any) -> Any:
        if isinstance(v, _Pairs):
            return {k: plain(x) for k, x in v}
        return [plain(x) for x in v] if isinstance(v, list) else v

    import json

    return json.dumps(plain(value))


# The fields of KServe v0.20.0's DeployConfig (pkg/apis/serving/v1beta1/configmap.go) as
# encoding/json fills them: str a string field, a dict a pointer to a struct of these fields
# (DeploymentRolloutStrategy.DefaultRollout *RolloutSpec; RolloutSpec.MaxSurge, MaxUnavailable string)
_DEPLOY_FIELDS: dict[str, Any] = {
    "defaultDeploymentMode": str,
    "deploymentRolloutStrategy": {"defaultRollout": {"maxSurge": str, "maxUnavailable": str}},
}


def _type_error(pairs: _Pairs, fields: dict[str, Any], path: str = "") -> str:
    """The earliest value, in the order of the text, of a key matching one of ``fields``
    (:func:`_go_fold`) that encoding/json cannot store there: ``"NAME that is no ..."``, ``""`` when
    none. A null leaves a field as it was; keys matching no field are skipped."""
    for k, v in pairs:
        for name, kind in fields.items():
            if _go_fold(k) != _go_fold(name) or v is None:
                continue
            where = f"{path}.{name}" if path else name
            if kind is str and not isinstance(v, str):
                return f"{where} that is no string ({_json_text(v)})"
            if kind is not str and not isinstance(v, _Pairs):
                return f"{where} that is no JSON object ({_json_text(v)})"
            if kind is not str and (nested := _type_error(v, kind, where)):
                return nested
    return ""


def read_deploy_config(config_data: Any) -> tuple[str, str]:
    """``(mode, problem)`` of the data of ConfigMap :data:`KSERVE_CONFIG` as KServe v0.20.0 reads
    its key :data:`DEPLOY_CONFIG_KEY` (``pkg/apis/serving/v1beta1/configmap.go`` ``NewDeployConfig``:
    ``json.Unmarshal`` into ``DeployConfig``, fields ``defaultDeploymentMode`` string and
    ``deploymentRolloutStrategy`` pointer to a struct): the mode, legacy names mapped, and ``""``;
    or ``""`` and what is wrong with it — no such key, not JSON (``NaN`` and ``Infinity`` included),
    no object, a value of either field of the wrong type, no mode, a mode it refuses (any but
    Knative, Standard, ModelMesh). The types are checked down to ``deploymentRolloutStrategy``'s
    ``defaultRollout`` (``*RolloutSpec``: an object) and its ``maxSurge``, ``maxUnavailable``
    (strings; ``{"maxSurge": 1}`` fails the whole ``Unmarshal``). Go's encoding/json matches a key
    to the field case-insensitively
    (each matching key sets it, the last one wins), so ``{"DefaultDeploymentMode": "Knative"}`` is
    Knative to KServe and here; a value of the wrong type for any matching key fails the whole
    ``Unmarshal`` (it returns the earliest type error, go1.22 ``decode.go`` ``d.saveError``), even
    when a later key sets the field, so NewDeployConfig refuses it."""
    import json

    key = DEPLOY_CONFIG_KEY
    text = config_data.get(key) if isinstance(config_data, dict) else None
    if not isinstance(text, str):
        return "", f"has no key {key!r}"
    try:
        pairs = json.loads(text, object_pairs_hook=_Pairs, parse_constant=_no_constant)
    except ValueError:
        return "", f"key {key!r} is not JSON"
    if not isinstance(pairs, _Pairs):
        return "", f"key {key!r} is no JSON object"
    wrong = _type_error(pairs, _DEPLOY_FIELDS)
    if wrong:
        return "", f"key {key!r} names a {wrong}"
    field = "defaultDeploymentMode"
    # each key matching the field sets it in turn
    found = [v for k, v in pairs if _go_fold(k) == _go_fold(field) and v is not None]
    mode = found[-1] if found else None
    if not mode:
        return "", f"key {key!r} names no defaultDeploymentMode"
    known = LEGACY_MODES.get(mode, mode)
    if known not in (KNATIVE, STANDARD, MODEL_MESH):
        return "", (f"key {key!r} names defaultDeploymentMode {mode!r}, which KServe v0.20.0 refuses (names: "
                    f"{KNATIVE}, {STANDARD}, {MODEL_MESH}, legacy {', '.join(LEGACY_MODES)}; exact case)")
    return known, ""


def default_deployment_mode(config_data: Any) -> str:
    """``defaultDeploymentMode`` of the data of ConfigMap :data:`KSERVE_CONFIG`
    (:func:`read_deploy_config`), ``""`` when it names none KServe v0.20.0 accepts."""
    return read_deploy_config(config_data)[0]


# The optional ClusterRole that lets the runner get ConfigMap KSERVE_CONFIG (manifests/extras)
KSERVE_CONFIG_READER = "kubectl apply -k manifests/extras/kserve-config-reader"


class ClusterDefault(NamedTuple):
    """The cluster's default deployment mode as a rollout read it (``kube.read_kserve_default``)."""

    mode: str = ""  # the mode KServe takes from the ConfigMap, legacy names mapped; "" unknown
    problem: str = ""  # read, but naming no mode KServe takes: "NS/NAME why" (read_deploy_config)
    failure: str = ""  # not read: what failed ("" when read, or not asked)
    forbidden: bool = False  # that failure is a 403: the runner may not get it (KSERVE_CONFIG_READER)
    namespace: str = ""  # where it was read
    nowhere: bool = False  # that failure is a 404 in every namespace read: there is no such ConfigMap
    namespaces: tuple[str, ...] = KSERVE_NAMESPACES  # where it was looked for (kserve_config_namespaces)
    template: TemplateLists | None = None  # read_template_lists of the ConfigMap read (None: not read)

    @property
    def read_failure(self) -> str:
        """What failed, for :func:`check_deployment_mode`: ``""`` when read or refused by RBAC
        (the refusal then names :data:`KSERVE_CONFIG_READER`)."""
        return "" if self.forbidden else self.failure


class NotDrivable(ServingError):
    """An InferenceService in a form ctloop's rollout cannot drive, refused before anything is written:
    a known mode other than Knative (:func:`check_deployment_mode`: Standard, ModelMesh; KServe ignores
    ``canaryTrafficPercent`` there) or a predictor not in the ``model:`` form ctloop writes
    (``rollout._check_drivable``: ``sklearn:`` and the other framework specs, a custom container,
    another ``modelFormat``). Only re-creating the service changes that (KServe refuses a change of
    mode). ``found``: what was found, for a line (``deploymentMode Standard``, ``predictor sklearn:``)."""

    def __init__(self, message: str, found: str = ""):
        super().__init__(message)
        self.found = found

    def __reduce__(self):
        return type(self), (str(self), self.found)


def check_deployment_mode(isvc: dict[str, Any], cluster_default: str = "", default_problem: str = "",
                          read_failure: str = "", namespaces: tuple[str, ...] = KSERVE_NAMESPACES) -> None:
    """Refuse any mode but Knative: elsewhere KServe silently ignores canaryTrafficPercent. A
    service whose mode cannot be told (:func:`deployment_mode` ``""``: neither field set and the
    cluster's default unknown) is refused too: a canary there may be ignored as silently.
    ``default_problem``: what is wrong with the ConfigMap that was read (:func:`read_deploy_config`,
    prefixed with where it was read), ``""`` when it could not be read; ``read_failure``: why it
    could not (:attr:`ClusterDefault.read_failure`), ``""`` for a 403 (or nothing known), which the
    refusal answers with :data:`KSERVE_CONFIG_READER`; ``namespaces``: where it was looked for
    (:attr:`ClusterDefault.namespaces`)."""
    mode = deployment_mode(isvc, cluster_default)
    if mode == KNATIVE:
        return
    name = (isvc.get("metadata") or {}).get("name", "?")
    if not mode:
        asked = ((isvc.get("metadata") or {}).get("annotations") or {}).get(MODE_ANNOTATION)
        annotation = (f"its {MODE_ANNOTATION} annotation {asked!r} names no mode KServe knows, which it ignores"
                      if asked else f"no {MODE_ANNOTATION} annotation")
        if default_problem:  # read, but KServe takes no mode from it: no status.deploymentMode will come
            unknown = (f"ConfigMap {default_problem}; status.deploymentMode will not come: KServe v0.20.0 "
                       "reconciles nothing while NewDeployConfig refuses the key, and records no mode while it is absent")
            advice = (f"fix that ConfigMap, or annotate it {MODE_ANNOTATION}={KNATIVE} before KServe first "
                      "reconciles it") if default_problem.endswith(f"has no key {DEPLOY_CONFIG_KEY!r}") else (
                "fix that ConfigMap: KServe's webhook denies every create and update while NewDeployConfig "
                "refuses it, an annotation too")
        elif read_failure:  # not a 403: the reader would not help
            unknown = f"ConfigMap {KSERVE_CONFIG} not read: {read_failure}"
            advice = ("wait until KServe has reconciled it — `ctloop rollout status` shows its mode — or annotate "
                      f"it {MODE_ANNOTATION}={KNATIVE} before KServe first reconciles it")
        else:
            unknown = (f"ConfigMap {KSERVE_CONFIG} in {' or '.join(namespaces)} not readable; "
                       f"{KSERVE_CONFIG_READER} lets the runner get it")
            advice = ("wait until KServe has reconciled it — `ctloop rollout status` shows its mode — or annotate "
                      f"it {MODE_ANNOTATION}={KNATIVE} before KServe first reconciles it")
        raise ServingError(
            f"InferenceService {name!r} names no deployment mode (no status.deploymentMode: KServe has not "
            f"reconciled it yet; {annotation}) and the cluster's default is unknown ({unknown}): KServe "
            "gives it that default, and anywhere but Knative mode a canary would silently get 0 % or 100 %; "
            f"nothing written ({advice})")  # annotating is allowed until then:
        # inference_service_validation.go validateDeploymentMode (an empty status.deploymentMode)
    raw = ((isvc.get("status") or {}).get("deploymentMode")
           or ((isvc.get("metadata") or {}).get("annotations") or {}).get(MODE_ANNOTATION))
    if raw == mode:
        shown = mode
    elif raw and LEGACY_MODES.get(raw) == mode:
        shown = f"{mode} ({raw})"
    else:  # the cluster's default: KServe ignores an annotation naming no mode it knows
        shown = f"{mode} (the cluster's default{f'; KServe ignores the annotation {raw!r}' if raw else ''})"
    standard = (
        " KServe's canary for Standard mode is a different API, spec.canary[] (predictor name and "
        "trafficPercent; since 0.20.0, weighted routing only in releases after 0.20.0 with the "
        "Gateway API), which ctloop does not drive."
    ) if mode == STANDARD else ""
    raise NotDrivable(
        f"InferenceService {name!r} runs in {shown} mode, where KServe ignores "
        "canaryTrafficPercent: "
        f"a canary would silently get 0 % or 100 %.{standard} Serve it in Knative mode (annotation "
        f"{MODE_ANNOTATION}: {KNATIVE}; KServe refuses to change the mode of an existing service, "
        "so "
        "create it anew)", found=f"deploymentMode {shown}"
    )


RUN_AGAIN = "; then run this again"  # the end of _annotate_fix: not for a status or a doctor, which write nothing


def _annotate_fix(name: str, namespace: str | None, recorded: str) -> str:
    """The fix of an update KServe's validator refuses: annotate the mode the controller recorded."""
    return (f"kubectl annotate isvc {name}{f' -n {namespace}' if namespace else ''} {MODE_ANNOTATION}={recorded}"
            " --overwrite: a change of its revision template, so Knative starts a new revision of the model its "
            f"spec names{RUN_AGAIN}")


# KServe v0.20.0 inference_service_validation.go validateDeploymentMode's refusal
_MODE_CHANGE = re.compile(r"deploymentMode cannot be changed from '([^']*)' to '([^']*)'")


def mode_change_refused(name: str, namespace: str | None, message: str) -> str:
    """The one-line refusal for a write KServe v0.20.0's validator denied with ``message`` (a 403:
    "update rejected: deploymentMode cannot be changed from 'Knative' to 'Standard'",
    ``inference_service_validation.go`` ``validateDeploymentMode``), ``""`` for any other
    message. What :func:`check_update_admitted` refuses before writing when it can tell — it
    cannot without the cluster's default (no :data:`KSERVE_CONFIG_READER`), nor when the default
    or the annotation changed between its read and the write."""
    found = _MODE_CHANGE.search(message)
    if not found:
        return ""
    recorded, asked = found.groups()
    return (f"InferenceService {name!r} runs in {recorded} mode but KServe v0.20.0's validator refused the update: "
            f"\"{found.group(0)}\" (its {MODE_ANNOTATION} annotation as KServe's webhook left it is {asked!r}: "
            "one changed since ctloop read it, or, for a service naming none, the cluster's defaultDeploymentMode "
            "when that is Standard or ModelMesh; inference_service_validation.go validateDeploymentMode); "
            f"nothing written ({_annotate_fix(name, namespace, recorded)})")


# KServe v0.20.0 pkg/apis/serving/v1beta1/configmap.go NewDeployConfig's errors, which its mutating
# webhook returns (inference_service_defaults.go Default): every CREATE and UPDATE is then denied
_DEPLOY_CONFIG_ERRORS = ("unable to parse deploy config json", "invalid deploy config, defaultDeploymentMode is required",
                         "invalid deployment mode. Supported modes are")


# deploy: null — NewDeployConfig's json.Unmarshal leaves a nil *DeployConfig, which its next line
# dereferences (configmap.go); controller-runtime v0.22.5 (KServe's go.mod replace) recovers the panic
# in pkg/webhook/admission/webhook.go Webhook.Handle as Errored(500, "panic: %v [recovered]")
_DEFAULTER_PANIC = "defaulter\" denied the request: panic: runtime error: invalid memory address or nil pointer"


def deploy_config_refused(message: str) -> str:
    """What to add to a write KServe's webhook denied with ``message`` because its ConfigMap's
    ``deploy`` key is one ``NewDeployConfig`` refuses (or panics on), ``""`` for any other message."""
    if _DEFAULTER_PANIC in message:
        return (f"KServe v0.20.0's webhook panicked, as it does on every create and update while the key {DEPLOY_CONFIG_KEY!r} "
                f"of its ConfigMap {KSERVE_CONFIG} is null (NewDeployConfig dereferences the nil DeployConfig, "
                "configmap.go); nothing written (fix that ConfigMap in KServe's namespace; `ctloop doctor` "
                "shows what it reads there)")
    if not any(error in message for error in _DEPLOY_CONFIG_ERRORS):
        return ""
    return (f"KServe v0.20.0's webhook denies every create and update while NewDeployConfig refuses the key "
            f"{DEPLOY_CONFIG_KEY!r} of its ConfigMap {KSERVE_CONFIG}; nothing written (fix that ConfigMap in "
            "KServe's namespace; `ctloop doctor` shows what it reads there)")


def legacy_mode_rewrite(isvc: dict[str, Any]) -> str:
    """Why an update of ``isvc`` starts a Knative revision of the model it already serves, ``""``
    when it does not: its :data:`MODE_ANNOTATION` is a legacy name (``Serverless``), which KServe
    v0.20.0's webhook rewrites on every update (``inference_service_defaults.go``
    ``DefaultInferenceService``), and KServe copies the annotations into the revision template
    (``components/predictor.go`` ``buildObjectMeta``), so the rewrite is a new revision."""
    meta = isvc.get("metadata") or {}
    asked = (meta.get("annotations") or {}).get(MODE_ANNOTATION) if isinstance(meta, dict) else None
    if not isinstance(asked, str) or asked not in LEGACY_MODES:
        return ""
    name = meta.get("name", "?")
    return (f"InferenceService {name!r} names {MODE_ANNOTATION} {asked!r}, a legacy name KServe v0.20.0's webhook "
            f"rewrites to {LEGACY_MODES[asked]!r} on this update; the annotation is in the revision template, so "
            "Knative starts a new revision of the model its spec names (a restart; GitOps tools then show the "
            f"annotation as drift: write {LEGACY_MODES[asked]} in its source)")


def check_traffic_only(isvc: dict[str, Any], what: str, canary: bool = True) -> None:
    """Refuse (:class:`ServingNeedsOperator`, nothing written; a canary analysis holds) ``what``, a write that moves traffic only (a canary's
    share above 0 %, a promote), on a service whose :data:`MODE_ANNOTATION` is a legacy name: KServe
    v0.20.0's webhook rewrites it on that update (:func:`legacy_mode_rewrite`), so Knative starts a
    new revision of the canary's model with it, and KServe's rollout then takes that revision for
    the canary (``ksvc_reconciler.go``: its share, or 100 % on a promote, goes to the latest
    revision; ``inference_service_status.go`` ``PropagateStatus`` records the canary's first
    revision as ``previousRolledoutRevision`` on a promote — the rollback pointer to the revision
    before the canary lost). Annotating the new name first restarts the canary with its share
    kept and the rolled-out revision unmoved; a pin-back only warns (it must go through). ``canary``
    False: the service has none (a promote of it would restart the one model it serves for nothing)."""
    meta = isvc.get("metadata") or {}
    asked = (meta.get("annotations") or {}).get(MODE_ANNOTATION) if isinstance(meta, dict) else None
    if not isinstance(asked, str) or asked not in LEGACY_MODES:
        return
    name, namespace, mode = meta.get("name", "?"), meta.get("namespace"), LEGACY_MODES[asked]
    effect = ("a restart for nothing: it has no canary to promote" if not canary else
              "that new one would take 100 %, and KServe would record the canary's own first revision as "
              "previousRolledoutRevision: a rollback would no longer return to the revision serving before the canary"
              if what.startswith("promot") else
              "the canary would move to that new revision (its per-revision metrics start again)")
    model, restart = ("the canary's model", "a restart of the canary") if canary else ("the model it serves",
                                                                                       "a restart")
    raise ServingNeedsOperator(
        f"InferenceService {name!r} names {MODE_ANNOTATION} {asked!r}, a legacy name KServe v0.20.0's webhook "
        f"rewrites to {mode!r} on every update (inference_service_defaults.go DefaultInferenceService); the "
        "annotation is in the revision template (components/predictor.go), so "
        f"{what} would start a new revision of {model}: {effect}; nothing written "
        f"(when {restart} is acceptable: {_annotate_fix(name, namespace, mode)})")


def check_update_admitted(isvc: dict[str, Any], cluster_default: str = "") -> None:
    """Refuse (ServingError, nothing written) an update KServe v0.20.0's webhooks would refuse, both
    registered for UPDATE as for CREATE (``config/webhook/manifests.yaml``). Once the controller
    recorded a mode (``status.deploymentMode``), the validator refuses an annotation
    :data:`MODE_ANNOTATION` naming another (``inference_service_validation.go``
    ``validateDeploymentMode``, compared after the defaulter ran); and the defaulter writes the
    cluster's default into a service with none when that default is Standard or ModelMesh
    (``inference_service_defaults.go`` ``DefaultInferenceService``), so a Knative service created
    without it under a Knative default takes no update at all once the default is Standard.
    ``cluster_default``: the default read (``""``: unknown, then only the annotation is judged)."""
    meta = isvc.get("metadata") or {}
    recorded = (isvc.get("status") or {}).get("deploymentMode")
    if not isinstance(recorded, str) or not recorded:
        return
    recorded = LEGACY_MODES.get(recorded, recorded)
    annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
    name, namespace = meta.get("name", "?"), meta.get("namespace")
    fix = _annotate_fix(name, namespace, recorded)
    if MODE_ANNOTATION not in annotations:
        default = LEGACY_MODES.get(cluster_default, cluster_default)
        if default not in (STANDARD, MODEL_MESH) or default == recorded:
            return
        raise ServingError(
            f"InferenceService {name!r} runs in {recorded} mode but names no {MODE_ANNOTATION} annotation, and the "
            f"cluster's defaultDeploymentMode is {default}: KServe v0.20.0's webhook writes {default} into every "
            "update of it, which its validator refuses (\"update rejected: deploymentMode cannot be changed from "
            f"'{recorded}' to '{default}'\"; inference_service_defaults.go DefaultInferenceService, "
            f"inference_service_validation.go validateDeploymentMode); nothing written ({fix})")
    asked = annotations.get(MODE_ANNOTATION)
    if LEGACY_MODES.get(asked, asked) != recorded:  # the defaulter maps a legacy name before the check
        raise ServingError(
            f"InferenceService {name!r} runs in {recorded} mode but its {MODE_ANNOTATION} annotation is {asked!r}: "
            "KServe v0.20.0's validator refuses every update of it (\"update rejected: deploymentMode cannot be "
            f"changed from '{recorded}' to '{asked}'\"; inference_service_validation.go validateDeploymentMode); "
            f"nothing written ({fix})")


# KServe v0.20.0 pkg/constants/constants.go DisableAutoUpdateAnnotationKey
DISABLE_AUTO_UPDATE_ANNOTATION = "serving.kserve.io/disable-auto-update"


def being_deleted(isvc: dict[str, Any] | None) -> str:
    """``metadata.deletionTimestamp`` of an InferenceService being deleted (its finalizers not all
    removed yet), ``""`` otherwise."""
    return str(((isvc or {}).get("metadata") or {}).get("deletionTimestamp") or "")


def check_reconciled(isvc: dict[str, Any]) -> None:
    """Refuse (ServingError, nothing written) a service KServe v0.20.0 no longer reconciles, where
    every write of a rollout would be waited for until its timeout
    (``pkg/controller/v1beta1/inferenceservice/controller.go`` ``Reconcile``): one being deleted
    (``deletionTimestamp`` set: "Stop reconciliation as the item is being deleted" — it stays
    while another finalizer is pending) and one with ``serving.kserve.io/disable-auto-update:
    "true"`` — exactly that text (controller.go:218 ``disableAutoUpdate == "true"``) — while it is
    Ready (its ``Ready`` condition True: the reconcile is skipped)."""
    name = (isvc.get("metadata") or {}).get("name", "?")
    if when := being_deleted(isvc):
        finalizers = (isvc.get("metadata") or {}).get("finalizers") or []
        waiting = f" (finalizers {', '.join(map(str, finalizers))} pending)" if finalizers else ""
        raise ServingError(f"InferenceService {name!r} is being deleted (deletionTimestamp {when}){waiting}: KServe "
                           "no longer reconciles it, so no traffic change would ever be routed; nothing written "
                           "(deploy again once it is gone: a first deployment creates it anew)")
    annotations = (isvc.get("metadata") or {}).get("annotations") or {}
    ready = any(isinstance(c, dict) and c.get("type") == "Ready" and c.get("status") == "True"
                for c in ((isvc.get("status") or {}).get("conditions") or []))
    # exactly "true", as controller.go compares it: "True" is reconciled
    if annotations.get(DISABLE_AUTO_UPDATE_ANNOTATION) == "true" and ready:
        namespace = (isvc.get("metadata") or {}).get("namespace")
        where = f" -n {namespace}" if namespace else ""
        raise ServingError(f"InferenceService {name!r} has the annotation {DISABLE_AUTO_UPDATE_ANNOTATION}: "
                           "\"true\": KServe skips reconciling it while it is Ready, so no traffic change would "
                           "ever be routed; nothing written (remove the annotation to roll out: kubectl annotate "
                           f"isvc {name}{where} {DISABLE_AUTO_UPDATE_ANNOTATION}-)")


def knative_template(template: dict[str, Any]) -> dict[str, Any]:
    """A copy of a caller's InferenceService ``template`` (``rollout.deploy(template=)``) held to
    Knative mode: refused (ServingError, nothing written) when its ``MODE_ANNOTATION`` asks for
    another mode — created there, KServe would ignore canaryTrafficPercent and report no
    traffic[], and the deploy waited out its timeout — and given ``Knative`` when it has none, as
    :func:`inference_service` writes it: without it KServe v0.20.0 takes the cluster's
    ``defaultDeploymentMode`` (ConfigMap ``inferenceservice-config``, key ``deploy``;
    ``pkg/controller/v1beta1/inferenceservice/utils/utils.go`` ``GetDeploymentMode``), Standard
    on many clusters."""
    body = copy.deepcopy(template)
    metadata = body.setdefault("metadata", {})
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict):
        annotations = metadata["annotations"] = {}
    asked = annotations.get(MODE_ANNOTATION)
    check_tag_routing_name(str(metadata.get("name") or ""), str(annotations.get(TAG_ROUTING_ANNOTATION)) == "true")
    if asked in (None, ""):
        annotations[MODE_ANNOTATION] = KNATIVE
        return body
    mode = LEGACY_MODES.get(str(asked), str(asked))
    if mode != KNATIVE:
        shown = f"{mode} ({asked})" if asked != mode else mode
        raise ServingError(
            f"the InferenceService template {metadata.get('name', '?')!r} asks for deploymentMode {shown} "
            f"({MODE_ANNOTATION}), where KServe ignores canaryTrafficPercent and reports no traffic[]: a canary "
            f"would silently get 0 % or 100 %; set it to {KNATIVE} or leave it out (ctloop then writes "
            f"{KNATIVE}); nothing written")
    return body


def percent_problem(value: Any) -> str:
    """Why ``value``, read back as a live spec's ``canaryTrafficPercent``, is no share KServe can
    route, ``""`` when it is one (a whole number 0..100). The CRD types it int64 with no bounds
    (KServe v0.20.0 ``pkg/apis/serving/v1beta1/component.go`` ``CanaryTrafficPercent *int64``, no
    webhook check), so ``kubectl patch`` keeps -5 or 150; KServe hands it to the Knative Service's
    traffic targets, whose webhook refuses a percent outside 0..100 (knative-v1.21.1
    ``pkg/apis/serving/v1/route_validation.go`` ``validateTrafficPercentage``): that split never
    comes. A string or a fraction only a server that is no Kubernetes API server keeps."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{value!r} is not a whole number"
    if not 0 <= value <= 100:
        return (f"{value} is outside 0..100 (Knative refuses such a traffic target: "
                "route_validation.go validateTrafficPercentage)")
    return ""


def check_promotable(isvc: dict[str, Any]) -> None:
    """Refuse to promote a canary that was pinned back to 0 %: removing canaryTrafficPercent
    would send 100 % to the model the spec still names — the one that was rolled back."""
    predictor = (isvc.get("spec") or {}).get("predictor") or {}
    if predictor.get("canaryTrafficPercent") == 0:
        name = (isvc.get("metadata") or {}).get("name", "?")
        raise ServingError(
            f"InferenceService {name!r} has canaryTrafficPercent 0: its canary (version "
            f"{spec_version(isvc) or '?'}) was rolled back, and promoting would give that version "
            "100 %; finish the rollback durably with `make rollback` / `ctloop rollout rollback`, "
            "or resume the canary on purpose first (`ctloop rollout canary --percent N --force`)"
        )


EXAMPLE_SHA256 = {
    "1": "3b1f5a0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a",
    "2": "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d",
}


def example_states(namespace: str = "ctloop") -> dict[str, dict[str, Any]]:
    """The four states for people to read (manifests/examples, checked by tests) and for tests."""
    root = "gs://ctloop-mlflow-artifacts/1/{run}/artifacts/model-joblib"
    v1 = root.format(run="0f3c9a1b2c4d4e5f8a9b0c1d2e3f4a5b")
    v2 = root.format(run="7d4e5f6a7b8c4d9e0f1a2b3c4d5e6f7a")
    # sha256 of each version's model.skops, as MlflowRegistry.serving_sha256 returns them
    sha1, sha2 = EXAMPLE_SHA256["1"], EXAMPLE_SHA256["2"]
    logger = f"http://ctloop-inference-log.{namespace}.svc.cluster.local"
    base = inference_service("credit-default", namespace=namespace, model_name="credit-default", version="1",
                             storage_uri=v1, service_account="ctloop-model-reader", max_replicas=3,
                             logger_url=logger, model_sha256=sha1)
    canary = merge_patch(base, canary_patch(version="2", storage_uri=v2, percent=10,
                                            model_sha256=sha2))
    promoted = merge_patch(canary, promote_patch())
    rolled_back = canary
    for patch in (pin_back_patch(), restore_patch(version="1", storage_uri=v1, model_sha256=sha1),
                  promote_patch()):
        rolled_back = merge_patch(rolled_back, patch)
    return {"initial": base, "canary-10": canary, "promoted": promoted, "rolled-back": rolled_back}


__all__ = [
    "API_VERSION", "KIND", "RUNTIME", "VERSION_LABEL", "MODEL_LABEL", "VERSION_ANNOTATION", "inference_service", "canary_patch", "traffic_patch",
    "promote_patch", "pin_back_patch", "restore_patch", "switch_patch", "spec_version", "merge_patch", "check_deployment_mode", "example_states",
    "SHA256_ANNOTATION", "MODE_ANNOTATION", "RETRY_ANNOTATION", "retry_patch", "KNATIVE", "STANDARD", "deployment_mode",
    "check_promotable", "relabel_patch", "names_version", "knative_template",
    "check_tag_routing_name", "TAG_ROUTING_ANNOTATION", "tag_host_label", "check_tag_host", "tag_host_problem",
    "NETWORK_CONFIG", "cluster_local", "route_templates", "VISIBILITY_LABELS", "DOMAIN_CONFIG",
    "CLUSTER_LOCAL_DOMAIN", "route_domain", "route_labels", "knative_cluster_domain", "DEFAULT_CLUSTER_DOMAIN",
    "DISABLE_AUTO_UPDATE_ANNOTATION", "being_deleted", "check_reconciled",
    "KSERVE_CONFIG", "KSERVE_NAMESPACES", "check_update_admitted", "mode_change_refused", "legacy_mode_rewrite", "deploy_config_refused", "KSERVE_NAMESPACE_ENV",
    "kserve_config_namespaces", "DEPLOY_CONFIG_KEY", "default_deployment_mode", "read_deploy_config",
    "KSERVE_CONFIG_READER", "ClusterDefault", "percent_problem",
]
