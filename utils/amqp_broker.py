"""RabbitMQ through kombu's py-amqp transport, minus one way to hang whoever publishes.

With publisher confirms (``confirm_publish``) a publish waits for RabbitMQ's ack, and the
job senders bound that wait (``timeout``). When it runs out, kombu 5.7 closes the broken
connection politely: it sends channel.close and connection.close and waits for
RabbitMQ's answers on a blocking socket, with no limit. A broker that stopped answering
without closing the connection (a hung host, a cut link) would thus hold the web request
that sent a job for as long as it stays silent. Here a publish that timed out drops its
connection at once instead: the caller gets the error and the job stays queued for the
sweeper. A broker that is stopped closes or refuses the connection and needs none of this.
"""

from amqp.exceptions import RecoverableConnectionError
from kombu.transport import pyamqp


class Channel(pyamqp.Channel):
    def basic_publish_confirm(self, *args, **kwargs):
        try:
            return super().basic_publish_confirm(*args, **kwargs)
        except (TimeoutError, RecoverableConnectionError):
            if self.connection is not None:
                self.connection.collect()  # no close handshake with a silent broker
            raise


class Connection(pyamqp.Connection):
    Channel = Channel


class Transport(pyamqp.Transport):
    Connection = Connection


class SSLTransport(pyamqp.SSLTransport):
    Connection = Connection
