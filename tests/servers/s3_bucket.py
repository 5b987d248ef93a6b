"""Fills an S3 server on loopback (moto in server mode, started by the test
with INITIAL_NO_AUTH_ACTION_COUNT=3, so it checks SigV4 signatures against
its IAM users after the first three calls) for tests/objects.rs.

    python3 s3_bucket.py ENDPOINT SPEC.json

SPEC: {"buckets": [{"name": ..., "versioned": bool,
                    "objects": [{"key": ..., "file": LOCAL_PATH}, ...]}]}
Objects are put in order, so a key put twice has two versions.

The first three calls create an IAM user with an S3-only inline policy and
an access key; everything after is signed with that key. Prints JSON:
{"id": ..., "secret": ..., "versions": [[bucket, key, version_id], ...]}.
"""

import json
import sys

import boto3


def main():
    endpoint, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as f:
        spec = json.load(f)
    common = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    iam = boto3.client("iam", aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap", **common)
    iam.create_user(UserName="auditor")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_user_policy(UserName="auditor", PolicyName="s3", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    s3 = boto3.client(
        "s3", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], **common
    )
    versions = []
    for bucket in spec["buckets"]:
        s3.create_bucket(Bucket=bucket["name"])
        if bucket.get("versioned"):
            s3.put_bucket_versioning(Bucket=bucket["name"], VersioningConfiguration={"Status": "Enabled"})
        for obj in bucket["objects"]:
            with open(obj["file"], "rb") as f:
                answer = s3.put_object(Bucket=bucket["name"], Key=obj["key"], Body=f.read())
            versions.append([bucket["name"], obj["key"], answer.get("VersionId")])
    print(json.dumps({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"], "versions": versions}))


if __name__ == "__main__":
    main()
