#!/usr/bin/env python3
"""A TCP forwarder for the S3 fault tests: tcp_proxy.py TARGET_PORT [--slow-down N] listens on a
free port of 127.0.0.1, prints "ready port=<port>", and relays every connection to
127.0.0.1:TARGET_PORT. Killing it (SIGKILL) is, for a client, the server dying mid-request,
while the real server keeps its state for the test to inspect. With --slow-down N the first N
connections get S3's "503 SlowDown" answer (and are closed) instead of being relayed."""
import asyncio
import sys

_SLOW_DOWN_BODY = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                   b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")
SLOW_DOWN = (b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nConnection: close\r\n"
             b"Content-Length: %d\r\n\r\n" % len(_SLOW_DOWN_BODY)) + _SLOW_DOWN_BODY


async def pipe(reader, writer):
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main(target_port, slow_down):
    async def relay(client_reader, client_writer):
        nonlocal slow_down
        if slow_down > 0:
            slow_down -= 1
            # The request head first (a PUT waits for "100 Continue" before its body).
            await client_reader.readuntil(b"\r\n\r\n")
            client_writer.write(SLOW_DOWN)
            await client_writer.drain()
            client_writer.close()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    print(f"ready port={server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(int(args[0]), int(args[2]) if args[1:2] == ["--slow-down"] else 0))
