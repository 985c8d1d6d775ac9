"""The project's extension of moto's server: what moto lacks for this tool, behaving as the
botocore service model and AWS do.

- Bedrock application and system-defined inference profiles (create, get, list, delete, tags),
  over a catalog of foundation models and cross-region profiles (catalog.json).
- The Resource Groups Tagging API's GetResources sees application inference profiles, and
  answers for log groups and buckets as AWS does (profiles.py, "Resource Groups Tagging API").
- PutModelInvocationLoggingConfiguration checks what AWS checks: the log group, the role, its
  trust policy and permissions, the bucket.
- STS AssumeRole issues credentials only for a role that exists and trusts the caller
  (sts_fidelity.py); other accounts are Organizations members with OrganizationAccountAccessRole.
- A control API under /_emulator/ for latency, fault injection and IAM propagation delay.

Everything is loaded into moto's own server process, so it shares moto's accounts, regions and
the IAM, S3 and CloudWatch Logs backends.
"""
