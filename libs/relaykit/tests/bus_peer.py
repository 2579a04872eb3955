"""Another process on an embedded bus file, for the tests that kill one.

python bus_peer.py URL lease QUEUE N          lease N messages (no ack), print their bodies, wait to be killed
python bus_peer.py URL lease-and-die QUEUE N  the same, then kill -9 itself
python bus_peer.py URL delay QUEUE BODY       publish BODY into the delay queue QUEUE, then kill -9 itself
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

from kombu import Producer, Queue

from relaykit.bus.connection import connect


def main() -> None:
    url, action, queue = sys.argv[1:4]
    conn = connect(url)
    channel = conn.channel()
    if action == "delay":
        Producer(channel).publish(sys.argv[4], exchange="", routing_key=queue, content_type="application/json")
        os.kill(os.getpid(), signal.SIGKILL)
    held = []
    q = Queue(queue, no_declare=True).bind(channel)
    while len(held) < int(sys.argv[4]):
        message = q.get(no_ack=False)
        if message is None:
            time.sleep(0.05)
            continue
        held.append(message)
        print(json.dumps(message.body.decode()), flush=True)
    print("holding", flush=True)
    if action == "lease-and-die":
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(600)


if __name__ == "__main__":
    main()
