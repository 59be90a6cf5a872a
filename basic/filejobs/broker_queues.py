"""What the broker holds: how many messages wait in a queue, on any kombu transport."""

from celery import current_app
from loguru import logger


def ready_messages(queue: str) -> int | None:
    """Messages ready in ``queue`` (not those a worker holds); None if the broker cannot be
    asked. A queue the broker does not know holds none (Redis drops an empty list)."""
    try:
        with current_app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
            channel = connection.channel()
            try:
                return channel.queue_declare(queue=queue, passive=True).message_count
            except connection.channel_errors:
                return 0
            finally:
                channel.close()
    except Exception as exc:  # any broker failure: nothing is known
        logger.bind(concern="file").warning("queue {} could not be sized: {}", queue, exc)
        return None
