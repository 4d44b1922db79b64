#!/usr/bin/env python3
"""The independent S3 client of the tests: boto3 (not assetflow's code) against the endpoint in
AWS_ENDPOINT_URL with the keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. One command per
call, results on stdout:

  s3_check.py sha256 BUCKET KEY        -> "<sha256 hex> <size> <ETag>" or "missing"
  s3_check.py put BUCKET KEY FILE      -> the new ETag
  s3_check.py keys BUCKET PREFIX       -> one key per line (every key under PREFIX)
  s3_check.py uploads BUCKET PREFIX    -> one "<key> <upload id>" line per unfinished upload
  s3_check.py delete BUCKET KEY
  s3_check.py metadata DB ASSET        -> metadata_json of ASSET's latest materialization (sqlite)
  s3_check.py events DB TYPE           -> how many events of TYPE the event log holds
"""
import hashlib
import os
import sqlite3
import sys


def client():
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def main(argv):
    cmd = argv[0]
    if cmd == "metadata":
        db = sqlite3.connect(f"file:{argv[1]}?mode=ro", uri=True)
        row = db.execute("SELECT metadata_json FROM materializations WHERE asset_key = ? "
                         "ORDER BY id DESC LIMIT 1", (argv[2],)).fetchone()
        print(row[0] if row else "none")
        return 0
    if cmd == "events":
        db = sqlite3.connect(f"file:{argv[1]}?mode=ro", uri=True)
        print(db.execute("SELECT COUNT(*) FROM events WHERE type = ?", (argv[2],)).fetchone()[0])
        return 0
    s3 = client()
    if cmd == "sha256":
        import botocore
        try:
            obj = s3.get_object(Bucket=argv[1], Key=argv[2])
        except botocore.exceptions.ClientError as e:
            if e.response["Error"]["Code"] in ("NoSuchKey", "404"):
                print("missing")
                return 0
            raise
        h, size = hashlib.sha256(), 0
        for chunk in obj["Body"].iter_chunks(1 << 20):
            h.update(chunk)
            size += len(chunk)
        print(h.hexdigest(), size, obj["ETag"])
    elif cmd == "put":
        with open(argv[3], "rb") as f:
            print(s3.put_object(Bucket=argv[1], Key=argv[2], Body=f.read())["ETag"])
    elif cmd == "keys":
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=argv[1], Prefix=argv[2]):
            for item in page.get("Contents", []):
                print(item["Key"])
    elif cmd == "uploads":
        answer = s3.list_multipart_uploads(Bucket=argv[1], Prefix=argv[2])
        for u in answer.get("Uploads", []):
            print(u["Key"], u["UploadId"])
    elif cmd == "delete":
        s3.delete_object(Bucket=argv[1], Key=argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
