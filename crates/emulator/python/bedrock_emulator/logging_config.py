"""Model invocation logging: PutModelInvocationLoggingConfiguration checks what AWS checks
before it accepts a configuration; Get returns no loggingConfig when none is set; Delete
clears it.

For a CloudWatch destination: the log group exists; the role exists, is old enough to have
propagated (the emulator's propagation delay), trusts bedrock.amazonaws.com for this account
and region, and its policies allow logs:CreateLogStream and logs:PutLogEvents on the group's
stream `aws/bedrock/modelinvocations`. For large payloads and for an S3 destination: the bucket
exists in this region, and (large data) the role may s3:PutObject under the key prefix, or
(S3 destination) the bucket policy lets Bedrock do so. Otherwise a ValidationException with
AWS's text.
"""

import json
from datetime import datetime, timezone

from moto.bedrock.responses import BedrockResponse
from moto.iam.models import iam_backends
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends

from . import catalog, iam_eval
from .errors import ValidationException

BEDROCK = "bedrock.amazonaws.com"
JSON = {"Content-Type": "application/json"}
STREAM = "aws/bedrock/modelinvocations"

# Seconds a new role takes to "propagate": a younger role fails the checks, as a role just
# created in IAM often does for a few seconds in AWS. Set through the control API.
settings = {"propagation_delay_seconds": 0.0}


def role_documents(role) -> list:
    docs = [iam_eval.parse_document(d) for d in role.policies.values()]
    for policy in role.managed_policies.values():
        # moto keeps a managed policy's documents as versions; the default one applies.
        default = getattr(policy, "default_version_id", None)
        for version in getattr(policy, "versions", []):
            if version.version_id == default or (default is None and getattr(version, "is_default", False)):
                docs.append(iam_eval.parse_document(version.document))
    return docs


def _role(self, role_arn: str):
    """The role for an ARN of this account, or None."""
    parts = role_arn.split(":", 5)
    if len(parts) != 6 or parts[4] != self.current_account or not parts[5].startswith("role/"):
        return None
    name = parts[5].rsplit("/", 1)[-1]
    backend = iam_backends[self.current_account][catalog.partition_of(self.region)]
    for role in backend.roles.values():
        if role.name == name:
            return role
    return None


def _role_ready(self, role) -> bool:
    if role is None:
        return False
    created = role.create_date
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    age = (datetime.now(timezone.utc) - created).total_seconds()
    if age < settings["propagation_delay_seconds"]:
        return False
    context = {
        "aws:sourceaccount": self.current_account,
        "aws:sourcearn": f"arn:{catalog.partition_of(self.region)}:bedrock:{self.region}:{self.current_account}:model-invocation-logging",
    }
    return iam_eval.trusts_service(role.assume_role_policy_document, BEDROCK, context)


def _bucket(self, name: str):
    bucket = s3_backends[self.current_account][catalog.partition_of(self.region)].buckets.get(name)
    if bucket is None or bucket.region_name != self.region:
        return None
    return bucket


def _object_arn(self, bucket: str, prefix: str) -> str:
    prefix = (prefix or "").strip("/")
    key = f"{prefix}/" if prefix else ""
    return f"arn:{catalog.partition_of(self.region)}:s3:::{bucket}/{key}AWSLogs/{self.current_account}/BedrockModelInvocationLogs/{self.region}/object.json.gz"


def _check_cloudwatch(self, config: dict):
    group = config.get("logGroupName")
    role_arn = config.get("roleArn")
    failure = ValidationException(
        f"Failed to validate permissions for log group: {group}, with role: {role_arn}. Verify the IAM role permissions are correct."
    )
    groups = logs_backends[self.current_account][self.region].groups
    role = _role(self, role_arn)
    if group not in groups or not _role_ready(self, role):
        raise failure
    stream = f"arn:{catalog.partition_of(self.region)}:logs:{self.region}:{self.current_account}:log-group:{group}:log-stream:{STREAM}"
    documents = role_documents(role)
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        if not iam_eval.allows(documents, action, stream):
            raise failure
    large = config.get("largeDataDeliveryS3Config")
    if large:
        bucket = large.get("bucketName")
        bucket_failure = ValidationException(
            f"Failed to validate permissions for bucket: {bucket}, with role: {role_arn}. Verify the IAM role permissions are correct."
        )
        if not isinstance(bucket, str) or _bucket(self, bucket) is None:
            raise bucket_failure
        if not iam_eval.allows(documents, "s3:PutObject", _object_arn(self, bucket, large.get("keyPrefix"))):
            raise bucket_failure


