"""First process of every command in a verification sandbox: ``spawner.py CONFIG -- CMD``.

It runs the trusted harness ``CMD`` (pytest, a checker) as the *harness* uid and, on the
harness's request, children that run the worker's code as the *worker* uid
(``untrusted_child``); CONFIG (JSON) holds the two argv prefixes that switch uids
(``setpriv ...``; empty where the caller cannot switch) and the interpreter. The harness
talks to it over a ``SOCK_SEQPACKET`` socket named by ``$DIAGON_SPAWNER_FD``:

- ``{"op": "spawn", "source": ...}`` → ``{"pid": n}`` plus one descriptor: the harness's end
  of a socket whose other end is the child's only channel;
- ``{"op": "kill", "pid": n}`` → ``{"killed": bool}``.

The worker uid never holds the spawner's socket, the harness's files or its output, and
cannot signal or trace either of them. When the harness exits, every child is killed and
the spawner exits with the harness's exit code. Never imports diagon.
"""

import json
import os
import signal
import socket
import subprocess
import sys

_CHILD_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def spawn(config, source, children):
    mine, theirs = socket.socketpair()
    try:
        proc = subprocess.Popen(
            [*config["worker_prefix"], config["python"], "-I", "-c", source, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(_CHILD_ENV, HOME=os.getcwd(), TMPDIR="/tmp"),
            start_new_session=True,
        )
    finally:
        theirs.close()
    children[proc.pid] = proc
    return proc.pid, mine


def kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def serve(ctl, config, harness):
    children = {}
    ctl.settimeout(0.5)
    while True:
        try:
            data = ctl.recv(1 << 20)
        except TimeoutError:
            if harness.poll() is None:
                continue
            data = b""  # the harness exited, though something else holds its socket
        except OSError:
            data = b""
        if not data:  # the harness exited (its end of the socket closed)
            break
        for pid in [p for p, c in children.items() if c.poll() is not None]:
            del children[pid]
        try:
            request = json.loads(data)
            if request["op"] == "spawn":
                pid, sock = spawn(config, str(request["source"]), children)
                ctl.settimeout(None)
                socket.send_fds(ctl, [json.dumps({"pid": pid}).encode()], [sock.fileno()])
                ctl.settimeout(0.5)
                sock.close()
                continue
            proc = children.pop(request.get("pid"), None)
            if proc is not None:
                kill(proc)
            ctl.send(json.dumps({"killed": proc is not None}).encode())
        except Exception as exc:  # a bad request is answered, never fatal to the run
            ctl.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
    for proc in children.values():
        kill(proc)
    return harness.wait()


def main(argv):
    config = json.loads(argv[1])
    cmd = argv[argv.index("--") + 1 :]
    ctl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    env = dict(os.environ, DIAGON_SPAWNER_FD=str(theirs.fileno()))
    harness = subprocess.Popen([*config["harness_prefix"], *cmd], pass_fds=[theirs.fileno()], env=env)
    theirs.close()
    code = serve(ctl, config, harness)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
