"""The worker process a function's code runs in; started by data/functions/pool.py as a
script (`python -I worker.py <workdir> <denied path>...`), never imported by the server.

Protocol: one JSON object per line. The server writes requests on stdin; the worker
answers on stdout with `{"ready": true}` once, then per request any number of
`{"piece": ...}` (a streaming pipe's pieces) and one final `{"result": ...}` or
`{"error": ..., "kind": ...}`. After an error of kind memory/output/forked the worker
exits: its state can no longer be trusted, and the pool starts a fresh one.

What the function prints never reaches the protocol: sys.stdout/sys.stderr count it and
throw it away, and a call that prints more than its limit fails. The audit hook keeps
ordinary file APIs from writing outside the working directory or reading the denied
paths (the server's data directory); it is a guard against accidents, not a boundary
(see README: ctypes or a subprocess step around it)."""

import asyncio
import hashlib
import inspect
import io
import json
import math
import os
import resource
import sys
import types

PROTOCOL_OUT = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
PROTOCOL_IN = os.fdopen(os.dup(0), "rb")
KINDS = {"Pipe": "pipe", "Filter": "filter", "Action": "action"}
WORKDIR = os.path.realpath(sys.argv[1])
DENIED = [os.path.realpath(p) for p in sys.argv[2:]]
FATAL = ("memory", "output", "forked")


class Missing(Exception):
    """The module defines none of the classes a function is made of."""


class OutputLimit(BaseException):
    """Raised into a function that prints past its limit (not an Exception, so a broad
    `except Exception` in the function does not swallow it)."""


class Sink(io.TextIOBase):
    def __init__(self):
        self.limit = 0
        self.count = 0

    def writable(self):
        return True

    def write(self, text):
        self.count += len(text)
        if self.count > self.limit:
            raise OutputLimit()
        return len(text)


SINK = Sink()
forked = []


def _inside(path, root):
    return path == root or path.startswith(root + os.sep)


