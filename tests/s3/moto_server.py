#!/usr/bin/env python3
"""An S3-protocol server for the tests and benchmarks: moto's server mode on 127.0.0.1 that
verifies SigV4 signatures.

  moto_server.py [--bucket NAME]...

Binds a free port (the OS picks it: suites of several engineers run side by side), creates an
IAM user with an access key and an allow-all policy plus the buckets -- the only requests let
through unauthenticated (INITIAL_NO_AUTH_ACTION_COUNT) -- and from then on refuses every
request without a valid signature. When ready it prints one line on stdout:

  ready port=<port> access_key=<id> secret_key=<secret>

and serves until SIGTERM/SIGINT (it exits at once, the store is in memory).

moto recomputes the signature over a path and query that it has decoded and re-encoded itself,
so any %-escape other than %20 (keys with é, '+', '='; a `prefix=dir%2F` query) fails with
SignatureDoesNotMatch even for botocore. During the check the request's URI is replaced by the
raw one the client sent (werkzeug's RAW_URI), which is what the client signed.
"""
import argparse
import json
import os
import signal
import sys
import threading

BOOTSTRAP_REQUESTS = 3  # IAM: create user, create access key, put policy; plus one per bucket


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bucket", action="append", default=[],
                        help="bucket to create before signatures are enforced (repeatable)")
    args = parser.parse_args()
    # Read by moto.settings when moto is imported: set before the import.
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(BOOTSTRAP_REQUESTS + len(args.bucket))
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        os.environ.pop(var, None)

    import logging

    import boto3
    import flask
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    original = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def check_raw_uri(self, iam_request_cls, resource="*"):
        raw = flask.request.environ.get("RAW_URI") if flask.has_request_context() else None
        if not raw:
            return original(self, iam_request_cls, resource)
        decoded, self.uri = self.uri, "http://host" + raw
        try:
            return original(self, iam_request_cls, resource)
        finally:
            self.uri = decoded

    ActionAuthenticatorMixin._authenticate_and_authorize_action = check_raw_uri

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()

    endpoint = f"http://127.0.0.1:{port}"
    anonymous = dict(endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam = boto3.client("iam", **anonymous)
    iam.create_user(UserName="assetflow")
    key = iam.create_access_key(UserName="assetflow")["AccessKey"]
    iam.put_user_policy(UserName="assetflow", PolicyName="allow-all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    s3 = boto3.client("s3", **anonymous)
    for bucket in args.bucket:
        s3.create_bucket(Bucket=bucket)

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    print(f"ready port={port} access_key={key['AccessKeyId']} secret_key={key['SecretAccessKey']}",
          flush=True)
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
