"""Joining the Ray cluster `--ray` names, and leaving it as it was.

An address is checked before Ray is asked to join it: when nothing answers
there, or the cluster wants a token this process does not send, Ray's own
join retries for ~20 s and then says only `ConnectionError`. Since Ray 2.59,
`ray start --head` turns token authentication on by itself on a machine that
holds a token (~/.ray/auth_token, which any earlier `ray.init()` writes), and
a driver given an explicit address never sends one unless RAY_AUTH_MODE=token.

Leaving: when samcli joined the cluster, it disconnects at the end of the run,
so Ray ends every actor and task the run started, whatever happened to it.
"""
from __future__ import annotations

import os
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from samcli.errors import SamcliError

#: what workers need to find the same code, plugin models and weights cache
FORWARDED_ENV = ("SAMCLI_PLUGINS", "SAMCLI_HOME", "SAMCLI_OFFLINE", "PYTHONPATH")
AUTH_MODE_ENV = "RAY_AUTH_MODE"
CONNECT_TIMEOUT_S = 5


def worker_env() -> dict[str, str]:
    """FORWARDED_ENV as set here, with paths made absolute: workers do not run in this directory."""
    env = {name: os.environ[name] for name in FORWARDED_ENV if name in os.environ}
    if "PYTHONPATH" in env:  # an empty entry is this directory too
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in env["PYTHONPATH"].split(os.pathsep))
    if "SAMCLI_HOME" in env:
        env["SAMCLI_HOME"] = str(Path(env["SAMCLI_HOME"]).expanduser().absolute())
    return env


@contextmanager
def joined(address: str, verbose: bool = False) -> Iterator[None]:
    """On the cluster for the duration. A process already on one (the Python API) stays on
    it. 'auto' is Ray's own default: RAY_ADDRESS, else the cluster `ray start` recorded on
    this machine, else a new local one for the run (never Ray's "auto", which joins any
    cluster whose process it sees on this machine, e.g. another user's)."""
    import ray
    from ray.exceptions import AuthenticationError

    if ray.is_initialized():
        yield
        return
    named = os.environ.get("RAY_ADDRESS") if address == "auto" else address  # Ray finds a recorded one's token
    if named and not named.startswith("ray://"):
        check_address(named)
    options = dict(runtime_env={"env_vars": worker_env()}, log_to_driver=verbose, configure_logging=verbose)
    try:
        ray.init(address=None if address == "auto" else address, **options)
    except AuthenticationError:
        raise SamcliError(token_message(named or address)) from None
    except ConnectionError as exc:
        raise SamcliError(f"--ray {address}: cannot join the Ray cluster there ({exc})") from None
    try:
        yield
    finally:
        ray.shutdown()


def check_address(address: str) -> None:
    """HOST:PORT answers, and as a Ray cluster that takes this process (exit 2 otherwise, at once)."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise SamcliError(f"--ray {address!r}: give auto, HOST:PORT (the address `ray start --head` printed) "
                          "or ray://HOST:10001")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise SamcliError(f"--ray {address}: no Ray cluster answers there ({exc.strerror or exc}); start one with "
                          f"`ray start --head --port {port}`, or give the address it printed") from None
    if _refuses_this_process(address):
        raise SamcliError(token_message(address))


def _refuses_this_process(address: str) -> bool:
    """One request through Ray's own GCS client (with this process's token, if it has one)."""
    try:
        from ray._raylet import GcsClient
        from ray.exceptions import AuthenticationError
    except ImportError:  # another Ray: its join says what is wrong, slower
        return False
    try:
        GcsClient(address=address)
    except AuthenticationError:
        return True
    except Exception:  # anything else, ray.init reports
        return False
    return False


def token_message(address: str) -> str:
    sources = "RAY_AUTH_TOKEN, else the file RAY_AUTH_TOKEN_PATH names, else ~/.ray/auth_token"
    if os.environ.get(AUTH_MODE_ENV, "").lower() == "token":
        return (f"the Ray cluster at {address} refused this machine's token ({sources}): give samcli the cluster's "
                "token (`ray get-auth-token` on its head node prints it)")
    return (f"the Ray cluster at {address} requires token authentication (Ray 2.59+ turns it on when the cluster "
            "starts on a machine that holds a token, e.g. ~/.ray/auth_token written by an earlier ray.init()): run "
            f"samcli with {AUTH_MODE_ENV}=token, and the cluster's token in {sources} (`ray get-auth-token` on the "
            "head node prints it; on the head node itself ~/.ray/auth_token already holds it)")
