"""A downstream consumer that knows claimtrack only by its JSON Schemas.

    python plain_consumer.py BOOTSTRAP TOPIC SCHEMA_DIR [IDLE_SECONDS]

Reads the topic from the beginning, validates every event against the schema named
by its event_type, and prints one line per event; exits non-zero on the first
invalid one. Imports nothing from claimtrack (docs/consumers.md shows the same).
"""

import asyncio
import json
import pathlib
import sys

import jsonschema
from aiokafka import AIOKafkaConsumer


async def main(bootstrap: str, topic: str, schema_dir: str, idle: float = 3.0) -> int:
    schemas = {p.name.split(".")[0]: json.loads(p.read_text()) for p in pathlib.Path(schema_dir).glob("*.json")}
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    seen = 0
    try:
        while batch := await consumer.getmany(timeout_ms=int(idle * 1000)):
            for message in (m for messages in batch.values() for m in messages):
                event = json.loads(message.value)
                jsonschema.validate(event, schemas[event["event_type"]])  # raises if it does not conform
                seen += 1
                print(event["event_id"], event["event_type"], event["data"].get("actor_id"))
    finally:
        await consumer.stop()
    print(f"validated {seen} events")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:4], *(float(a) for a in sys.argv[4:5]))))
