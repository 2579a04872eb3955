"""The bus: messages on RabbitMQ (or kombu's memory transport) that are never lost.

- outbox: a message is a row committed with the state change; a relay publishes it
  with publisher confirms and marks it sent.
- inbox: a consumer commits the handled message id with its effect, so a
  redelivery is acknowledged and ignored.
- consumer: ack after commit; failures retry through delay queues; the last
  failure lands in a dead-letter queue with its reason.
"""

from relaykit.bus.envelope import Message, new_message

__all__ = ["Message", "new_message"]
