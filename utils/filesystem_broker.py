"""The embedded broker: kombu's filesystem transport, safe for several processes.

kombu 5.7's ``filesystem`` transport loses messages when processes share its folder
(celery/kombu#1551): ``_put`` creates the message file and only then locks and writes it,
while ``_get`` renames and reads files without a lock, so a consumer can take a file that
is still empty, fail to decode it, and the worker exits with the message gone. Its
exchange tables have the same race (``open("wb")`` empties the table before the lock).

Here a message is written whole under ``writing/``, fsynced, then renamed into ``queue/``:
a rename is atomic on one file system, so a consumer sees a complete file or none.
Consumers rename a message into ``taken/`` (only one rename of a name succeeds) and
read it there; a file that still cannot be decoded is moved to ``broken/`` and logged,
never raised. Exchange tables are read-modify-written under a lock file and replaced by
rename, so a reader never sees half a table. Drop this module when kombu fixes #1551.

Transport option ``broker_folder``: the folder holding ``queue``, ``writing``,
``taken``, ``broken`` and ``control``; every process of one host names the same one.
"""

import fcntl
import os
import uuid
from collections import deque
from contextlib import contextmanager
from itertools import count
from pathlib import Path
from queue import Empty
from time import monotonic_ns

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property
from loguru import logger

SUBFOLDERS = ("queue", "writing", "taken", "broken", "control")
_published = count()  # this process's messages, in the order they were published


class Channel(filesystem.Channel):
    @cached_property
    def broker_folder(self) -> Path:
        folder = Path(self.transport_options.get("broker_folder", "broker"))
        for sub in SUBFOLDERS:
            (folder / sub).mkdir(parents=True, exist_ok=True)
        return folder

    @cached_property
    def data_folder_in(self) -> str:
        return str(self.broker_folder / "queue")

    @property
    def data_folder_out(self) -> str:
        return self.data_folder_in

    @property
    def control_folder(self) -> Path:
        return self.broker_folder / "control"

    # Messages -------------------------------------------------------------------------

    def _put(self, queue, payload, **kwargs):
        # The name orders messages by time, then by this process's count (the consumer
        # sorts the names), and ends in the queue.
        name = f"{monotonic_ns():020d}_{next(_published):012d}_{uuid.uuid4()}.{queue}.msg"
        try:
            _write_atomically(self.broker_folder, Path(self.data_folder_out) / name, payload)
        except OSError as exc:
            raise ChannelError(f"Cannot add message {name!r} to the queue folder") from exc

    def _get(self, queue):
        pending = self._pending.setdefault(queue, deque())
        if not pending:
            # One listing serves until its names are used up: a backlog of n messages
            # costs n log n, not n listings of n names.
            wanted = f"{queue}.msg"
            names = (n for n in os.listdir(self.data_folder_in) if n.partition(".")[2] == wanted)
            pending.extend(sorted(names))
        while pending:
            name = pending.popleft()
            taken = self.broker_folder / "taken" / name
            try:
                os.rename(os.path.join(self.data_folder_in, name), taken)
            except FileNotFoundError:
                continue  # another consumer took it first
            try:
                raw = taken.read_bytes()
            except OSError as exc:
                raise ChannelError(f"Cannot read message {name!r}") from exc
            try:
                message = loads(bytes_to_str(raw))
            except ValueError as exc:  # undecodable JSON or text: set aside, go on
                os.replace(taken, self.broker_folder / "broken" / name)
                logger.error("broker message {} is broken ({}); kept in broken/", name, exc)
                continue
            taken.unlink()
            return message
        raise Empty()

    @cached_property
    def _pending(self) -> dict[str, deque]:
        """Per queue, the names of its last listing not yet taken, oldest first."""
        return {}

    # Exchange tables (fanout, topic bindings) ---------------------------------------

    def get_table(self, exchange):
        try:
            raw = self._exchange_file(exchange).read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot read the table of exchange {exchange!r}") from exc
        return [filesystem.exchange_queue_t(*q) for q in loads(bytes_to_str(raw))]

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_locked(exchange):
            table = self.get_table(exchange)
            if binding not in table:
                self._write_table(exchange, [binding, *table])

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_locked(exchange):
            table = self.get_table(exchange)
            if binding in table:
                self._write_table(exchange, [b for b in table if b != binding])

    @contextmanager
    def _table_locked(self, exchange):
        lock_path = self._exchange_file(exchange).with_suffix(".lock")
        with open(lock_path, "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            yield

    def _write_table(self, exchange, table) -> None:
        try:
            _write_atomically(self.broker_folder, self._exchange_file(exchange), table)
        except OSError as exc:
            raise ChannelError(f"Cannot write the table of exchange {exchange!r}") from exc


def _write_atomically(broker_folder: Path, target: Path, value) -> None:
    """``value`` as JSON at ``target``, complete or not at all."""
    partial = broker_folder / "writing" / f"{uuid.uuid4()}.part"
    try:
        with open(partial, "wb") as out:
            out.write(str_to_bytes(dumps(value)))
            out.flush()
            os.fsync(out.fileno())
        os.rename(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


class Transport(filesystem.Transport):
    Channel = Channel
    global_state = virtual.BrokerState()
    driver_type = "filesystem"
    driver_name = "oms-filesystem"
