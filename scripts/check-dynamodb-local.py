"""Checks that a local DynamoDB behaves as the project relies on, through boto3 (the Python SDK):
conditions with ReturnValuesOnConditionCheckFailure, transactions cancelled with their reasons and
nothing written, Query paging, the gsi1 index, BatchWriteItem, one winner per key among 8 racing
writers, and the table's stream read through the Streams API (DescribeStream, GetShardIterator
from TRIM_HORIZON and LATEST, GetRecords with old and new images), also turned on for an existing
table. Works on tables of its own, deleted at the end; prints PASS or FAIL per check and exits 1 on
any failure.

Usage: .tools/venv/bin/python scripts/check-dynamodb-local.py http://127.0.0.1:PORT
"""

import sys
import threading

import boto3
import botocore

if len(sys.argv) != 2 or not sys.argv[1].startswith(("http://127.", "http://localhost:")):
    sys.exit("usage: check-dynamodb-local.py http://127.0.0.1:PORT (a local emulator only)")
ep = sys.argv[1]
kw = dict(endpoint_url=ep, region_name="eu-west-3", aws_access_key_id="local", aws_secret_access_key="local")
d = boto3.client("dynamodb", **kw)
s = boto3.client("dynamodbstreams", **kw)
T = "emulator-check"
try: d.delete_table(TableName=T)
except Exception: pass
S = lambda n: {"AttributeName": n, "AttributeType": "S"}
d.create_table(TableName=T, BillingMode="PAY_PER_REQUEST",
  AttributeDefinitions=[S("pk"), S("sk"), S("gsi1pk"), S("gsi1sk")],
  KeySchema=[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
  GlobalSecondaryIndexes=[{"IndexName":"gsi1","KeySchema":[{"AttributeName":"gsi1pk","KeyType":"HASH"},{"AttributeName":"gsi1sk","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}],
  StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
d.update_time_to_live(TableName=T, TimeToLiveSpecification={"AttributeName":"ttl","Enabled":True})
arn = d.describe_table(TableName=T)["Table"]["LatestStreamArn"]
print("stream", arn)
FAILED = []


def ok(name, cond):
    print(("PASS " if cond else "FAIL ") + name)
    if not cond:
        FAILED.append(name)


# condition + ReturnValuesOnConditionCheckFailure
d.put_item(TableName=T, Item={"pk":{"S":"A"},"sk":{"S":"1"},"v":{"N":"1"}})
try:
    d.put_item(TableName=T, Item={"pk":{"S":"A"},"sk":{"S":"1"},"v":{"N":"2"}}, ConditionExpression="attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure="ALL_OLD")
    ok("conditional put fails", False)
except botocore.exceptions.ClientError as e:
    ok("ConditionalCheckFailed", e.response["Error"]["Code"]=="ConditionalCheckFailedException")
    ok("RVOCCF ALL_OLD item", e.response.get("Item",{}).get("v")=={"N":"1"})
# transaction cancelled with reasons, nothing written
try:
    d.transact_write_items(TransactItems=[
      {"Put":{"TableName":T,"Item":{"pk":{"S":"B"},"sk":{"S":"1"}}}},
      {"Update":{"TableName":T,"Key":{"pk":{"S":"A"},"sk":{"S":"1"}},"UpdateExpression":"SET v = :n","ConditionExpression":"v = :o","ExpressionAttributeValues":{":n":{"N":"3"},":o":{"N":"9"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}}])
    ok("txn cancelled", False)
except botocore.exceptions.ClientError as e:
    r = e.response.get("CancellationReasons")
    print("  reasons", r)
    ok("TransactionCanceled", e.response["Error"]["Code"]=="TransactionCanceledException")
    ok("reasons None,ConditionalCheckFailed", r and r[0]["Code"]=="None" and r[1]["Code"]=="ConditionalCheckFailed")
    ok("reason carries old item", r and r[1].get("Item",{}).get("v")=={"N":"1"})
ok("nothing written", "Item" not in d.get_item(TableName=T, Key={"pk":{"S":"B"},"sk":{"S":"1"}}))
# paging + GSI + batch
reqs=[{"PutRequest":{"Item":{"pk":{"S":"P"},"sk":{"S":"%03d"%i},"gsi1pk":{"S":"G"},"gsi1sk":{"S":"%03d"%i}}}} for i in range(25)]
d.batch_write_item(RequestItems={T:reqs})
items=[]; lek=None
while True:
    a=dict(TableName=T,KeyConditionExpression="pk = :p",ExpressionAttributeValues={":p":{"S":"P"}},Limit=7)
    if lek: a["ExclusiveStartKey"]=lek
    r=d.query(**a); items+=r["Items"]; lek=r.get("LastEvaluatedKey")
    if not lek: break
ok("paging 25", len(items)==25)
r=d.query(TableName=T,IndexName="gsi1",KeyConditionExpression="gsi1pk = :p",ExpressionAttributeValues={":p":{"S":"G"}})
ok("gsi 25", r["Count"]==25)
# race: 8 workers, one winner
wins=[]
def w(i):
    c=boto3.client("dynamodb", **kw)
    try:
        c.transact_write_items(TransactItems=[{"Put":{"TableName":T,"Item":{"pk":{"S":"R"},"sk":{"S":"1"},"w":{"N":str(i)}},"ConditionExpression":"attribute_not_exists(pk)"}},
            {"Put":{"TableName":T,"Item":{"pk":{"S":"R2"},"sk":{"S":str(i)}}}}])
        wins.append(i)
    except botocore.exceptions.ClientError as e:
        pass
for rnd in range(5):
    d.delete_item(TableName=T, Key={"pk":{"S":"R"},"sk":{"S":"1"}}); wins.clear()
    ts=[threading.Thread(target=w,args=(i,)) for i in range(8)]; [t.start() for t in ts]; [t.join() for t in ts]
    ok("one winner round %d"%rnd, len(wins)==1)
# stream
sh = s.describe_stream(StreamArn=arn)["StreamDescription"]
ok("stream view type", sh["StreamViewType"]=="NEW_AND_OLD_IMAGES")
recs=[]
for shard in sh["Shards"]:
    it=s.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    for _ in range(5):
        r=s.get_records(ShardIterator=it, Limit=1000); recs+=r["Records"]; it=r.get("NextShardIterator")
        if not it or not r["Records"]: break
print("  records", len(recs), [ (x["eventName"], x["dynamodb"]["Keys"]["pk"]["S"]) for x in recs[:4]])
ok("stream has INSERT with NewImage", any(x["eventName"]=="INSERT" and "NewImage" in x["dynamodb"] for x in recs))
ok("failed txn not in stream", not any(x["dynamodb"]["Keys"]["pk"]["S"]=="B" for x in recs))
d.update_item(TableName=T, Key={"pk":{"S":"A"},"sk":{"S":"1"}}, UpdateExpression="SET v = :n", ExpressionAttributeValues={":n":{"N":"5"}})
it=s.get_shard_iterator(StreamArn=arn, ShardId=sh["Shards"][-1]["ShardId"], ShardIteratorType="LATEST")["ShardIterator"]
d.update_item(TableName=T, Key={"pk":{"S":"A"},"sk":{"S":"1"}}, UpdateExpression="SET v = :n", ExpressionAttributeValues={":n":{"N":"6"}})
r=s.get_records(ShardIterator=it)
ok("LATEST iterator then MODIFY with old+new", any(x["eventName"]=="MODIFY" and x["dynamodb"]["OldImage"]["v"]=={"N":"5"} and x["dynamodb"]["NewImage"]["v"]=={"N":"6"} for x in r["Records"]))
# update existing table to add stream (ensure_table for an old table)
d.create_table(TableName=T+"2", BillingMode="PAY_PER_REQUEST", AttributeDefinitions=[S("pk")], KeySchema=[{"AttributeName":"pk","KeyType":"HASH"}])
d.update_table(TableName=T+"2", StreamSpecification={"StreamEnabled":True,"StreamViewType":"NEW_IMAGE"})
ok("update_table adds stream", d.describe_table(TableName=T+"2")["Table"].get("StreamSpecification",{}).get("StreamEnabled"))
d.delete_table(TableName=T+"2"); d.delete_table(TableName=T)
print("%d failed" % len(FAILED))
sys.exit(1 if FAILED else 0)
