"""The embedded broker's queue folder, through kombu in one process: order and cost."""

import os

from kombu import Connection

from utils import filesystem_broker

TRANSPORT = "utils.filesystem_broker:Transport"


def _connection(folder) -> Connection:
    return Connection(transport=TRANSPORT, transport_options={"broker_folder": str(folder)})


def test_a_backlog_drains_in_order_with_a_listing_per_batch_not_per_message(tmp_path, monkeypatch):
    backlog = 3000
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("backlog")
        for number in range(backlog):
            queue.put({"n": number})
        listings = []
        real_listdir = os.listdir
        monkeypatch.setattr(
            filesystem_broker.os,
            "listdir",
            lambda path: listings.append(path) or real_listdir(path),
        )
        received = []
        for _ in range(backlog):
            message = queue.get(timeout=5)
            received.append(message.payload["n"])
            message.ack()
        queue.close()
    assert received == list(range(backlog))
    # A listing per message would be 3,000 listings of up to 3,000 names each.
    assert len(listings) < 10
    assert not list((tmp_path / "queue").iterdir())
