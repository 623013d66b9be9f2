"""KfpApiDouble: an in-process test DOUBLE of the KFP v2beta1 REST API, on loopback.

No KFP API server can run here, so the real ``kfp.Client`` talks to this small HTTP server. It
implements the endpoints ctloop uses with the API contract of KFP 2.17 (see
shared/notes/reliability.md §4 and ``backend/src/apiserver/server/pipeline_upload_server.go``):

* ``GET /apis/v2beta1/healthz`` answers what ``newHealthzResponse`` in
  ``backend/src/apiserver/main.go`` (kubeflow/pipelines 2.17.0) writes: ``commit_sha``,
  ``tag_name`` (the ``TAG_NAME`` build argument of ``backend/Dockerfile``: the release, e.g.
  ``2.17.0``; ``unknown`` in dev builds), ``multi_user``, ``pipeline_store``. The generated
  ``kfp_server_api`` model keeps only the last two; the version is in the raw JSON;
* multipart pipeline upload (field ``uploadfile``, a ``.yaml`` file that parses as a KFP pipeline
  spec) with unique pipeline names; the first version gets the pipeline's name and description;
  ``upload_version`` needs ``pipelineid`` and a unique version name;
* list pipelines / versions / experiments / recurring runs with ``display_name`` EQUALS filters;
  every list is paged as the server pages it (``page_size``, 20 by default and 200 at most, an opaque
  ``next_page_token`` while more follow), versions oldest first (the server's default order);
* pipelines and pipeline versions get; experiments create/list/get; recurring runs create/list/get/enable/disable/delete; runs
  create/list/get (with ``run_details.task_details`` for seeded runs).

Recurring-run bodies are checked: ``max_concurrency`` 1-10, ``no_catchup`` sent explicitly, a
cron trigger with **6 fields**: stricter than the real server, which also accepts 5 fields and
silently reads them seconds-first (``lenient_cron=True`` mimics that). Every request is recorded
in ``calls`` (method, path, query, body, headers) so tests can assert bodies, auth and order. It
keeps no state on disk.

What sits in front of a real KFP (all optional, for the authentication tests):

* ``path_prefix="/pipeline"``: the API is served under a prefix, as behind Kubeflow's Istio
  ingress (``url`` includes it; ``root_url`` does not). Any other path is an ingress 404;
* ``tokens={token: access}`` — bearer tokens the ingress knows. ``"ok"``: authenticated and
  authorised; ``"ingress-deny"``: Istio's DENY AuthorizationPolicy answers ``403 RBAC: access
  denied`` on every path (kubeflow/manifests
  ``common/oauth2-proxy/components/istio-external-auth/authorizationpolicy.istio-ingressgateway-require-jwt.yaml``);
  ``"kfp-deny"``: the ingress lets it through, the KFP API server's SubjectAccessReview denies
  every resource call (healthz stays open) with the grpc-gateway body of a ``PermissionDenied``
  ``UserError`` (``backend/src/apiserver/resource/resource_manager.go`` ``IsAuthorized``,
  ``backend/src/common/util/error.go``); ``"kfp-audience"``: reached without Istio (a port-forward, the
  in-cluster Service), so no ``kubeflow-userid`` header, and the token is a ServiceAccount token of the
  API server's default audience: KFP's ``TokenReviewAuthenticator`` (2.17.0 ``auth/
  authenticator_token_review.go``, audience ``pipelines.kubeflow.org``: ``common/const.go``
  ``DefaultTokenReviewAudience``) gets ``Authenticated: false`` from Kubernetes (``pkg/serviceaccount/jwt.go``
  "token audiences %q is invalid for the target audiences %q"), so ``IsAuthorized`` answers every resource
  call (healthz stays open) ``Unauthenticated`` (401, gRPC 16) with the aggregate of both authenticators'
  errors in its chain. An unknown token gets Istio's ``401 Jwt verification
  fails``; ``expire_after=N``: the tokens expire after the ingress let N requests through with one
  (a ServiceAccount token's hour ends mid-command): Istio's RequestAuthentication (Envoy jwt_authn)
  then answers ``401 Jwt is expired`` (google/jwt_verify_lib ``src/status.cc`` ``JwtExpired``);
  ``expired_by="oauth2-proxy"``: the bearer token is checked by oauth2-proxy instead
  (``skip_jwt_bearer_tokens``), whose ``pkg/middleware/jwt_session.go`` ``loadSession`` (v7.10.0) logs a
  token that fails to verify and goes on without a session unless ``bearer_token_login_fallback`` is false
  (since v7.9.0, default true): an expired token is answered as a request without one (``unauthenticated``
  below: 401 ``{}``, a redirect to the login page, or the sign-in page); ``login_fallback=False`` is
  ``bearer_token_login_fallback = false`` (oauth2-proxy v7.9.0-v7.15.3 ``pkg/apis/options/options.go``,
  ``OAUTH2_PROXY_BEARER_TOKEN_LOGIN_FALLBACK``; kubeflow/manifests leaves the default): ``loadSession`` then
  answers the token it cannot verify with ``http.Error(rw, "Forbidden", 403)`` (net/http: ``text/plain;
  charset=utf-8``, ``X-Content-Type-Options: nosniff``, body ``Forbidden`` and a newline), no login page;
* ``shared_read=True``: the API server's ``MULTIUSER_SHARED_READ`` (2.17.0 ``common/config.go``): ``IsAuthorized``
  (``resource/resource_manager.go``) lets every ``get`` and ``list`` through before it looks for an identity,
  so a ``"kfp-audience"`` or ``"kfp-deny"`` token reads everything and only its writes are refused;
* ``central_dashboard=True`` (with ``path_prefix``): Kubeflow's ingress, where every path outside the prefix
  reaches the central dashboard (kubeflow/manifests: its VirtualService matches ``prefix: /``; kubeflow/dashboard
  ``components/centraldashboard/app/server.ts``: ``app.get('/*', ...)`` sends ``index.html``), so a wrong path is
  ``200`` with its page (``<title>Kubeflow Central Dashboard</title>``), not a 404, for GET and HEAD; any other
  method there is Express' 404 (:func:`express_not_found`); else an ingress 404;
* ``unauthenticated`` — the answer to a request *without* a token, from oauth2-proxy
  (``oauthproxy.go`` ``Proxy``, kubeflow/manifests ``common/oauth2-proxy/base/oauth2_proxy.cfg``):
  ``"401"`` (``/apis/`` is one of Kubeflow's ``api_routes``: ``errorJSON(401)``, body ``{}``),
  ``"302"`` (``skip_provider_button``: a redirect to ``login_url=/dex/auth``, which serves an
  HTML login page), ``"403"`` (the HTML sign-in page with status 403);
* ``multi_user=True``: healthz says so and experiments/runs need a namespace (the API server's
  ``An experiment cannot have an empty namespace in multi-user mode``). Pipelines are namespaced
  as in 2.17.0 ``backend/src/apiserver/server/pipeline_upload_server.go`` (``UploadPipeline``:
  the ``namespace`` query, kept only in multi-user mode by ``ReplaceNamespace`` in
  ``resource/resource_manager.go``; empty = a shared pipeline) and ``pipeline_server.go``
  (``listPipelines``: the pipelines of exactly the namespace asked for, shared ones for none);
  names are unique per namespace (``model/pipeline.go``: ``uniqueIndex:namespace_name``).
  ``require_namespace_for_pipelines`` is the server's ``REQUIRE_NAMESPACE_FOR_PIPELINES``
  (``common/config.go``, default off: ``validation/namespace.go`` ``ValidateNamespaceRequired``);
  ``pipeline_denied`` holds the namespaces whose SubjectAccessReview denies creating pipelines
  (``canUploadVersionedPipeline``): the upload server answers ``400`` with the v1beta1 ``Error``
  body ``{"error_message": "Failed to create a pipeline", ...}`` (``writeErrorToResponse``), and so it
  answers a ``"kfp-audience"`` or ``"kfp-deny"`` token's upload into a namespace: ``canUploadVersionedPipeline``
  hands ``IsAuthorized``'s Unauthenticated or PermissionDenied alike to that one 400 (into no namespace,
  a shared pipeline, it asks nothing);
* ``open_healthz``: the proxy lets ``/apis/v2beta1/healthz`` through without a token (a health
  check route exempted from authentication, e.g. oauth2-proxy ``skip_auth_routes``), and answers
  every other request as configured above;
* lengths as the 2.17.0 server and its MySQL 8.4 store them (``LENGTH_SPECS``, ``MYSQL_CHARS``): a pipeline,
  version or experiment name over its limit is refused; a recurring run's or run's display name or
  description over 255 characters fails to store (500) after its ScheduledWorkflow/workflow was made,
  which is kept in ``orphans``; ``uuid_ids=True``: ids are UUIDs, as the server's (36 characters);
* ``pipeline_store="kubernetes"``: pipelines and versions kept as Kubernetes objects (healthz says so,
  2.17.0 ``main.go`` ``newHealthzResponse``): a pipeline's name must be a DNS-1123 subdomain
  (``storage/pipeline_store_kubernetes.go`` ``CreatePipeline``, ``validation.IsDNS1123Subdomain``), a
  version's too, and ``<pipeline>-<version>`` when the two differ (``crd/kubernetes/v2beta1/
  pipeline_version_name.go`` ``NewPipelineVersionName``); the InvalidInputError reaches the upload server,
  which answers 400 with its external message (``pipeline_upload_server.go``);
* ``delay`` seconds before every answer (timeouts); ``reply_delay`` (``{"POST /runs": 2.0}``, a
  path under ``/apis/v2beta1``): seconds between doing a request and answering it (the run exists,
  the answer is late: a client that timed out does not know).
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import re
import threading
import time
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import yaml

from tests.fixtures.servers import InThreadServer

# HTTP status -> gRPC code, the inverse of grpc-gateway v2 runtime.HTTPStatusFromCode for the
# codes the API server answers with (InvalidArgument, Unauthenticated, PermissionDenied,
# NotFound, AlreadyExists, Internal); 2 = Unknown
GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 500: 13}

PREFIX = "/apis/v2beta1"

# The external (user-facing) message of each UserError constructor of 2.17.0 backend/src/common/util/error.go,
# by the tag the constructor writes into the internal chain: a fixed text, or None for "what follows the tag"
# (NewInvalidInputError, NewResourceNotFoundError, NewAlreadyExistError: the tag ends the chain; the wrapping
# constructors, PermissionDenied and the like, write "<tag>: <external>: <cause>" and are given explicitly).
USER_ERROR_TAGS = {"InternalServerError: ": "Internal Server Error", "ServiceUnavailable: ": "Service unavailable",
                   "Invalid input error: ": None, "ResourceNotFoundError: ": None, "Already exist error: ": None}


def external_message(chain: str) -> str:
    """The message a 2.17.0 UserError whose ``Error()`` is ``chain`` shows its user: the external message of
    the outermost constructor in the chain (``util.Wrap`` keeps the wrapped error's, a constructor taking a
    cause sets its own), so the leftmost tag decides. A chain without a tag is the double's own refusal of a
    body it does not model: taken as an InvalidInputError of that text."""
    found = [(chain.find(tag), tag) for tag in USER_ERROR_TAGS if tag in chain]
    if not found:
        return chain
    at, tag = min(found)
    return USER_ERROR_TAGS[tag] or chain[at + len(tag):]


def status_body(code: int, chain: str, external: str = "") -> dict:
    """The JSON body of a UserError answered through grpc-gateway, as 2.17.0 writes it: the interceptor's
    ``util.ToGRPCError`` (``interceptor.go``) takes ``UserError.GRPCStatus`` (``common/util/error.go``): the
    status message is the whole internal chain, its one detail a ``google.rpc.Status`` with the external
    message; grpc-gateway v2.28.0 ``runtime/errors.go`` ``DefaultHTTPErrorHandler`` marshals ``s.Proto()``
    with the server's ``CustomMarshaler`` (``apiserver/common/utils.go``: proto names, unpopulated fields left
    out)."""
    return {"code": code, "message": chain, "details": [
        {"@type": "type.googleapis.com/google.rpc.Status", "code": code, "message": external or external_message(chain)}
    ]}


# 2.17.0 resource_manager.go IsAuthorized: NewUnauthenticatedError(aggregate of the authenticators' errors,
# "Failed to check authorization. ..."), wrapped by the server's "Failed to authorize with API"; the header
# authenticator's IdentityHeaderMissingError (auth/auth.go), the token review's (authenticator_token_review.go
# doTokenReview, wrapped "Authentication failure") with the TokenReview's status.error
WRONG_AUDIENCE = (
    "Failed to authorize with API: Unauthenticated: Failed to check authorization. User identity is empty in the "
    "request header: [Unauthenticated: Request header error: there is no user identity header.: Request header "
    "error: there is no user identity header., Authentication failure: Unauthenticated: Review.Status.Authenticated "
    'is false. Error [invalid bearer token, token audiences ["https://kubernetes.default.svc.cluster.local"] is '
    'invalid for the target audiences ["pipelines.kubeflow.org"]]: Failed to authenticate token review]'
)


class NoRoute(Exception):
    """A path no handler serves: grpc-gateway's own 404 (``runtime/mux.go``: ``codes.NotFound``, "Not Found",
    no details), not a resource the server looked up."""
# kubeflow/pipelines 2.17.0 backend/src/apiserver/validation/length.go LengthSpecs: checked by the API
# server on Go's len() (bytes of UTF-8) before storing
LENGTH_SPECS = {"Pipeline.Name": 128, "PipelineVersion.Name": 127, "Experiment.Name": 128}
# the MySQL columns (varchar(N): N characters) of 2.17.0 model/*.go; a string field without a size is
# varchar(255) (client_manager/client_manager.go DefaultStringSize: 255), and MySQL 8.4 (the manifests'
# mysql:8.4, strict mode by default) refuses a longer value: Error 1406 "Data too long for column"
MYSQL_CHARS = {"PipelineVersion.Name": 127, "Job.DisplayName": 255, "Job.Description": 255,
               "Run.DisplayName": 255, "Run.Description": 255}


# Letters the Unicode Collation Algorithm's default table (allkeys-9.0.0.txt, DUCET 9.0.0: the table MySQL
# 8.0's utf8mb4_0900_ai_ci implements) gives the primary weights of other letters, their difference being
# secondary or tertiary only, so an _ai_ci comparison takes them for these: ł (U+0142) = l, ø (U+00F8) = o,
# đ (U+0111) = d, ð (U+00F0) = d (each the letter's primary plus a secondary weight), æ (U+00E6) = ae and
# œ (U+0153) = oe (the two letters' primaries, tertiary variants), the soft hyphen (U+00AD) ignorable.
# Not þ (U+00FE, ``00FE ; [.1F50.0020.0002]``): a primary of its own, after t's 1E95, so þór is not thor.
# Unicode's decompositions leave every one of them as it is (NFKD), and ctloop's own approximation
# (platform.collation_key) uses those: a lookup that relied on it misses them.
UCA_900_PRIMARY = {"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "\u00ad": ""}


def _primary(text: str) -> str:
    """``text`` at the primary strength of the Unicode Collation Algorithm, as ``utf8mb4_0900_ai_ci``
    compares it (MySQL 8.0 reference, "Unicode Character Sets": ``_ai`` accent-insensitive, ``_ci``
    case-insensitive, ``ß`` = ``ss``; NO PAD: trailing spaces count): casefolded, the pinned DUCET
    equalities of :data:`UCA_900_PRIMARY`, then without the combining marks of the decomposition."""
    folded = "".join(UCA_900_PRIMARY.get(c, c) for c in text.casefold())
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def _same(stored: Any, value: Any) -> bool:
    """Equal as KFP's MySQL 8 compares strings by default (``utf8mb4_0900_ai_ci``: the manifests' MySQL 8,
    the database created without a collation by 2.17.0 ``client_manager/client_manager.go``): case and
    accents aside."""
    return stored is not None and _primary(str(stored)) == _primary(str(value))


def _not_json(constant: str) -> Any:
    raise ValueError(constant)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# v2beta1 run keys a run list sorts by (2.17.0 model/run.go runAPIToModelFieldMap, those the double stores)
RUN_SORT_FIELDS = {"run_id": "run_id", "display_name": "display_name", "created_at": "created_at",
                   "description": "description", "state": "state"}


def _sorted_runs(items: list[dict], sort_by: str) -> list[dict]:
    """``items`` in the order the API server lists runs for ``sort_by`` (``"<field> [asc|desc]"``): 2.17.0
    ``list/list.go`` ``AddSortingToSelect`` orders by the field, then by the run's UUID, both in the one
    direction given, and without ``sort_by`` by ``model/run.go`` ``DefaultSortField`` (``CreatedAtInSec``:
    whole seconds) ascending. So runs created in one second come in the order of their ids, not of their
    stores; a ``ValueError`` (the server's InvalidInputError, 400) for a malformed one or a field runs
    cannot be sorted by."""
    words = sort_by.lower().split()  # NewOptions: case ignored, split on blanks
    if len(words) > 2 or (len(words) == 2 and words[1] not in ("desc", "asc")):
        raise ValueError(f"Received invalid sort by format {sort_by!r}. Supported format: \"field_name\", "
                         "\"field_name desc\", or \"field_name asc\"")
    field = words[0] if words else "created_at"
    if field not in RUN_SORT_FIELDS:
        raise ValueError(f"Invalid sorting field: {field!r} on listable type Run")
    direction = words[1] if len(words) == 2 else "asc"
    column = RUN_SORT_FIELDS[field]
    return sorted(items, key=lambda r: (str(r.get(column) or ""), _id_order(r["run_id"])), reverse=direction == "desc")


def _id_order(rid: str) -> tuple[int, str]:
    """How the database orders run id ``rid`` (a string column): as text, except the double's own ids
    (``run-<n>``, :meth:`KfpApiDouble.new_id`), which stand for ids drawn one after another (as version-7
    UUIDs, ctloop's, compare) and compare by ``n``, so runs seeded in one second list in the order seeded."""
    kind, _, n = rid.rpartition("-")
    return (int(n), "") if kind == "run" and n.isdigit() else (-1, rid)


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class State:
    pipelines: dict[str, dict] = field(default_factory=dict)
    versions: dict[str, list[dict]] = field(default_factory=dict)
    experiments: dict[str, dict] = field(default_factory=dict)
    recurring: dict[str, dict] = field(default_factory=dict)
    runs: dict[str, dict] = field(default_factory=dict)
    # Argo workflows one-time-run creates made ({"run_id", "display_name"}), stored run or not
    workflows: list[dict] = field(default_factory=list)


LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>dex</title></head><body><h2>Log in to Your Account</h2>"
    '<form method="post"><input name="login"><input name="password" type="password"></form>'
    "</body></html>"
)
CENTRAL_DASHBOARD_PAGE = (
    "<!doctype html><html><head><title>Kubeflow Central Dashboard</title></head>"
    "<body><main-page></main-page></body></html>"
)


def express_not_found(method: str, url: str) -> str:
    """What an Express 4 app (the central dashboard: ``express ^4.22``) answers a request no route takes: HTTP 404
    from finalhandler 1.3 (``index.js``: ``createHtmlDocument('Cannot ' + method + ' ' + url)``, with
    ``Content-Security-Policy: default-src 'none'`` and ``X-Content-Type-Options: nosniff``)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n'
        f"<body>\n<pre>Cannot {html.escape(method)} {html.escape(url)}</pre>\n</body>\n</html>\n"
    )


SIGN_IN_PAGE = (
    "<!DOCTYPE html><html lang=\"en\"><head><title>Sign In</title></head><body>"
    '<form action="/oauth2/start" method="GET"><button type="submit">Sign in with Dex</button>'
    "</form></body></html>"
)


class KfpApiDouble(InThreadServer):
    def __init__(
        self,
        lenient_cron: bool = False,
        *,
        tag_name: str = "2.17.0",
        commit_sha: str = "4a3592cb",
        multi_user: bool = False,
        path_prefix: str = "",
        tokens: dict[str, str] | None = None,
        unauthenticated: str = "401",
        delay: float = 0.0,
        require_namespace_for_pipelines: bool = False,
        pipeline_denied: frozenset[str] | set[str] = frozenset(),
        open_healthz: bool = False,
        reply_delay: dict[str, float] | None = None,
        uuid_ids: bool = False,
        expire_after: int | None = None,
        expired_by: str = "istio",
        pipeline_store: str = "database",
        login_fallback: bool = True,
        shared_read: bool = False,
        central_dashboard: bool = False,
    ):
        if unauthenticated not in ("401", "302", "403"):
            raise ValueError(f"unauthenticated: 401, 302 or 403, not {unauthenticated!r}")
        self.lenient_cron = lenient_cron
        self.tag_name = tag_name
        self.commit_sha = commit_sha
        self.multi_user = multi_user
        self.path_prefix = path_prefix.rstrip("/")
        self.tokens = tokens
        self.unauthenticated = unauthenticated
        self.delay = delay
        self.require_namespace_for_pipelines = require_namespace_for_pipelines
        self.pipeline_denied = set(pipeline_denied)
        self.open_healthz = open_healthz
        self.reply_delay = dict(reply_delay or {})
        self.uuid_ids = uuid_ids
        self.expire_after = expire_after
        if expired_by not in ("istio", "oauth2-proxy"):
            raise ValueError(f"expired_by: istio or oauth2-proxy, not {expired_by!r}")
        self.expired_by = expired_by
        self.login_fallback = login_fallback
        self.shared_read = shared_read
        self.central_dashboard = central_dashboard
        # the access of the token of the request being dispatched ("kfp-audience", "kfp-deny", ...; None: no
        # token, or no tokens modelled): what the upload server's own authorization looks at
        self.caller: str | None = None
        if pipeline_store not in ("database", "kubernetes"):
            raise ValueError(f"pipeline_store: database or kubernetes, not {pipeline_store!r}")
        self.pipeline_store = pipeline_store
        self.accepted = 0  # requests the ingress let through with a token
        # the next n run creates fail to store the run after making its workflow (500, as a MySQL lock
        # wait timeout does)
        self.fail_run_store = 0
        self.state = State()
        self.calls: list[Call] = []
        # what KFP created in Kubernetes before a store that failed: (kind, id it was sent as, display name)
        self.orphans: list[tuple[str, str, str]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        """The KFP host to give ``kfp.Client`` (with the path prefix, if any)."""
        return self.root_url + self.path_prefix

    def new_id(self, kind: str) -> str:
        """``<kind>-<n>``; with ``uuid_ids`` the real server's: a random UUID, 36 characters (2.17.0
        ``storage/pipeline_store.go`` ``s.uuid.NewRandom()``; a recurring run's is its ScheduledWorkflow's UID)."""
        if self.uuid_ids:
            import uuid

            return str(uuid.uuid4())
        return f"{kind}-{next(self._ids)}"

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.method in ("POST", "DELETE")]

    # ------------------------------------------------------------------ request handling
    def _handler(self):
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                return

            def _reply(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if isinstance(payload, dict) and payload.get("code") == 16:
                    # grpc-gateway v2.28.0 (2.17.0's go.mod) runtime/errors.go DefaultHTTPErrorHandler:
                    # codes.Unauthenticated sets WWW-Authenticate to the status message
                    self.send_header("WWW-Authenticate", str(payload.get("message", "")))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _error(self, status: int, message: str, external: str = "") -> None:
                # grpc-gateway v2 (v2.28.0, KFP 2.17.0 backend/src/apiserver/main.go NewServeMux with
                # no error handler: runtime/errors.go DefaultHTTPErrorHandler) writes the
                # google.rpc.Status: the gRPC code, not the HTTP status, and no "error" field; the API
                # server's UserError adds its external message as the one detail (status_body)
                self._reply(status, status_body(GRPC_CODES.get(status, 2), message, external))

            def _gateway_error(self, status: int, message: str) -> None:
                # an error of grpc-gateway itself (a body it cannot parse, a path it has no route for):
                # status.Errorf, no details, so the marshaler (EmitUnpopulated false) leaves "details" out
                self._reply(status, {"code": GRPC_CODES.get(status, 2), "message": message})

            def _raw(self, status: int, ctype: str, text: str, headers=()) -> None:
                data = text.encode()
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _ingress(self, path: str, query: str, headers: dict[str, str]) -> bool:
                """What Istio/oauth2-proxy/dex answer before the API server; True = answered."""
                if path.startswith("/dex/"):
                    self._raw(200, "text/html; charset=utf-8", LOGIN_PAGE)
                    return True
                healthz = path == double.path_prefix + PREFIX + "/healthz"
                if double.tokens is not None and not (double.open_healthz and healthz):
                    auth = headers.get("authorization", "")
                    token = auth[7:] if auth.startswith("Bearer ") else ""
                    access = double.tokens.get(token) if token else None
                    if access is not None and double.expire_after is not None:
                        if double.accepted >= double.expire_after:
                            if double.expired_by == "oauth2-proxy" and not double.login_fallback:
                                # jwt_session.go loadSession with denyInvalidJWTs: http.Error, no login page
                                self._raw(403, "text/plain; charset=utf-8", "Forbidden\n",
                                          [("X-Content-Type-Options", "nosniff")])
                                return True
                            if double.expired_by == "oauth2-proxy":  # no session: as if none was sent
                                token, access = "", None
                            else:
                                self._raw(401, "text/plain", "Jwt is expired", [(
                                    "www-authenticate",
                                    'Bearer realm="kubeflow", error="invalid_token"',
                                )])
                                return True
                        else:
                            double.accepted += 1
                    if token and access is None:
                        self._raw(401, "text/plain", "Jwt verification fails", [(
                            "www-authenticate",
                            'Bearer realm="kubeflow", error="invalid_token"',
                        )])
                        return True
                    if not token:
                        if double.unauthenticated == "302":
                            target = urllib.parse.quote(path + (f"?{query}" if query else ""))
                            location = (
                                "/dex/auth?client_id=kubeflow-oidc-authservice&redirect_uri="
                                f"%2Foauth2%2Fcallback&response_type=code&scope=profile+email+"
                                f"groups+openid&state=rd%3D{target}"
                            )
                            self._raw(302, "text/html; charset=utf-8",
                                      f'<a href="{location}">Found</a>.', [("Location", location)])
                        elif double.unauthenticated == "403":
                            self._raw(403, "text/html; charset=utf-8", SIGN_IN_PAGE)
                        else:
                            self._raw(401, "application/json", "{}")
                        return True
                    if access == "ingress-deny":
                        self._raw(403, "text/plain", "RBAC: access denied")
                        return True
                if not path.startswith(double.path_prefix + PREFIX + "/"):
                    if double.central_dashboard and self.command in ("GET", "HEAD"):
                        # its VirtualService's prefix "/" takes every other path; server.ts app.get('/*') sends
                        # index.html, and Express 4 routes a HEAD to a GET route (lib/router/route.js _handles_method)
                        self._raw(200, "text/html; charset=UTF-8", CENTRAL_DASHBOARD_PAGE)
                    elif double.central_dashboard:  # no route for the method: Express' finalhandler 404
                        self._raw(404, "text/html; charset=utf-8", express_not_found(self.command, self.path),
                                  [("Content-Security-Policy", "default-src 'none'"),
                                   ("X-Content-Type-Options", "nosniff")])
                    else:
                        self._raw(404, "", "")  # no route on the ingress gateway
                    return True
                return False

            def _route(self, method: str) -> None:
                # kfp 2.17's kubeconfig route ends in '/' (client.py _KUBE_PROXY_PATH), so its calls
                # arrive as .../ml-pipeline:http/proxy//apis/...; taken as one '/', as the proxy does
                parsed = urllib.parse.urlparse(re.sub("/{2,}", "/", self.path))
                query = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()}
                body: Any = None
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type", "")
                if ctype.startswith("multipart/form-data"):
                    from email.parser import BytesParser
                    from email.policy import default

                    msg = BytesParser(policy=default).parsebytes(
                        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw
                    )
                    body = {}
                    for part in msg.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        body[name] = part.get_payload(decode=True)
                        body[f"{name}.filename"] = part.get_filename() or ""
                elif raw:
                    try:  # grpc-gateway's protojson: JSON only (Python's json also reads NaN and Infinity)
                        body = json.loads(raw, parse_constant=_not_json)
                    except ValueError as exc:
                        return self._gateway_error(400, f"proto: syntax error: invalid value {exc}")
                if double.delay:
                    time.sleep(double.delay)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with double._lock:
                    double.calls.append(Call(method, parsed.path, query, body, headers))
                if self._ingress(parsed.path, parsed.query, headers):
                    return
                path = parsed.path[len(double.path_prefix):]
                auth = headers.get("authorization", "")
                access = double.tokens.get(auth[7:]) if double.tokens is not None else None
                # the upload server authorizes by itself (canUploadVersionedPipeline: 400, see dispatch); with
                # MULTIUSER_SHARED_READ, IsAuthorized lets a get or list through before it looks for an identity
                passed = (path != PREFIX + "/healthz" and access in ("kfp-audience", "kfp-deny") and (
                    (double.multi_user and path in (PREFIX + "/pipelines/upload", PREFIX + "/pipelines/upload_version"))
                    or (double.shared_read and method == "GET")))
                denied = access == "kfp-deny" and not passed
                if access == "kfp-audience" and not passed and path != PREFIX + "/healthz":
                    return self._reply(401, status_body(16, WRONG_AUDIENCE,
                                                        "Failed to check authorization. User identity is empty in "
                                                        "the request header"))
                if denied and path != PREFIX + "/healthz":
                    # IsAuthorized formats the request's *ResourceAttributes with %+v: its String(), the
                    # namespace asked for first
                    message = (
                        "User 'system:serviceaccount:ci:ctloop-deployer' is not authorized with "
                        f"reason:  (request: &ResourceAttributes{{Namespace:{query.get('namespace', '')},Verb:list,"
                        "Group:pipelines.kubeflow.org,Version:v1beta1,Resource:experiments})"
                    )
                    return self._reply(403, {
                        "code": 7,
                        "message": f"Failed to authorize with API: PermissionDenied: {message}: "
                        "Unauthorized access",
                        "details": [{"@type": "type.googleapis.com/google.rpc.Status",
                                     "code": 7, "message": message}],
                    })
                with double._lock:
                    double.caller = access
                    try:
                        status, payload = double.dispatch(method, path, query, body)
                    except NoRoute:
                        return self._gateway_error(404, "Not Found")
                    except KeyError as exc:  # an id the store has not: NewResourceNotFoundError
                        status, payload = 404, {"error": f"ResourceNotFoundError: {exc.args[0]} not found"}
                    except ValueError as exc:
                        status, payload = 400, {"error": str(exc)}
                late = double.reply_delay.get(f"{method} {path[len(PREFIX):]}")
                if late:
                    time.sleep(late)
                try:
                    if "raw" in payload:  # a subclass' answer as it is: (content type, text, headers)
                        self._raw(status, *payload["raw"])
                    elif status >= 400 and "text" in payload:  # http.Error: text/plain (pipeline_upload_server.go)
                        self._raw(status, "text/plain; charset=utf-8", payload["text"] + "\n")
                    elif status >= 400 and "error_message" in payload:
                        self._reply(status, payload)  # the upload server's own (v1beta1) error body
                    elif status >= 400:
                        self._error(status, payload["error"], payload.get("external", ""))
                    else:
                        self._reply(status, payload)
                except (BrokenPipeError, ConnectionResetError):
                    # a late answer the client gave up on: what reply_delay is for (socketserver
                    # printed this traceback from the handler thread, after the test, into another's stderr)
                    if not late:
                        raise

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

            def do_DELETE(self):
                self._route("DELETE")

            def do_HEAD(self):
                self._route("HEAD")  # answered as GET, without the body (_raw, _reply)

        return Handler

    # ------------------------------------------------------------------ API
    @staticmethod
    def _page(items: list[dict], query: dict[str, str], key: str, **extra) -> tuple[int, dict]:
        """One page of ``items`` as the API server answers a list (2.17.0 backend
        ``src/apiserver/list/list.go``: ``validatePageSize`` takes 0 or none as 20 and more than 200 as 200,
        refuses a negative one; ``next_page_token`` opaque, present only while more items follow:
        ``NewToken``/``NextPageToken``). Every v2beta1 list pages so: pipelines, versions, experiments,
        recurring runs, runs."""
        size = int(query.get("page_size") or 0)
        if size < 0:
            raise ValueError(f"The page size should be greater than 0. Got {size}")
        size = min(size or 20, 200)
        start = int(base64.urlsafe_b64decode(query["page_token"]).decode()) if query.get("page_token") else 0
        page = items[start:start + size]
        body = {key: page, "total_size": len(items), **{k: page for k in extra.values()}}
        if start + size < len(items):
            body["next_page_token"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        return 200, body

    @staticmethod
    def _filter(items: list[dict], query: dict[str, str]) -> list[dict]:
        """``EQUALS`` predicates as the API server applies them (2.17.0): on the field the key names
        (``name`` on a pipeline's ``Name``, ``display_name`` on its ``DisplayName``:
        ``model/pipeline.go`` ``pipelineAPIToModelFieldMap``), compared as MySQL 8's default collation
        (``utf8mb4_0900_ai_ci``, the database KFP's manifests deploy) compares: without regard to case."""
        if "filter" not in query:
            return items
        spec = json.loads(query["filter"])
        out = items
        for pred in spec.get("predicates", []):
            op = str(pred.get("operation", "EQUALS"))
            if op not in ("EQUALS", "1"):
                raise ValueError(f"double supports EQUALS filters only, got {op}")
            key, value = pred["key"], pred.get("string_value", pred.get("stringValue"))
            out = [i for i in out if _same(i.get(key), value)]
        return out

    def dispatch(self, method: str, path: str, query: dict, body: Any) -> tuple[int, Any]:
        s = self.state
        if not path.startswith(PREFIX):
            raise NoRoute(path)
        p = path[len(PREFIX) :]
        if p == "/healthz" and method == "GET":
            return 200, {
                "commit_sha": self.commit_sha,
                "tag_name": self.tag_name,
                "multi_user": self.multi_user,
                "pipeline_store": self.pipeline_store,
            }

        # pipelines
        if p == "/pipelines/upload" and method == "POST":
            spec = self._parse_package(body)
            namespace = self._pipeline_namespace(query.get("namespace", ""))
            if namespace in self.pipeline_denied or (namespace and self._caller_refused()):
                return 400, self._upload_error("Failed to create a pipeline")
            name = query.get("name") or spec["pipelineInfo"]["name"]
            if too_long := self._too_long("Pipeline", "Name", name):
                return too_long
            if refused := self._not_k8s_name("pipeline", name):
                return refused
            if len(name) > MYSQL_CHARS["PipelineVersion.Name"]:  # the first version is named after it
                return 500, self._upload_error("Failed to create a pipeline and a pipeline version")
            # Name unique per namespace (model/pipeline.go uniqueIndex:namespace_name), compared as MySQL does
            if any(_same(x["name"], name) and x["namespace"] == namespace for x in s.pipelines.values()):
                return 409, self._upload_error("Failed to create a pipeline and a pipeline version")
            pid = self.new_id("pipeline")
            s.pipelines[pid] = {
                "pipeline_id": pid,
                "display_name": name,
                "name": name,
                "description": query.get("description", ""),
                "created_at": _now(),
                "namespace": namespace,
            }
            s.versions[pid] = [self._version(pid, name, query.get("description", ""), spec)]
            return 200, s.pipelines[pid]
        if p == "/pipelines/upload_version" and method == "POST":
            spec = self._parse_package(body)
            pid = query.get("pipelineid")
            if not pid or pid not in s.pipelines:
                raise ValueError("pipelineid is required and must exist")
            if s.pipelines[pid]["namespace"] in self.pipeline_denied or (
                    s.pipelines[pid]["namespace"] and self._caller_refused()):
                return 400, self._upload_error("Failed to create a pipeline version")
            name = query.get("name") or ""
            if not name:
                raise ValueError("a version name is required")
            if too_long := self._too_long("PipelineVersion", "Name", name):
                return too_long
            pipeline_name = s.pipelines[pid]["name"]
            if refused := self._not_k8s_name("pipeline version", name) or (
                    name != pipeline_name and self._not_k8s_name("combined", f"{pipeline_name}-{name}")):
                return refused
            # 2.17.0 model/pipeline_version.go: Name unique per pipeline (uniqueIndex idx_pipelineid_name);
            # pipeline_upload_server.go UploadPipelineVersion answers AlreadyExists with 409 and the
            # v1beta1 Error body (writeErrorToResponse)
            if any(_same(v["name"], name) for v in s.versions[pid]):
                return 409, self._upload_error("Failed to create a pipeline version")
            version = self._version(pid, name, query.get("description", ""), spec,
                                    display_name=query.get("display_name") or name)
            s.versions[pid].append(version)
            return 200, version
        if p == "/pipelines" and method == "GET":
            namespace = self._pipeline_namespace(query.get("namespace", ""))
            items = [x for x in s.pipelines.values() if x["namespace"] == namespace]
            items = self._filter(items, query)
            return self._page(items, query, "pipelines")
        if p.startswith("/pipelines/") and p.count("/") == 2 and method == "GET":
            return 200, s.pipelines[p.split("/")[2]]  # GetPipeline
        if p.startswith("/pipelines/") and p.count("/") == 4 and "/versions/" in p and method == "GET":
            # GetPipelineVersion (2.17.0 server/pipeline_server.go) reads only the version id
            # (request.GetPipelineVersionId(); the path's pipeline id is not looked at) and the store finds it
            # by id alone (storage/pipeline_store.go GetPipelineVersion: getPipelineVersionByCol("UUID", id,
            # READY)): a version of another pipeline is found too. A missing one: getPipelineVersionByCol's
            # ResourceNotFoundError, wrapped by the resource manager and the server
            vid = p.split("/")[4]
            found = [v for versions in s.versions.values() for v in versions if v["pipeline_version_id"] == vid]
            if not found:
                return 404, {"error": f"Failed to get a pipeline version {vid}: Failed to get a pipeline version with "
                                      f"id {vid}: ResourceNotFoundError: PipelineVersion {vid} not found"}
            return 200, found[0]
        if p.startswith("/pipelines/") and p.endswith("/versions") and method == "GET":
            pid = p.split("/")[2]
            items = self._filter(list(s.versions[pid]), query)
            # the server's default order: created_at ascending (list.go, sort by the model's key)
            items = sorted(items, key=lambda v: v["created_at"] + v["pipeline_version_id"].zfill(8))
            return self._page(items, query, "pipeline_versions")

        # experiments
        if p == "/experiments" and method == "POST":
            if not body.get("display_name"):
                # 2.17.0 api_converter.go toModelExperiment: an InternalServerError wrapping the
                # InvalidInputError, so grpc-gateway answers 500 (Internal)
                return 500, {"error": "[ExperimentServer]: Failed to create a experiment due to conversion error: "
                                      "InternalServerError: Failed to convert API experiment to model experiment: "
                                      "Invalid input error: Experiment must have a non-empty name"}
            self._need_namespace(body.get("namespace", ""), "An experiment")
            name = body["display_name"]
            if any(ord(c) > 0xFFFF for c in name):  # the utf8mb3 connection (see _not_utf8mb3): Error 1366
                return 500, {"error": "Failed to create an experiment: InternalServerError: Failed to create a new "
                                      "experiment: Error 1366 (HY000): Incorrect string value for column 'Name'"}
            if len(name.encode()) > LENGTH_SPECS["Experiment.Name"]:
                # toModelExperiment: ValidateModel's InvalidInputError wrapped in an InternalServerError
                return 500, {"error": "[ExperimentServer]: Failed to create a experiment due to conversion error: "
                                      "InternalServerError: Failed to convert API experiment to model experiment: "
                                      "Invalid input error: "
                                      f"Experiment.Name length cannot exceed {LENGTH_SPECS['Experiment.Name']}"}
            # unique per namespace: model/experiment.go uniqueIndex:idx_name_namespace (2.17.0), compared
            # by MySQL 8's utf8mb4_0900_ai_ci (case and accents aside), as pipeline names are
            if any(_same(e["display_name"], name) and e["namespace"] == body.get("namespace", "")
                   for e in s.experiments.values()):
                # 2.17.0 storage/experiment_store.go CreateExperiment (IsDuplicateError), wrapped by
                # server/experiment_server.go CreateExperiment
                return 409, {"error": "Failed to create a experiment: Already exist error: Failed to create a new "
                                      f"experiment. The name {name} already exists. Please specify a new name"}
            eid = self.new_id("experiment")
            s.experiments[eid] = {
                "experiment_id": eid,
                "display_name": name,
                "description": body.get("description", ""),
                "created_at": _now(),
                "storage_state": "AVAILABLE",
                "namespace": body.get("namespace", ""),
            }
            return 200, s.experiments[eid]
        if p == "/experiments" and method == "GET":
            self._need_namespace(query.get("namespace", ""), "An experiment")
            items = self._filter(list(s.experiments.values()), query)
            if self.multi_user:
                items = [e for e in items if e.get("namespace") == query["namespace"]]
            return self._page(items, query, "experiments")
        if p.startswith("/experiments/") and method == "GET":
            return 200, s.experiments[p.split("/")[2]]
        if p.startswith("/experiments/") and method == "DELETE":
            # 2.17.0 storage/experiment_store.go DeleteExperiment: the experiment row only; its
            # recurring runs and runs stay (and keep their experiment_id)
            del s.experiments[p.split("/")[2]]
            return 200, {}

        # recurring runs
        if p == "/recurringruns" and method == "POST":
            if refused := self._validate_recurring(body):
                return refused
            rid = self.new_id("recurring")
            # resource_manager.go CreateJob names the ScheduledWorkflow from the display name
            # (template/template.go toSWFCRDResourceGeneratedName: lower-cased, [^a-z0-9-] dropped, "job-" when
            # empty, 25 characters) as metadata.generateName; Kubernetes refuses a prefix that does not start
            # with a letter or digit, so nothing is created and the create answers 500
            prefix = re.sub("[^a-z0-9-]+", "", str(body["display_name"]).lower())[:25] or "job-"
            if not prefix[0].isalnum():
                return 500, {"error": "Failed to create a recurring run: InternalServerError: Failed to create a "
                                      "recurring run during scheduling a ScheduledWorkflow: ScheduledWorkflow.kubeflow.org "
                                      f"\"\" is invalid: metadata.generateName: Invalid value: \"{prefix}\": a lowercase "
                                      "RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                                      "'.', and must start and end with an alphanumeric character"}
            # resource_manager.go CreateJob: the ScheduledWorkflow first, then the row (job_store.go CreateJob)
            if column := self._not_utf8mb3(body):
                self.orphans.append(("ScheduledWorkflow", rid, body["display_name"]))
                return 500, {"error": f"Failed to create a recurring run: InternalServerError: Failed to store job "
                                      f"{body['display_name']} to table: Error 1366 (HY000): Incorrect string value "
                                      f"for column '{column}' at row 1"}
            if column := self._data_too_long(body, "Job"):
                self.orphans.append(("ScheduledWorkflow", rid, body["display_name"]))
                return 500, {"error": f"Failed to create a recurring run: InternalServerError: Failed to store job "
                                      f"{body['display_name']} to table: Error 1406 (22001): Data too long for "
                                      f"column '{column}' at row 1"}
            rec = {
                **body,
                "recurring_run_id": rid,
                "status": "ENABLED" if body.get("mode", "ENABLE") == "ENABLE" else "DISABLED",
                "created_at": _now(),
                "updated_at": _now(),
            }
            s.recurring[rid] = rec
            return 200, rec
        if p == "/recurringruns" and method == "GET":
            items = list(s.recurring.values())
            if "experiment_id" in query:
                items = [r for r in items if r.get("experiment_id") == query["experiment_id"]]
            elif self.multi_user:  # job_server.go listJobs (2.17.0): the namespace's recurring runs
                items = [r for r in items
                         if s.experiments.get(r.get("experiment_id"), {}).get("namespace") == query.get("namespace", "")]
            items = self._filter(items, query)
            return self._page(items, query, "recurring_runs", camel="recurringRuns")
        if p.startswith("/recurringruns/") and method == "POST" and p.endswith(":disable"):
            s.recurring[p.split("/")[2].split(":")[0]]["status"] = "DISABLED"
            return 200, {}
        if p.startswith("/recurringruns/") and method == "POST" and p.endswith(":enable"):
            s.recurring[p.split("/")[2].split(":")[0]]["status"] = "ENABLED"
            return 200, {}
        if p.startswith("/recurringruns/") and method == "DELETE":
            rid = p.split("/")[2]
            del s.recurring[rid]
            return 200, {}
        if p.startswith("/recurringruns/") and method == "GET":
            return 200, s.recurring[p.split("/")[2]]

        # runs
        if p == "/runs" and method == "POST":
            if not body.get("display_name"):
                # 2.17.0 api_converter.go toModelRun (v2beta1), before createRun's own check: a 500
                # (NewInternalServerError), wrapped by run_server.go CreateRun as written there
                return 500, {"error": "CreateJob(job.ToV2())Failed to create a run due to conversion error: "
                                      "InternalServerError: Failed to convert a API run detail to its internal "
                                      "representation: Invalid input error: Run name cannot be empty"}
            if not body.get("pipeline_spec") and not (
                body.get("pipeline_version_reference") or {}
            ).get("pipeline_id"):
                raise ValueError("a run needs pipeline_spec or pipeline_version_reference")
            if (eid := body.get("experiment_id")) and eid not in s.experiments:
                # run_server.go CreateRun -> GetValidExperimentNamespacePair, as for a recurring run: 404
                return 404, {"error": "Failed to create a new run: Failed to create a run due to invalid experimentId "
                                      f"and namespace combination: Failed to fetch namespace for experiment {eid}: Failed "
                                      f"to fetch namespace from experiment {eid}: ResourceNotFoundError: Experiment {eid} "
                                      "not found"}
            # a run_id given by the client is the run's (2.17.0 api_converter.go toModelRun: UUID = run_id)
            rid = body.get("run_id") or self.new_id("run")
            # 2.17.0 resource/resource_manager.go CreateRun: the Argo workflow (label pipeline/runid=<run id>,
            # template/v2_template.go) is created BEFORE the row is stored (storage/run_store.go CreateRun), so
            # every 500 below leaves a workflow that report_workflows() settles
            s.workflows.append({"run_id": rid, "display_name": body["display_name"]})
            if self.fail_run_store:
                self.fail_run_store -= 1
                return 500, {"error": f"Failed to create a new run: InternalServerError: Failed to store run "
                                      f"{body['display_name']} to table: Error 1205: Lock wait timeout exceeded"}
            if column := self._not_utf8mb3(body):
                self.orphans.append(("Workflow", rid, body["display_name"]))
                return 500, {"error": f"Failed to create a new run: InternalServerError: Failed to store run "
                                      f"{body['display_name']} to table: Error 1366 (HY000): Incorrect string value "
                                      f"for column '{column}' at row 1"}
            if column := self._data_too_long(body, "Run"):  # CreateRun: the workflow first, then the row
                self.orphans.append(("Workflow", rid, body["display_name"]))
                return 500, {"error": f"Failed to create a new run: InternalServerError: Failed to store run "
                                      f"{body['display_name']} to table: Error 1406 (22001): Data too long for "
                                      f"column '{column}' at row 1"}
            if rid in s.runs:
                return 500, {"error": f"Failed to create a new run: Failed to store run {body['display_name']} to table"}
            s.runs[rid] = {**body, "run_id": rid, "state": "PENDING", "created_at": _now()}
            return 200, s.runs[rid]
        if p == "/runs" and method == "GET":
            if "experiment_id" not in query:
                self._need_namespace(query.get("namespace", ""), "A run")
            elif query["experiment_id"] not in s.experiments:
                # 2.17.0 run_server.go listRuns: GetNamespaceFromExperimentId -> ResourceNotFoundError
                return 404, {"error": "Failed to list runs: Failed to list runs due to error fetching namespace "
                                      f"for experiment {query['experiment_id']}. Try filtering based on namespace: "
                                      f"ResourceNotFoundError: Experiment {query['experiment_id']} not found"}
            items = list(s.runs.values())
            if "experiment_id" in query:
                items = [r for r in items if r.get("experiment_id") == query["experiment_id"]]
            items = self._filter(items, query)
            try:
                items = _sorted_runs(items, query.get("sort_by", ""))
            except ValueError as exc:
                return 400, {"error": f"Failed to list runs: Invalid input error: {exc}"}
            return self._page(items, query, "runs")
        if p.startswith("/runs/") and p.endswith(":terminate") and method == "POST":
            # 2.17.0 run.proto TerminateRun (POST /apis/v2beta1/runs/{run_id}:terminate); run_store.go
            # TerminateRun: CANCELING only from PAUSED/PENDING/RUNNING/unspecified, else InvalidInputError (400)
            rid = p.split("/")[2].removesuffix(":terminate")
            run = s.runs.get(rid)
            if run is None:  # resource_manager.go TerminateRun: GetRun first, ResourceNotFoundError (404)
                return 404, {"error": f"Failed to terminate run {rid}: Failed to terminate run {rid} due to error "
                                      f"fetching the run: ResourceNotFoundError: Run {rid} not found"}
            if run["state"] not in ("PAUSED", "PENDING", "RUNNING", "RUNTIME_STATE_UNSPECIFIED"):
                return 400, {"error": f"Failed to terminate run {rid}: Invalid input error: Failed to terminate a run "
                                      f"{rid}. Row not found"}
            run["state"] = "CANCELING"
            return 200, {}
        if p.startswith("/runs/") and method == "GET":
            return 200, s.runs[p.split("/")[2]]
        raise NoRoute(f"{method} {path}")

    def report_workflows(self) -> dict[str, int]:
        """What the persistence agent's ``ReportWorkflowResource`` (2.17.0 ``resource/resource_manager.go``)
        makes of every workflow a create left: a workflow whose ``pipeline/runid`` has a stored run is that
        run's (adopted: several workflows of one id all run under it), one without is deleted once older than
        ``WORKFLOW_GC_GRACE_PERIOD_SECONDS`` (taken as past here). Returns ``{run id: workflows it runs}``."""
        with self._lock:
            self.state.workflows = [w for w in self.state.workflows if w["run_id"] in self.state.runs]
            adopted: dict[str, int] = {}
            for w in self.state.workflows:
                adopted[w["run_id"]] = adopted.get(w["run_id"], 0) + 1
            return adopted

    def add_run(
        self,
        experiment_id: str,
        name: str,
        state: str,
        recurring_run_id: str = "",
        tasks: list[tuple[str, str]] | None = None,
    ) -> str:
        """Seed a run (the double does not execute pipelines); ``tasks``: (display name, state)."""
        rid = self.new_id("run")
        details = [
            {"run_id": rid, "task_id": f"{rid}-t{i}", "display_name": n, "state": st}
            for i, (n, st) in enumerate(tasks or [])
        ]
        self.state.runs[rid] = {
            "run_id": rid,
            "display_name": name,
            "experiment_id": experiment_id,
            "state": state,
            "recurring_run_id": recurring_run_id,
            "created_at": _now(),
            "finished_at": _now(),
            "run_details": {"task_details": details},
        }
        return rid

    def set_run_state(self, run_id: str, state: str) -> None:
        self.state.runs[run_id]["state"] = state

    # ------------------------------------------------------------------ validation
    def _need_namespace(self, namespace: str, what: str) -> None:
        """``canAccessExperiment``/``canAccessRun`` of the 2.17.0 API server (multi-user)."""
        if self.multi_user and not namespace:
            raise ValueError(
                f"Invalid input error: {what} cannot have an empty namespace in multi-user mode"
            )

    def _pipeline_namespace(self, namespace: str) -> str:
        """``ReplaceNamespace`` + ``ValidateNamespaceRequired`` of the 2.17.0 API server."""
        namespace = namespace if self.multi_user else ""
        if self.multi_user and self.require_namespace_for_pipelines and not namespace:
            raise ValueError("Invalid input error: Namespace is required for pipeline operations")
        return namespace

    def _caller_refused(self) -> bool:
        """Whether ``IsAuthorized`` refuses the caller's write: a ``"kfp-audience"`` token (no identity) or a
        ``"kfp-deny"`` one (its SubjectAccessReview denies)."""
        return self.caller in ("kfp-audience", "kfp-deny")

    @staticmethod
    def _upload_error(message: str) -> dict:
        """``writeErrorToResponse`` of the upload server: an ``apiv1beta1.Error`` whose ``error_message`` is
        ``err.Error()`` and ``error_details`` ``fmt.Sprintf("%+v", err)``: of a ``github.com/pkg/errors``
        error (2.17.0 ``pipeline_upload_server.go`` ``errors.New``), the message and its stack, many lines."""
        stack = ("\ngithub.com/kubeflow/pipelines/backend/src/apiserver/server.(*PipelineUploadServer).uploadPipeline"
                 "\n\t/go/src/github.com/kubeflow/pipelines/backend/src/apiserver/server/pipeline_upload_server.go:185"
                 "\nnet/http.HandlerFunc.ServeHTTP\n\t/usr/local/go/src/net/http/server.go:2294")
        return {"error_message": message, "error_details": message + stack}

    @staticmethod
    def _parse_package(body: Any) -> dict:
        if not body or not body.get("uploadfile"):
            raise ValueError("multipart field 'uploadfile' is missing")
        filename = body.get("uploadfile.filename", "")
        if not filename.endswith((".yaml", ".yml", ".zip", ".tar.gz", ".tgz")):
            raise ValueError(
                f"Unexpected pipeline file format {filename!r}. Support .zip, .tar.gz or YAML."
            )
        raw = body["uploadfile"]
        text = raw.decode() if isinstance(raw, bytes) else raw
        # libyaml's safe loader where PyYAML has it: the same documents (the same SafeConstructor) in a
        # tenth of the pure-Python parser's time (0.38 -> 0.04 s CPU for the continuous-training spec)
        docs = list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        spec = docs[0]
        if not isinstance(spec, dict) or "pipelineInfo" not in spec or "root" not in spec:
            raise ValueError("uploaded file is not a KFP pipeline spec (pipelineInfo/root missing)")
        return spec

    def add_version(self, pipeline_id: str, name: str, display_name: str = "", description: str = "",
                    spec: dict | None = None) -> str:
        """A version made by hand (the KFP UI, ``POST /pipelines/{id}/versions`` with a ``name`` and a
        ``display_name`` of its own, 2.17.0 ``server/pipeline_server.go`` ``CreatePipelineVersion``);
        returns its id."""
        version = self._version(pipeline_id, name, description, spec or {}, display_name=display_name)
        self.state.versions[pipeline_id].append(version)
        return version["pipeline_version_id"]

    def version_package(self, version_id: str) -> dict:
        """The pipeline spec uploaded as ``version_id`` (what a run of that version executes)."""
        for versions in self.state.versions.values():
            for version in versions:
                if version["pipeline_version_id"] == version_id:
                    return version["pipeline_spec"]
        raise KeyError(version_id)

    def _version(self, pid: str, name: str, description: str, spec: dict, display_name: str = "") -> dict:
        vid = self.new_id("version")
        return {
            "pipeline_id": pid,
            "pipeline_version_id": vid,
            "display_name": display_name or name,
            "name": name,
            "description": description,
            "created_at": _now(),
            "pipeline_spec": spec,
        }

    @staticmethod
    def _too_long(model: str, field: str, value: str) -> tuple[int, dict] | None:
        """``validation.ValidateFieldLength`` of the upload server (2.17.0 ``validation/length.go``: Go's
        ``len``, bytes), answered with ``http.Error``: 400, text/plain."""
        limit = LENGTH_SPECS[f"{model}.{field}"]
        if len(value.encode()) > limit:
            return 400, {"text": f"Invalid input error: {model}.{field} length cannot exceed {limit}"}
        return None

    def _not_k8s_name(self, what: str, name: str) -> tuple[int, dict] | None:
        """The upload server's 400 for a name the Kubernetes pipeline store refuses (k8s.io/apimachinery
        ``validation.IsDNS1123Subdomain``: its two messages), None when it takes it or the store is the database."""
        if self.pipeline_store != "kubernetes":
            return None
        errors = []
        if len(name) > 253:
            errors.append("must be no more than 253 characters")
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", name):
            errors.append("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                          "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
                          "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
        if not errors:
            return None
        if what == "combined":
            message = (f"The combined pipeline and version name {json.dumps(name)} exceeds the Kubernetes 253-character "
                       f"naming limit: {'; '.join(errors)}")
        else:
            message = (f"Invalid {what} name {json.dumps(name)}: {'; '.join(errors)}. Use 'display_name' for "
                       "human-readable labels")
        return 400, self._upload_error(message)

    @staticmethod
    def _data_too_long(body: dict, model: str) -> str:
        """The first column of ``model`` whose value MySQL 8 (strict mode) refuses as too long: ``""`` for none."""
        for key, column in (("display_name", "DisplayName"), ("description", "Description")):
            if len(str(body.get(key) or "")) > MYSQL_CHARS[f"{model}.{column}"]:
                return column
        return ""

    @staticmethod
    def _not_utf8mb3(body: dict) -> str:
        """The first column MySQL refuses a character beyond U+FFFF for (``""``: none): the API server's
        connection is ``charset=utf8`` (2.17.0 ``client/sql.go`` ``CreateMySQLConfig``: utf8mb3), so
        storing one is Error 1366 "Incorrect string value" (protojson and encoding/json write it as is)."""
        params = (body.get("runtime_config") or {}).get("parameters")
        for value, column in ((body.get("display_name"), "DisplayName"), (body.get("description"), "Description"),
                              (json.dumps(params, ensure_ascii=False) if params else "", "RuntimeParameters")):
            if any(ord(c) > 0xFFFF for c in str(value or "")):
                return column
        return ""

    def _validate_recurring(self, body: dict) -> tuple[int, dict] | None:
        """The refusal of a recurring-run create, as 2.17.0 words the ones it makes (``server/job_server.go``
        ``CreateRecurringRun``/``createJob``, ``api_converter.go`` ``toModelJob``), else the double's own
        (a 400); None: valid."""
        # toModelJob (2.17.0 api_converter.go, v2beta1) in its order: the name (a 500: NewInternalServerError;
        # createJob's own 400 for an empty name is never reached), the trigger, the max concurrency, the cron;
        # then createJob (job_server.go): the experiment
        if not body.get("display_name"):
            return 500, {"error": "Failed to create a recurring run due to conversion error: InternalServerError: "
                                  "Failed to convert a API recurring run to its internal representation: Invalid input "
                                  "error: Recurring run's name cannot be empty"}
        trigger = body.get("trigger") or {}
        cron = (trigger.get("cron_schedule") or {}).get("cron")
        periodic = trigger.get("periodic_schedule")
        if not cron and not periodic:
            raise ValueError("a trigger (cron_schedule or periodic_schedule) is required")
        mc = int(body.get("max_concurrency") or 0)
        if not 1 <= mc <= 10:
            return 400, {"error": "Failed to create a recurring run due to conversion error: Invalid input error: Max "
                                  f"concurrency of a recurring run must be at least 1 and at most 10. Received {mc}"}
        allowed = (5, 6) if self.lenient_cron else (6,)
        if cron and not cron.startswith("@") and len(cron.split()) not in allowed:
            raise ValueError(f"cron {cron!r}: {len(cron.split())} fields; the double wants 6")
        eid = body.get("experiment_id")
        if eid and eid not in self.state.experiments:
            # createJob: GetValidExperimentNamespacePair -> GetNamespaceFromExperimentId -> GetExperiment
            # (storage/experiment_store.go: NewResourceNotFoundError), each wrapping: 404
            return 404, {"error": "Failed to create a recurring run: Failed to create a recurring run due to invalid "
                                  f"experimentId and namespace combination: Failed to fetch namespace for experiment {eid}: "
                                  f"Failed to fetch namespace from experiment {eid}: ResourceNotFoundError: Experiment "
                                  f"{eid} not found"}
        if not isinstance(body.get("no_catchup"), bool):
            raise ValueError("no_catchup must be sent explicitly (unset means catch-up ON)")
        ref = body.get("pipeline_version_reference") or {}
        if not ref.get("pipeline_id") and not body.get("pipeline_spec"):
            raise ValueError("pipeline_version_reference.pipeline_id or pipeline_spec is required")
        if ref.get("pipeline_id") and ref["pipeline_id"] not in self.state.pipelines:
            raise ValueError(f"pipeline {ref['pipeline_id']} does not exist")
        return None
