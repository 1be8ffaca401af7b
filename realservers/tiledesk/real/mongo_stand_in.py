"""A MongoDB stand-in on loopback for the real Tiledesk server: mongoeco's wire-protocol proxy.

Runs under its own Python (>= 3.13, mongoeco's floor), not the project's: ``python
mongo_stand_in.py PORT``. Prints ``ready mongodb://127.0.0.1:PORT`` once it accepts connections
and serves until it is terminated. Data lives in memory and is gone when it stops.

One index is not created: the requests' ``request_fulltext`` text index spans several array
fields, which MongoDB allows in a text index and mongoeco refuses at every insert ("compound
indexes do not support more than one array field"), so no request could be saved. Without it a
``full_text`` search of requests fails, as it would on MongoDB with no text index: the drift
report files that as a limitation of the stand-in.
"""

import asyncio
import dataclasses
import signal
import sys

from mongoeco.wire import AsyncMongoEcoProxyServer

SKIPPED_INDEXES = {"request_fulltext"}
# What createIndexes is given instead when every index it asked for is skipped: _id's own.
_ID_INDEX = {"key": {"_id": 1}, "name": "_id_"}


class StandIn(AsyncMongoEcoProxyServer):
    def _decode_wire_context(self, header, payload, connection, state):
        context = super()._decode_wire_context(header, payload, connection, state)
        if context.command_name != "createIndexes":
            return context
        command = context.command_document
        kept = [i for i in command.get("indexes", []) if i.get("name") not in SKIPPED_INDEXES]
        if len(kept) == len(command.get("indexes", [])):
            return context
        changed = {**command, "indexes": kept or [_ID_INDEX]}
        return dataclasses.replace(context, command_document=changed)


async def serve(port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with StandIn(host="127.0.0.1", port=port) as server:
        address = server.address
        print(f"ready mongodb://{address.host}:{address.port}", flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
