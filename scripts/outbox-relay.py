#!/usr/bin/env python3
"""Feeds the `mailer` function the table's stream on the local stack, as the event source mapping
of infra/template.yaml does on AWS (scripts/lib.sh starts it with the functions).

Usage: outbox-relay.py TABLE DYNAMODB_ENDPOINT INVOKE_URL
  TABLE              the table whose stream holds the outbox (TABLE_NAME)
  DYNAMODB_ENDPOINT  the local DynamoDB, which also serves the Streams API
  INVOKE_URL         the mailer's invoke endpoint of `cargo lambda watch`
                     (http://127.0.0.1:API_PORT/2015-03-31/functions/mailer/invocations)

What it does, as AWS does it:
- reads every shard of the table's stream from its oldest record (TRIM_HORIZON), and follows new
  shards;
- keeps the records the template's filter keeps: insertions of items whose key starts OUTBOX#;
- sends them to the mailer in batches of up to BATCH records, in the shape of a DynamoDB stream
  event (`Records`, `eventName`, `eventSource`, `dynamodb.Keys`, `dynamodb.SequenceNumber`),
  several batches at once (WORKERS, one per mailer instance);
- reads the reply's `batchItemFailures` and sends again, after a growing pause, the records from
  the first one reported; a batch that keeps failing is given up after MAX_ATTEMPTS (the
  on-failure destination's role on AWS) and logged.

Pausing this process (SIGSTOP) stands for a mailer that is late; the records wait in the stream.
The Python packages come from .tools/venv (boto3, installed by scripts/install-tools.sh).
"""

import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

BATCH = 10
WORKERS = 4
POLL_SECONDS = 0.1
MAX_ATTEMPTS = 50
STATS_EVERY = 30


def log(message):
    print(f"outbox-relay: {message}", file=sys.stderr, flush=True)


def clients(endpoint):
    config = Config(retries={"max_attempts": 10, "mode": "standard"}, connect_timeout=5, read_timeout=30)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-3"
    common = dict(endpoint_url=endpoint, config=config, region_name=region)
    return boto3.client("dynamodb", **common), boto3.client("dynamodbstreams", **common)


def stream_arn(dynamodb, table):
    """The table's stream, once the table exists (the stack creates it after this starts)."""
    while True:
        try:
            arn = dynamodb.describe_table(TableName=table)["Table"].get("LatestStreamArn")
            if arn:
                return arn
            log(f"table {table} has no stream: the outbox cannot be delivered")
            sys.exit(1)
        except dynamodb.exceptions.ResourceNotFoundException:
            time.sleep(0.5)


def outbox_records(records):
    """The stream records the template's filter lets through, shaped as Lambda receives them."""
    kept = []
    for record in records:
        keys = record.get("dynamodb", {}).get("Keys", {})
        pk = keys.get("pk", {}).get("S", "")
        if record.get("eventName") != "INSERT" or not pk.startswith("OUTBOX#"):
            continue
        kept.append({
            "eventID": record.get("eventID", ""),
            "eventName": "INSERT",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "eu-west-3",
            "dynamodb": {
                "Keys": keys,
                "SequenceNumber": record["dynamodb"]["SequenceNumber"],
                "StreamViewType": "KEYS_ONLY",
            },
        })
    return kept


class Relay:
    def __init__(self, table, endpoint, invoke_url):
        self.table, self.invoke_url = table, invoke_url
        self.dynamodb, self.streams = clients(endpoint)
        self.pool = ThreadPoolExecutor(max_workers=WORKERS)
        self.lock = threading.Lock()
        self.delivered = self.retried = self.given_up = 0

    def invoke(self, records):
        body = json.dumps({"Records": records}).encode()
        request = urllib.request.Request(self.invoke_url, data=body, method="POST",
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as reply:
            answer = json.loads(reply.read() or b"{}")
        return [f.get("itemIdentifier") for f in answer.get("batchItemFailures") or []]

    def deliver(self, records):
        """One batch, until the mailer has taken every record of it."""
        pause = 0.2
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                failed = self.invoke(records)
            except (urllib.error.URLError, OSError, ValueError) as error:
                failed = [records[0]["dynamodb"]["SequenceNumber"]]
                log(f"invocation failed ({error!r}); trying again")
            if not failed:
                with self.lock:
                    self.delivered += len(records)
                return
            sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
            first = min((sequences.index(f) for f in failed if f in sequences), default=0)
            records = records[first:]
            with self.lock:
                self.retried += 1
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
        with self.lock:
            self.given_up += len(records)
        log(f"gave up on {len(records)} records after {MAX_ATTEMPTS} attempts, from "
            f"{records[0]['dynamodb']['SequenceNumber']}")

    def run(self):
        arn = stream_arn(self.dynamodb, self.table)
        log(f"reading {arn}")
        iterators, finished, last_shards, last_stats = {}, set(), 0.0, time.monotonic()
        while True:
            now = time.monotonic()
            if now - last_shards > 5 or not iterators:
                shards = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
                for shard in shards:
                    shard_id = shard["ShardId"]
                    if shard_id not in iterators and shard_id not in finished:
                        iterators[shard_id] = self.streams.get_shard_iterator(
                            StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                        )["ShardIterator"]
                last_shards = now
            busy = False
            for shard_id, iterator in list(iterators.items()):
                out = self.streams.get_records(ShardIterator=iterator, Limit=1000)
                records = outbox_records(out.get("Records", []))
                for i in range(0, len(records), BATCH):
                    self.pool.submit(self.deliver, records[i:i + BATCH])
                busy = busy or bool(out.get("Records"))
                if out.get("NextShardIterator"):
                    iterators[shard_id] = out["NextShardIterator"]
                else:
                    del iterators[shard_id]
                    finished.add(shard_id)
            if now - last_stats > STATS_EVERY:
                with self.lock:
                    log(f"delivered {self.delivered}, batches retried {self.retried}, given up {self.given_up}")
                last_stats = now
            if not busy:
                time.sleep(POLL_SECONDS)


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    table, endpoint, invoke_url = sys.argv[1:]
    log(f"{table} at {endpoint} -> {invoke_url}")
    Relay(table, endpoint, invoke_url).run()


if __name__ == "__main__":
    main()
