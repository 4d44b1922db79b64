#!/usr/bin/env python3
"""A TCP forwarder for the "server killed mid-upload" test: tcp_proxy.py TARGET_PORT listens on
a free port of 127.0.0.1, prints "ready port=<port>", and relays every connection to
127.0.0.1:TARGET_PORT. Killing it (SIGKILL) is, for a client, the server dying mid-request,
while the real server keeps its state for the test to inspect."""
import asyncio
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main(target_port):
    async def relay(client_reader, client_writer):
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
    asyncio.run(main(int(sys.argv[1])))