def can_deliver_cloudwatch(self, config: dict) -> bool:
    """Whether Bedrock can deliver a record now: the checks of Put still hold (the group
    exists, the role trusts Bedrock for this region and may write). AWS checks once when the
    configuration is put and delivers through the role afterwards; a record it cannot deliver
    (the role deleted, or no longer trusting the region) is lost, not an error to the caller."""
    try:
        _check_cloudwatch(self, config)
    except ValidationException:
        return False
    return True


def _check_s3(self, config: dict):
    name = config.get("bucketName")
    failure = ValidationException(
        f"Failed to validate permissions for bucket: {name}. Verify the bucket policy allows {BEDROCK} to write."
    )
    bucket = _bucket(self, name) if isinstance(name, str) else None
    if bucket is None or not bucket.policy:
        raise failure
    policy = iam_eval.parse_document(bucket.policy)
    statements = policy.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    service_statements = [
        s for s in statements
        if isinstance(s, dict) and isinstance(s.get("Principal"), dict)
        and BEDROCK in (s["Principal"].get("Service") if isinstance(s["Principal"].get("Service"), list) else [s["Principal"].get("Service")])
    ]
    if not iam_eval.allows([{"Statement": service_statements}], "s3:PutObject", _object_arn(self, name, config.get("keyPrefix"))):
        raise failure


def can_deliver_s3(self, config: dict) -> bool:
    """Whether Bedrock can deliver a record to the S3 destination now (the bucket is there
    and its policy still lets Bedrock write)."""
    try:
        _check_s3(self, config)
    except ValidationException:
        return False
    return True


PERMISSION_CHECK = "amazon-bedrock-logs-permission-check"


def put_model_invocation_logging_configuration(self):
    params = json.loads(self.body or "{}")
    config = params["loggingConfig"]  # required by the model, checked before this runs
    cloudwatch, s3 = config.get("cloudWatchConfig"), config.get("s3Config")
    if not cloudwatch and not s3:
        raise ValidationException("At least one logging destination (cloudWatchConfig or s3Config) is required.")
    if cloudwatch:
        _check_cloudwatch(self, cloudwatch)
    if s3:
        _check_s3(self, s3)
        # Bedrock proves it can write by writing this object under the prefix.
        prefix = (s3.get("keyPrefix") or "").strip("/")
        key = "/".join(p for p in [prefix, "AWSLogs", self.current_account, "BedrockModelInvocationLogs", PERMISSION_CHECK] if p)
        s3_backends[self.current_account][catalog.partition_of(self.region)].put_object(s3["bucketName"], key, b"")
    self.bedrock_backend.put_model_invocation_logging_configuration(logging_config=config)
    return "{}", dict(JSON)


def get_model_invocation_logging_configuration(self):
    config = self.bedrock_backend.get_model_invocation_logging_configuration()
    return json.dumps({"loggingConfig": config} if config else {}), dict(JSON)


def delete_model_invocation_logging_configuration(self):
    self.bedrock_backend.model_invocation_logging_configuration = None
    return "{}", dict(JSON)


def install():
    BedrockResponse.put_model_invocation_logging_configuration = put_model_invocation_logging_configuration
    BedrockResponse.get_model_invocation_logging_configuration = get_model_invocation_logging_configuration
    BedrockResponse.delete_model_invocation_logging_configuration = delete_model_invocation_logging_configuration
