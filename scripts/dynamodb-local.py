"""Local DynamoDB for development and tests: moto's server, with three changes.

1. Every request is handled one at a time. moto keeps its tables in plain Python dicts and is not
   safe under concurrent requests (it fails with "dictionary changed size during iteration" and
   cannot honour transactions); serialising requests gives what DynamoDB guarantees per item and
   per transaction. Connections stay concurrent.
2. A transaction saves only the items it touches for its rollback. moto copies every table a
   transaction names, so each transaction costs time in proportion to the whole table (200 ms with
   a few thousand items), which would make every figure measured locally meaningless.
3. A Query of the table (not of an index) reads only its partition. moto lists and sorts every
   item of the table for each Query (320 ms a query with 20,000 items), so the emulator slowed
   down as tests and load runs added voters, and a load test stalled at a few requests a second.
   Index queries still read the whole table; only the admin CLI makes them.

Usage: python dynamodb-local.py HOST PORT
"""

import copy
import sys
import threading

from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


class _CopyButNotTables:
    """Stands in for the `copy` module inside moto's transaction code: whole tables are not copied."""

    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _touched_items(backend, transact_items):
    """(table, hash, range, copy of the current item or None) for every item of a transaction."""
    saved = []
    for entry in transact_items:
        op_type, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        key = op.get("Item") if op_type == "Put" else op.get("Key")
        if not key or table.hash_key_attr not in key:
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_raw = key.get(table.range_key_attr) if table.range_key_attr else None
        range_value = DynamoType(range_raw) if range_raw is not None else None
        try:
            current = table.get_item(hash_value, range_value)
        except Exception:
            current = None
        saved.append((table, hash_value, range_value, copy.deepcopy(current)))
    return saved


def _restore(saved):
    for table, hash_value, range_value, item in reversed(saved):
        if item is None:
            if range_value is not None:
                table.items.get(hash_value, {}).pop(range_value, None)
            else:
                table.items.pop(hash_value, None)
        elif range_value is not None:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item


def _install_item_level_rollback():
    dynamodb_models.copy = _CopyButNotTables
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        saved = _touched_items(self, transact_items)
        try:
            return original(self, transact_items)
        except Exception:
            _restore(saved)
            raise

    DynamoDBBackend.transact_write_items = transact_write_items


def _install_partition_queries():
    original = Table.query

    def query(self, hash_key, *args, **kwargs):
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name is not None or hash_key is None:
            return original(self, hash_key, *args, **kwargs)
        partition = self.items.get(hash_key)  # .get: a defaultdict would grow on a miss
        if partition is None:
            items = []
        elif self.range_key_attr:
            items = sorted(partition.values(), key=lambda item: item.range_key)
        else:
            items = [partition]
        # moto's query filters `self.all_items()` by hash key: hand it the partition alone. Safe
        # because requests are served one at a time (see main).
        self.all_items = lambda: items
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query


def main() -> None:
    _install_item_level_rollback()
    _install_partition_queries()
    host, port = sys.argv[1], int(sys.argv[2])
    backend = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            # the whole body is produced under the lock, so no response reads a half-written table
            return list(backend(environ, start_response))

    run_simple(host, port, one_at_a_time, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
