"""After `electeur-admin vote purge`: no voter's address, id or name is left in any of the three
tables (the portal's, the urne's, the émargement's). Reads every item with boto3 against the
endpoint given, and the roll the credential authority received (voters.csv) for what to look for.

Usage: check-purge.py ENDPOINT TABLE ROLL.csv
"""

import csv
import sys

import boto3


def values(item):
    for v in item.values():
        for kind, x in v.items():
            if kind in ("S", "N"):
                yield str(x)
            elif kind in ("SS", "NS"):
                yield from (str(e) for e in x)
            elif kind == "L":
                for e in x:
                    yield from values({"_": e})
            elif kind == "M":
                yield from values(x)


def main():
    endpoint, table, roll = sys.argv[1:4]
    client = boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="eu-west-3",
        aws_access_key_id="local", aws_secret_access_key="local",
    )
    voters = list(csv.DictReader(open(roll, encoding="utf-8")))
    emails = {v["email"].lower() for v in voters}
    ids = {v["voter_id"] for v in voters}
    names = {v["last_name"] for v in voters}
    found = []
    scanned = 0
    for name in (table, f"{table}-urne", f"{table}-emargement"):
        for page in client.get_paginator("scan").paginate(TableName=name):
            for item in page["Items"]:
                scanned += 1
                pk = item.get("pk", {}).get("S", "")
                for text in values(item):
                    low = text.lower()
                    if any(e in low for e in emails if "@" in low):
                        found.append(f"{name} {pk}: an address")
                    if text in ids and not pk.startswith(("TURNOUT#", "COUNT#")):
                        found.append(f"{name} {pk}: a voter id")
                    # candidates are published with their lists: names there are not voters'
                    if text in names and not pk.startswith("SCRUTIN#"):
                        found.append(f"{name} {pk}: a voter's name")
    if found:
        print(f"check-purge: {len(found)} personal values left, e.g.:", *found[:10], sep="\n  ")
        sys.exit(1)
    print(f"check-purge: {scanned} items of the three tables, none holds an address, a voter id "
          f"or a name of the {len(voters)} voters of the roll")


if __name__ == "__main__":
    main()
