"""`POST /_emulator/reset` under load, after a session of many accounts: it answers only once
the reset is done (every account empty, the next request fast), and no request made while it
runs gets an error.

    python reset.py --endpoint http://127.0.0.1:4566 [--accounts 10]

Prints what it checked; exits 1 on the first failure. Run by tests/conformance.rs.
"""

import argparse
import json
import sys
import threading
import time
import urllib.request

import boto3
import botocore
from botocore.config import Config

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--accounts", type=int, default=10)
    args = parser.parse_args()
    config = Config(retries={"total_max_attempts": 1}, read_timeout=120)
    kw = dict(endpoint_url=args.endpoint, region_name="us-east-1", config=config)
    own = dict(kw, aws_access_key_id="test", aws_secret_access_key="test")
    sts = boto3.client("sts", **own)

    def member_iam(account):
        role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        creds = sts.assume_role(RoleArn=role, RoleSessionName="reset-check")["Credentials"]
        return boto3.client("iam", **kw, aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])

    def fill():
        """A role in each of the accounts (and every region's IAM backend they touch)."""
        for i in range(args.accounts):
            iam = member_iam(f"{222222222200 + i}")
            iam.create_role(RoleName="reset-check", AssumeRolePolicyDocument=TRUST)
        boto3.client("iam", **own).create_role(RoleName="reset-check", AssumeRolePolicyDocument=TRUST)

    def reset():
        request = urllib.request.Request(args.endpoint + "/_emulator/reset", data=b"{}", method="POST")
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=300) as answer:
            assert answer.status == 200, answer.status
        return time.monotonic() - started

    failures = []
    stop = threading.Event()

    def hammer():
        """Requests of several services while resets run: none may fail."""
        iam = boto3.client("iam", **own)
        bedrock = boto3.client("bedrock", **own)
        logs = boto3.client("logs", **own)
        while not stop.is_set():
            for call in (iam.list_roles, bedrock.list_inference_profiles, logs.describe_log_groups, sts.get_caller_identity):
                try:
                    call()
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
                    failures.append(f"{call.__name__} during a reset: {error}")

    fill()
    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for worker in workers:
        worker.start()
    took = []
    try:
        for _ in range(3):
            took.append(reset())
            fill()
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    print(f"resets under load took {', '.join(f'{t:.2f} s' for t in took)}")
    if failures:
        print("\n".join(failures[:10]))
        sys.exit(1)

    # Done when it answers: every account is empty at once.
    reset()
    roles = boto3.client("iam", **own).list_roles()["Roles"]
    if any(r["RoleName"] == "reset-check" for r in roles):
        print("a role outlived the reset in the emulator's own account")
        sys.exit(1)
    names = [r["RoleName"] for r in member_iam("222222222200").list_roles()["Roles"]]
    if "reset-check" in names:
        print("a role outlived the reset in a member account")
        sys.exit(1)
    # No warm-up left for the first request after a reset.
    started = time.monotonic()
    boto3.client("iam", **own).list_roles()
    first = time.monotonic() - started
    print(f"first request after a reset: {first:.2f} s")
    print("reset checked: done when answered, no request failed during it")


if __name__ == "__main__":
    main()
