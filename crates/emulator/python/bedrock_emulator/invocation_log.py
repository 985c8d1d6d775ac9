"""The invocation records and metrics of bedrock-runtime calls, as Bedrock writes them: a
record per call to the log group's `aws/bedrock/modelinvocations` stream (bodies over 100 KiB
to the large-data bucket) or to the S3 destination, and the call's `AWS/Bedrock` metrics.
"""

import gzip
import json
import threading
import uuid
from datetime import datetime, timezone

from moto.bedrock.models import bedrock_backends
from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends

from . import logging_config

LARGE_DATA_BYTES = 100 * 1024
STREAM = "aws/bedrock/modelinvocations"
_lock = threading.Lock()


def _identity(self) -> str:
    from .runtime import _identity as identity

    return identity(self)


def _model_id(self) -> str:
    from .runtime import _model_id as model_id

    return model_id(self)


def _record(self, call, response_body=None, input_tokens=0, output_tokens=0, cache=(0, 0), error=None):
    """Write Bedrock's invocation log record, if logging is configured here."""
    backend = bedrock_backends[self.current_account][self.region]
    holder = backend.model_invocation_logging_configuration
    config = holder.logging_config if holder else None
    if not config:
        return
    now = datetime.now(timezone.utc)
    text = config.get("textDataDeliveryEnabled", False)
    record = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": self.current_account,
        "identity": {"arn": _identity(self)},
        "region": self.region,
        "requestId": call["request_id"],
        "operation": call["operation"],
        "modelId": call["model_id"],
        "input": {"inputContentType": "application/json", "inputTokenCount": input_tokens},
    }
    if cache[0]:
        record["input"]["cacheReadInputTokenCount"] = cache[0]
    if cache[1]:
        record["input"]["cacheWriteInputTokenCount"] = cache[1]
    if error is None:
        record["output"] = {"outputContentType": "application/json", "outputTokenCount": output_tokens}
        record["inferenceRegion"] = call["inference_region"]
    else:
        record["errorCode"] = error
    # Converse's requestMetadata ("key-value pairs that you can use to filter invocation
    # logs") is written into the record as the caller set it.
    metadata = (call.get("request") or {}).get("requestMetadata") if call["operation"] in ("Converse", "ConverseStream") else None
    if isinstance(metadata, dict) and metadata:
        record["requestMetadata"] = metadata
    cloudwatch = config.get("cloudWatchConfig") or {}
    s3_config = config.get("s3Config") or {}
    to_cloudwatch = bool(cloudwatch) and logging_config.can_deliver_cloudwatch(self, cloudwatch)
    to_s3 = bool(s3_config) and logging_config.can_deliver_s3(self, s3_config)
    # What delivery Bedrock reports in CloudWatch: a record it could not deliver is counted.
    if cloudwatch:
        _publish(self, {f"ModelInvocationLogsCloudWatchDelivery{'Success' if to_cloudwatch else 'Failure'}": 1})
    if s3_config:
        _publish(self, {f"ModelInvocationLogsS3Delivery{'Success' if to_s3 else 'Failure'}": 1})
    if not to_cloudwatch and not to_s3:
        return
    # Large bodies go to the large-data bucket of a CloudWatch destination, or under the S3
    # destination's own path.
    large = (cloudwatch.get("largeDataDeliveryS3Config") or {}) if to_cloudwatch else s3_config
    s3 = s3_backends[self.current_account]["aws"]
    if text:
        sides = [("input", call["request"])] + ([("output", response_body)] if error is None else [])
        for side, body in sides:
            data = json.dumps(body)
            if len(data) > LARGE_DATA_BYTES and large.get("bucketName"):
                key = "/".join(p for p in [_log_path(self, large.get("keyPrefix"), now), "data", f"{call['request_id']}_{side}.json.gz"] if p)
                bucket = s3.get_bucket(large["bucketName"])
                s3.put_object(bucket.name, key, gzip.compress(data.encode()))
                record[side][f"{side}BodyS3Path"] = f"s3://{bucket.name}/{key}"
            else:
                record[side][f"{side}BodyJson"] = body
    if to_s3:
        # One gzipped object of JSON lines, named as Bedrock names them.
        stamp = now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"
        key = f"{_log_path(self, s3_config.get('keyPrefix'), now)}/{stamp}_{uuid.uuid4().hex[:16]}.json.gz"
        s3.put_object(s3_config["bucketName"], key, gzip.compress((json.dumps(record) + "\n").encode()))
    group_name = cloudwatch.get("logGroupName") if to_cloudwatch else None
    if not group_name:
        return
    logs = logs_backends[self.current_account][self.region]
    with _lock:
        group = logs.groups.get(group_name)
        if group is None:
            return
        if STREAM not in group.streams:
            group.create_log_stream(STREAM)
        group.put_log_events(STREAM, [{"timestamp": int(now.timestamp() * 1000), "message": json.dumps(record)}])


def _log_path(self, prefix, now) -> str:
    """PREFIX/AWSLogs/ACCOUNT/BedrockModelInvocationLogs/REGION/YYYY/MM/DD/HH."""
    parts = [(prefix or "").strip("/"), "AWSLogs", self.current_account, "BedrockModelInvocationLogs", self.region, now.strftime("%Y/%m/%d/%H")]
    return "/".join(p for p in parts if p)


METRICS_NAMESPACE = "AWS/Bedrock"


def _publish(self, values: dict, model_id=None) -> None:
    """Bedrock's CloudWatch metrics (namespace AWS/Bedrock): a runtime call's, with the
    dimension ModelId as the call named the model; a log delivery's, with none."""
    backend = cloudwatch_backends[self.current_account][self.region]
    dimensions = [{"Name": "ModelId", "Value": model_id}] if model_id else []
    for name, value in values.items():
        unit = "Milliseconds" if name.endswith("Latency") else "Count"
        # Appended as the service does: PutMetricData refuses AWS/ namespaces to callers.
        # moto keeps its datapoints' times naive UTC: its own "now".
        backend.metric_data.append(MetricDatum(namespace=METRICS_NAMESPACE, name=name, value=float(value), dimensions=dimensions, timestamp=None, unit=unit))


