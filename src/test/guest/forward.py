#!/usr/bin/env python3
"""Forwards one TCP port to another, both inside the guest: QEMU's forward reaches the guest's eth0
address, while the packaged unit listens on loopback only (and IPAddressAllow=localhost), as a user's
host would have it. Guest-only test plumbing; the daemon sees its caller as 127.0.0.1.
Usage: forward.py LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT"""
import asyncio
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass


async def main(listen_host, listen_port, target_host, target_port):
    async def serve(client_reader, client_writer):
        try:
            target_reader, target_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            client_writer.close()  # kmodd not listening (yet): the caller sees a closed connection
            return
        await asyncio.gather(pipe(client_reader, target_writer), pipe(target_reader, client_writer))

    server = await asyncio.start_server(serve, listen_host, listen_port, reuse_address=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
