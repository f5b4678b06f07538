"""Free loopback TCP ports.

The kernel picks a free port for a socket bound to port 0; we release it and
hand the number to the server. Another process may take it in between, so
callers retry the whole start-up when the server reports the port in use.
"""

import socket


def free_ports(count, host="127.0.0.1"):
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
