"""Runs the Argilla 1.8 Python client against a running argilla-users server, with the API key and with personal
access tokens, and checks what each call returns. Started by scripts/python-client-check.sh, which starts the
server and creates the tokens; run on its own it needs these variables:

  ARGILLA_API_URL       the server, e.g. http://127.0.0.1:6900
  CHECK_API_KEY         the default user's API key
  CHECK_TOKEN_FULL      a token of scope `full` of the same user
  CHECK_TOKEN_READ      a token of scope `read` of the same user
  CHECK_TOKEN_REVOKED   a token of the same user, already revoked
  CHECK_WORKSPACE       a workspace name that does not exist yet (the check creates it)

and the Argilla 1.8 source on PYTHONPATH (its `src` folder). Prints one line per step; exits 1 on any mismatch.
"""

import os
import sys
import warnings

import httpx
import pydantic

import argilla as rg
from argilla.client.sdk.commons.errors import ForbiddenApiError, UnauthorizedApiError

API_URL = os.environ["ARGILLA_API_URL"]
API_KEY = os.environ["CHECK_API_KEY"]
TOKEN_FULL = os.environ["CHECK_TOKEN_FULL"]
TOKEN_READ = os.environ["CHECK_TOKEN_READ"]
TOKEN_REVOKED = os.environ["CHECK_TOKEN_REVOKED"]
NEW_WORKSPACE = os.environ["CHECK_WORKSPACE"]

failures = []


def indent(text):
    return text.replace("\n", "\n       ")


def check(label, got, expected):
    ok = got == expected
    print(f"  {'ok  ' if ok else 'FAIL'} {label}: {got!r}" + ("" if ok else f" (expected {expected!r})"))
    if not ok:
        failures.append(label)


def expect_error(label, error_type, call):
    """Runs `call`, which must raise `error_type`; prints the exception as the client reports it."""
    try:
        result = call()
    except error_type as error:
        print(f"  ok   {label}: {type(error).__name__}: {indent(str(error))}")
        return error
    except Exception as error:  # noqa: BLE001 - any other outcome is a mismatch, reported as such
        print(f"  FAIL {label}: {type(error).__name__}: {indent(str(error))} (expected {error_type.__name__})")
        failures.append(label)
        return None
    print(f"  FAIL {label}: returned {result!r} (expected {error_type.__name__})")
    failures.append(label)
    return None


def workspace_names():
    return sorted(workspace.name for workspace in rg.active_client().list_workspaces())


def init(api_key):
    # The client warns when the server's version differs from its own; this server says 1.8.0, so there should be
    # no warning here: any is printed. (ResourceWarnings about the previous client's connections are left out.)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ResourceWarning)
        rg.init(api_url=API_URL, api_key=api_key)
    for warning in caught:
        print(f"  warning from rg.init: {warning.message}")
    return rg.active_client()


def describe(credential):
    return "API key" if credential == API_KEY else f"token {credential[:15]}…"


print(f"argilla {rg.__version__} from {os.path.dirname(rg.__file__)}")
print(f"python {sys.version.split()[0]} ({sys.executable}), httpx {httpx.__version__}, pydantic {pydantic.VERSION}")
print(f"server {API_URL}")

# 1. The API key (control) and a `full` token: the same user, the same workspaces.
for credential in (API_KEY, TOKEN_FULL):
    print(f"\nrg.init(api_url=..., api_key=<{describe(credential)}>)")
    client = init(credential)
    user = client.user
    check("rg.active_client().user.username", user.username, "argilla")
    check("'argilla' in rg.active_client().user.workspaces", "argilla" in (user.workspaces or []), True)
    check("rg.get_workspace()", rg.get_workspace(), "argilla")
    rg.set_workspace("argilla")
    check("rg.set_workspace('argilla'); rg.get_workspace()", rg.get_workspace(), "argilla")
    check("'argilla' in [w.name for w in rg.active_client().list_workspaces()]", "argilla" in workspace_names(), True)
    check(
        "rg.Workspace.from_name('argilla').id == its id in list_workspaces()",
        rg.Workspace.from_name("argilla").id == next(w.id for w in client.list_workspaces() if w.name == "argilla"),
        True,
    )
    expect_error(
        "rg.set_workspace('no-such-workspace')",
        Exception,
        lambda: rg.set_workspace("no-such-workspace"),
    )

# 2. A write with the `full` token: the client's own HTTP client creates a workspace (POST /api/workspaces, an
#    admin's right, which the default user has).
print(f"\nrg.init(api_url=..., api_key=<{describe(TOKEN_FULL)}>): a write")
client = init(TOKEN_FULL)
created = client.http_client.post("/api/workspaces", json={"name": NEW_WORKSPACE})
check("rg.active_client().http_client.post('/api/workspaces', ...)['name']", created["name"], NEW_WORKSPACE)
client = init(TOKEN_FULL)  # the client reads the caller's workspaces at rg.init
check(f"'{NEW_WORKSPACE}' in rg.active_client().user.workspaces", NEW_WORKSPACE in client.user.workspaces, True)
rg.set_workspace(NEW_WORKSPACE)
check(f"rg.set_workspace('{NEW_WORKSPACE}'); rg.get_workspace()", rg.get_workspace(), NEW_WORKSPACE)
check(f"rg.Workspace.from_name('{NEW_WORKSPACE}').id", rg.Workspace.from_name(NEW_WORKSPACE).id, created["id"])

# 3. A `read` token: every read as with the key; a write is refused (403) and the client raises ForbiddenApiError.
print(f"\nrg.init(api_url=..., api_key=<{describe(TOKEN_READ)}>)")
client = init(TOKEN_READ)
check("rg.active_client().user.username", client.user.username, "argilla")
# A token never sees the API key it stands in for: GET /api/me answers it with `api_key` null.
check("rg.active_client().user.api_key", client.user.api_key, None)
check("rg.get_workspace()", rg.get_workspace(), "argilla")
rg.set_workspace(NEW_WORKSPACE)
check(f"rg.set_workspace('{NEW_WORKSPACE}'); rg.get_workspace()", rg.get_workspace(), NEW_WORKSPACE)
before = workspace_names()
check(f"'{NEW_WORKSPACE}' in [w.name for w in rg.active_client().list_workspaces()]", NEW_WORKSPACE in before, True)
refused = expect_error(
    "rg.active_client().http_client.post('/api/workspaces', ...)",
    ForbiddenApiError,
    lambda: client.http_client.post("/api/workspaces", json={"name": NEW_WORKSPACE + "-read"}),
)
if refused is not None:
    check("ForbiddenApiError.HTTP_STATUS", refused.HTTP_STATUS, 403)
check("the workspaces after the refused write", workspace_names(), before)

# 4. A revoked token and an unknown one: rg.init itself fails with 401, before any workspace is set.
for label, credential in (("revoked token", TOKEN_REVOKED), ("unknown token", "argu_pat_" + "0" * 43)):
    print(f"\nrg.init(api_url=..., api_key=<{label}>)")
    expect_error("rg.init", UnauthorizedApiError, lambda: rg.init(api_url=API_URL, api_key=credential))

print()
if failures:
    print(f"{len(failures)} check(s) failed: {', '.join(failures)}")
    sys.exit(1)
print("Every check passed.")
