"""A MongoDB stand-in on loopback for the real Tiledesk server: mongoeco's wire-protocol proxy.

Runs under its own Python (>= 3.13, mongoeco's floor), not the project's: ``python
mongo_stand_in.py PORT``. Prints ``ready mongodb://127.0.0.1:PORT`` once it accepts connections
and serves until it is terminated. Data lives in memory and is gone when it stops.
"""

import asyncio
import signal
import sys

from mongoeco.wire import AsyncMongoEcoProxyServer


async def serve(port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with AsyncMongoEcoProxyServer(host="127.0.0.1", port=port) as server:
        address = server.address
        print(f"ready mongodb://{address.host}:{address.port}", flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
