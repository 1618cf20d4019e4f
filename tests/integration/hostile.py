"""Hostile request bodies built cheaply: compression bombs and an endless chunked upload."""

from __future__ import annotations

import select
import socket
import struct
import zlib

_UNIT = 16 << 20  # zeros per repeated piece


def gzip_bomb(inflated: int = 1 << 30) -> bytes:
    """A valid gzip body of ~1 MB that inflates to ``inflated`` bytes of zeros (concatenated members)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    member = packer.compress(bytes(_UNIT)) + packer.flush()
    return member * (inflated // _UNIT)


def deflate_bomb(inflated: int = 1 << 30) -> bytes:
    """A valid zlib (HTTP "deflate") body that inflates to ``inflated`` bytes of zeros.

    After a full flush the compressor restarts, so one 16 MiB piece can be repeated; the trailer
    carries the Adler-32 of the whole output.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS)
    first = packer.compress(bytes(_UNIT)) + packer.flush(zlib.Z_FULL_FLUSH)
    piece = packer.compress(bytes(_UNIT)) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.flush()[:-4]  # the final (empty) block, without the checksum
    checksum = 1
    for _ in range(inflated // _UNIT):
        checksum = zlib.adler32(bytes(_UNIT), checksum)
    return first + piece * (inflated // _UNIT - 1) + last + struct.pack(">I", checksum)


def post_chunked(host: str, port: int, path: str, headers: dict[str, str], total: int,
                 chunk: int = 1 << 20) -> tuple[int, bytes, int]:
    """POST ``total`` bytes as chunked transfer, stopping once the server answers.

    Returns (status, response head and body so far, bytes sent): the server must answer before
    it has read everything.
    """
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Transfer-Encoding: chunked",
             *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    sent = 0
    payload = f"{chunk:x}\r\n".encode() + b"[" * chunk + b"\r\n"
    with socket.create_connection((host, port), timeout=30) as conn:
        conn.sendall("\r\n".join(lines).encode())
        try:
            while sent < total:
                readable, _, _ = select.select([conn], [], [], 0)
                if readable:
                    break
                conn.sendall(payload)
                sent += chunk
            else:
                conn.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: read what it said
        answer = _read_answer(conn)
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, answer, sent


def post_declared(host: str, port: int, path: str, headers: dict[str, str], length: int) -> bytes:
    """Send only the head of a POST declaring ``length`` bytes; the server's answer (it must not wait)."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {length}",
             "Content-Type: application/json", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    with socket.create_connection((host, port), timeout=30) as conn:
        conn.sendall("\r\n".join(lines).encode())
        return _read_answer(conn)


def _read_answer(conn: socket.socket) -> bytes:
    """A whole HTTP response with a Content-Length (or what came before the server closed)."""
    answer = b""
    while True:
        head, _, body = answer.partition(b"\r\n\r\n")
        if _:
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            if len(body) >= length:
                return answer
        try:
            part = conn.recv(65536)
        except ConnectionResetError:
            return answer
        if not part:
            return answer
        answer += part
