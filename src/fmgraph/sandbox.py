"""The second wall behind the read-only check: a process that cannot open a network socket.

:func:`deny_network` installs a seccomp filter (Linux, x86-64 and arm64) under which every
thread of the process gets ``EACCES`` from ``socket()`` for IPv4 and IPv6. The SPARQL engine
makes its own HTTP requests for ``SERVICE``; should a query ever slip past
:mod:`fmgraph.readonly`, the engine still cannot reach anything. Unix sockets and pipes (how
``serve`` talks to its workers) and sockets made before the call (``serve``'s listening
socket) keep working. The filter cannot be lifted, so only processes that answer from the
embedded store install it: the command line when it reads a local store, and ``serve``'s query
workers. Elsewhere it is a no-op that says so by returning ``False``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import platform
import socket
import sys

_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_X32_SYSCALL_BIT = 0x40000000
# machine: (audit architecture, socket syscall number, seccomp syscall number)
_ARCHES = {
    "x86_64": (0xC000003E, 41, 317),
    "aarch64": (0xC00000B7, 198, 277),
}
_LD_ABS_W, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06


class _Filter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


_denied = False


def deny_network() -> bool:
    """Forbid IPv4 and IPv6 sockets in this process from now on; ``True`` once in force."""
    global _denied
    if _denied:
        return True
    arch = _ARCHES.get(platform.machine()) if sys.platform == "linux" else None
    if arch is None:
        return False
    audit_arch, socket_nr, seccomp_nr = arch
    program = [
        (_LD_ABS_W, 0, 0, 4),  # A = seccomp_data.arch
        (_JEQ_K, 0, 7, audit_arch),  # another ABI: deny
        (_LD_ABS_W, 0, 0, 0),  # A = seccomp_data.nr
        (_JGE_K, 5, 0, _X32_SYSCALL_BIT),  # the x32 ABI: deny
        (_JEQ_K, 0, 3, socket_nr),  # not socket(): allow
        (_LD_ABS_W, 0, 0, 16),  # A = low word of args[0], the address family
        (_JEQ_K, 2, 0, socket.AF_INET),
        (_JEQ_K, 1, 0, socket.AF_INET6),
        (_RET_K, 0, 0, _RET_ALLOW),
        (_RET_K, 0, 0, _RET_ERRNO | errno.EACCES),
    ]
    # Jump offsets count from the next instruction: index 1 jumps 7 ahead to the deny at 9.
    filters = (_Filter * len(program))(*[_Filter(*f) for f in program])
    prog = _Program(len(program), filters)
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    installed = libc.syscall(
        seccomp_nr, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(prog)
    )
    _denied = bool(installed == 0)
    return _denied