def _audit(event, args):
    if event != "open" or not isinstance(args[0], (str, bytes)):
        return
    path = os.path.realpath(os.fsdecode(args[0]))
    mode = args[1] if isinstance(args[1], str) else ""
    flags = args[2] if isinstance(args[2], int) else 0
    writes = any(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
    if writes and not (_inside(path, WORKDIR) or path == os.devnull):
        raise PermissionError(f"functions may write only inside their working directory, "
                              f"not {path}")
    if any(_inside(path, root) for root in DENIED):
        raise PermissionError(f"functions may not read the server's files ({path})")


def send(message):
    PROTOCOL_OUT.write(json.dumps(message) + "\n")


def load(source, cache={}):  # noqa: B006 - the cache lives as long as the worker
    digest = hashlib.sha256(source.encode()).hexdigest()
    if digest not in cache:
        module = types.ModuleType("function_module")
        exec(compile(source, "<function>", "exec"), module.__dict__)
        found = [name for name in KINDS if isinstance(module.__dict__.get(name), type)]
        if not found:
            raise Missing("the module defines no class Pipe, Filter or Action")
        cache[digest] = module.__dict__[found[0]], KINDS[found[0]]
    return cache[digest]


def schema_of(cls, name):
    valves = getattr(cls, name, None)
    return valves.model_json_schema() if hasattr(valves, "model_json_schema") else None


def check(request):
    cls, kind = load(request["source"])
    return {"type": kind, "valves_spec": schema_of(cls, "Valves"),
            "user_valves_spec": schema_of(cls, "UserValves"),
            "manifold": hasattr(cls, "pipes") or "pipes" in getattr(cls, "__dict__", {})}


def plain(value):
    if hasattr(value, "model_dump"):
        return value.model_dump()
    json.dumps(value)  # a TypeError names what cannot be sent back
    return value


def instance(request):
    cls, _ = load(request["source"])
    obj = cls()
    if hasattr(cls, "Valves"):
        obj.valves = cls.Valves(**(request.get("valves") or {}))
    return cls, obj


def run(loop, value):
    return loop.run_until_complete(value) if inspect.isawaitable(value) else value


def arguments(method, request, cls):
    user = dict(request.get("user") or {})
    if hasattr(cls, "UserValves"):
        user["valves"] = cls.UserValves(**(request.get("user_valves") or {}))

    async def no_event(*args, **kwargs):
        return None

    # Filter.stream(event) takes the streamed chunk where the other hooks take `body`.
    offered = {"body": request.get("body"), "event": request.get("body"), "__user__": user,
               "__id__": request.get("id"), "__metadata__": request.get("metadata") or {},
               "__event_emitter__": no_event, "__event_call__": no_event, "__request__": None,
               "__model__": None}
    params = inspect.signature(method).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return offered
    return {k: v for k, v in offered.items() if k in params}


def call(loop, request):
    name = request["method"]
    if name in ("Valves", "UserValves"):  # checks values against the module's class
        valves = getattr(load(request["source"])[0], name, None)
        if valves is None:
            raise Missing(f"the module defines no {name}")
        return plain(valves(**(request.get("body") or {})))
    cls, obj = instance(request)
    if name == "pipes":
        pipes = getattr(obj, "pipes", [])
        return plain(run(loop, pipes() if callable(pipes) else pipes))
    method = getattr(obj, name, None)
    if method is None:
        raise LookupError(f"the {cls.__name__} class has no method {name}")
    result = run(loop, method(**arguments(method, request, cls)))
    if inspect.isasyncgen(result):
        while True:
            try:
                send({"piece": plain(loop.run_until_complete(result.__anext__()))})
            except StopAsyncIteration:
                return None
    if inspect.isgenerator(result) or (hasattr(result, "__next__") and not
                                       isinstance(result, (str, bytes, dict))):
        for piece in result:
            send({"piece": plain(piece)})
        return None
    return plain(result)


def serve_one(loop, request):
    SINK.count, SINK.limit = 0, int(request.get("output_limit", 1 << 20))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = math.ceil(used.ru_utime + used.ru_stime + float(request.get("cpu_limit", 30)))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.getrlimit(resource.RLIMIT_CPU)[1]))
    try:
        result = check(request) if request["op"] == "check" else call(loop, request)
        error = None
    except SyntaxError as failure:
        error = {"kind": "syntax", "line": failure.lineno,
                 "error": f"line {failure.lineno}: {failure.msg}"}
    except Missing as failure:
        error = {"kind": "missing", "error": str(failure)}
    except MemoryError:
        error = {"kind": "memory", "error": "the function ran out of its memory limit"}
    except OutputLimit:
        error = {"kind": "output", "error": "the function printed more than its output limit"}
    except BaseException as failure:  # SystemExit too: the function's, not ours
        error = {"kind": "raised", "error": f"{type(failure).__name__}: {failure}"[:2000],
                 "line": _line_of(failure)}
    if SINK.count > SINK.limit:
        error = {"kind": "output", "error": "the function printed more than its output limit"}
    if forked:
        error = {"kind": "forked", "error": "the function forked a process, which functions "
                                            "may not do"}
    send({"result": result} if error is None else error)
    return error is None or error["kind"] not in FATAL


def _line_of(failure):
    tb, line = failure.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<function>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def main():
    sys.dont_write_bytecode = True  # -I ignores PYTHONDONTWRITEBYTECODE
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the worker
    sys.stdout = sys.stderr = SINK
    os.register_at_fork(after_in_child=lambda: os._exit(70),
                        after_in_parent=lambda: forked.append(True))
    import pydantic  # noqa: F401 - functions' Valves need it; loaded before the limits bite

    sys.addaudithook(_audit)
    loop = asyncio.new_event_loop()
    send({"ready": True})
    for line in PROTOCOL_IN:
        if not serve_one(loop, json.loads(line)):
            break
    PROTOCOL_OUT.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
