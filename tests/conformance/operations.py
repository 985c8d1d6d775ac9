"""The operations the conformance walk sends, each with a valid request: every operation
the tool calls on each service, every Bedrock operation the emulator implements, and the
AWS Budgets operations the emulator answers (for the stack's budget).

A value of the form "{profile}" or "{guardrail}" is filled in with a resource made for the
walk (some operations delete theirs).
"""

import json

ACCOUNT = "123456789012"
REGION = "us-east-1"
SYSTEM_PROFILE = "us.anthropic.claude-3-haiku-20240307-v1:0"
MESSAGES = [{"role": "user", "content": [{"text": "Hello"}]}]
CLAUDE_BODY = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": [{"role": "user", "content": "Hello"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]})
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/walk-role"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:walk-topic"
ALARM_ARN = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:walk-alarm"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/walk/group"
DASHBOARD = json.dumps({"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 3, "properties": {"markdown": "walk"}}]})
METRIC = {"Namespace": "AWS/Bedrock", "MetricName": "Invocations", "Dimensions": [{"Name": "ModelId", "Value": "walk"}]}
BUCKET = "walk-bucket"
BUCKET_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{BUCKET}/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})

BUDGET = {"BudgetName": "walk-budget", "BudgetLimit": {"Amount": "100", "Unit": "USD"}, "CostFilters": {"Service": ["Amazon Bedrock"]}, "TimeUnit": "MONTHLY", "BudgetType": "COST"}
BUDGET_ARN = f"arn:aws:budgets::{ACCOUNT}:budget/walk-budget"
NOTIFICATION = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0, "ThresholdType": "PERCENTAGE"}
SUBSCRIBER = {"SubscriptionType": "EMAIL", "Address": "ops@example.com"}

OPERATIONS = {
    "bedrock": {
        "CreateInferenceProfile": {
            "inferenceProfileName": "walk-created",
            "description": "made by the conformance walk",
            "clientRequestToken": "walk-token-1",
            "modelSource": {"copyFrom": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/{SYSTEM_PROFILE}"},
            "tags": [{"key": "stack", "value": "walk"}],
        },
        "GetInferenceProfile": {"inferenceProfileIdentifier": "{profile}"},
        "ListInferenceProfiles": {"maxResults": 10, "typeEquals": "APPLICATION"},
        "DeleteInferenceProfile": {"inferenceProfileIdentifier": "{profile}"},
        "TagResource": {"resourceARN": "{profile}", "tags": [{"key": "team", "value": "walk"}]},
        "UntagResource": {"resourceARN": "{profile}", "tagKeys": ["team"]},
        "ListTagsForResource": {"resourceARN": "{profile}"},
        "PutModelInvocationLoggingConfiguration": {
            "loggingConfig": {
                "s3Config": {"bucketName": "walk-logs", "keyPrefix": "walk"},
                "textDataDeliveryEnabled": True,
                "imageDataDeliveryEnabled": False,
                "embeddingDataDeliveryEnabled": False,
                "videoDataDeliveryEnabled": False,
            }
        },
        "GetModelInvocationLoggingConfiguration": {},
        "DeleteModelInvocationLoggingConfiguration": {},
        "GetFoundationModel": {"modelIdentifier": "anthropic.claude-3-haiku-20240307-v1:0"},
        "CreateGuardrail": {
            "name": "walk-guardrail",
            "description": "made by the conformance walk",
            "blockedInputMessaging": "Blocked.",
            "blockedOutputsMessaging": "Blocked.",
            "contentPolicyConfig": {"filtersConfig": [{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}]},
            "topicPolicyConfig": {"topicsConfig": [{"name": "Investing", "definition": "Advice on investing.", "examples": ["Which stock?"], "type": "DENY"}]},
            "wordPolicyConfig": {"wordsConfig": [{"text": "zeus"}], "managedWordListsConfig": [{"type": "PROFANITY"}]},
            "sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
            "contextualGroundingPolicyConfig": {"filtersConfig": [{"type": "GROUNDING", "threshold": 0.5}]},
            "tags": [{"key": "stack", "value": "walk"}],
        },
        "UpdateGuardrail": {
            "guardrailIdentifier": "{guardrail}",
            "name": "walk-updated",
            "blockedInputMessaging": "Blocked.",
            "blockedOutputsMessaging": "Blocked.",
            "wordPolicyConfig": {"wordsConfig": [{"text": "apollo"}]},
        },
        "CreateGuardrailVersion": {"guardrailIdentifier": "{guardrail}", "description": "a version"},
        "GetGuardrail": {"guardrailIdentifier": "{guardrail}", "guardrailVersion": "DRAFT"},
        "ListGuardrails": {"maxResults": 10},
        "DeleteGuardrail": {"guardrailIdentifier": "{guardrail}"},
        "GetFoundationModelAvailability": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0"},
        "ListFoundationModelAgreementOffers": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0", "offerType": "PUBLIC"},
        "CreateFoundationModelAgreement": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0", "offerToken": "token"},
        "PutUseCaseForModelAccess": {"formData": json.dumps({"companyName": "Walk", "companyWebsite": "https://example.com", "intendedUsers": "0", "industryOption": "Technology", "otherIndustryOption": "", "useCases": "Tests"}).encode()},
        "GetUseCaseForModelAccess": {},
        "ListFoundationModels": {"byProvider": "Anthropic", "byOutputModality": "TEXT", "byInferenceType": "ON_DEMAND"},
    },
    "bedrock-runtime": {
        "Converse": {
            "modelId": "{profile}",
            "messages": MESSAGES,
            "system": [{"text": "Be brief."}],
            "inferenceConfig": {"maxTokens": 100, "temperature": 0.5, "topP": 0.9, "stopSequences": ["END"]},
            "additionalModelResponseFieldPaths": ["/stop_sequence"],
            "requestMetadata": {"team": "walk"},
        },
        "ConverseStream": {
            "modelId": "{profile}",
            "messages": MESSAGES,
            "inferenceConfig": {"maxTokens": 100},
        },
        "InvokeModel": {
            "modelId": "{profile}",
            "body": CLAUDE_BODY,
            "contentType": "application/json",
            "accept": "application/json",
            "trace": "DISABLED",
            "performanceConfigLatency": "standard",
        },
        "InvokeModelWithResponseStream": {
            "modelId": "{profile}",
            "body": CLAUDE_BODY,
            "contentType": "application/json",
            "accept": "application/json",
        },
    },
    "iam": {
        "CreateRole": {"RoleName": "walk-role", "AssumeRolePolicyDocument": TRUST, "Description": "walk", "MaxSessionDuration": 3600, "Path": "/", "Tags": [{"Key": "stack", "Value": "walk"}]},
        "GetRole": {"RoleName": "walk-role"},
        "ListRoles": {"PathPrefix": "/", "MaxItems": 10},
        "TagRole": {"RoleName": "walk-role", "Tags": [{"Key": "team", "Value": "walk"}]},
        "UntagRole": {"RoleName": "walk-role", "TagKeys": ["team"]},
        "ListRoleTags": {"RoleName": "walk-role", "MaxItems": 10},
        "UpdateAssumeRolePolicy": {"RoleName": "walk-role", "PolicyDocument": TRUST},
        "PutRolePolicy": {"RoleName": "walk-role", "PolicyName": "walk-policy", "PolicyDocument": POLICY},
        "GetRolePolicy": {"RoleName": "walk-role", "PolicyName": "walk-policy"},
        "ListRolePolicies": {"RoleName": "walk-role", "MaxItems": 10},
        "CreatePolicy": {"PolicyName": "walk-managed", "PolicyDocument": POLICY, "Path": "/", "Description": "walk", "Tags": [{"Key": "stack", "Value": "walk"}]},
        "AttachRolePolicy": {"RoleName": "walk-role", "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/walk-managed"},
        "ListAttachedRolePolicies": {"RoleName": "walk-role", "PathPrefix": "/", "MaxItems": 10},
        "DetachRolePolicy": {"RoleName": "walk-role", "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/walk-managed"},
        "GetAccountAuthorizationDetails": {"Filter": ["Role"], "MaxItems": 10},
        "DeleteRolePolicy": {"RoleName": "walk-role", "PolicyName": "walk-policy"},
        "DeleteRole": {"RoleName": "walk-role"},
    },
    "sts": {
        "GetCallerIdentity": {},
        "AssumeRole": {"RoleArn": f"arn:aws:iam::111111111111:role/OrganizationAccountAccessRole", "RoleSessionName": "walk", "DurationSeconds": 900, "ExternalId": "walk-external"},
    },
    "sns": {
        "CreateTopic": {"Name": "walk-topic", "Tags": [{"Key": "stack", "Value": "walk"}]},
        "ListTopics": {},
        "Subscribe": {"TopicArn": TOPIC_ARN, "Protocol": "email", "Endpoint": "walk@example.com", "ReturnSubscriptionArn": True},
        "ListSubscriptionsByTopic": {"TopicArn": TOPIC_ARN},
        "TagResource": {"ResourceArn": TOPIC_ARN, "Tags": [{"Key": "team", "Value": "walk"}]},
        "ListTagsForResource": {"ResourceArn": TOPIC_ARN},
        "UntagResource": {"ResourceArn": TOPIC_ARN, "TagKeys": ["team"]},
        "DeleteTopic": {"TopicArn": TOPIC_ARN},
    },
    "cloudwatch": {
        "PutMetricAlarm": {
            "AlarmName": "walk-alarm", "AlarmDescription": "walk", "ActionsEnabled": True, "AlarmActions": [TOPIC_ARN],
            "MetricName": "InvocationServerErrors", "Namespace": "AWS/Bedrock", "Statistic": "Sum", "Dimensions": [{"Name": "ModelId", "Value": "walk"}],
            "Period": 300, "EvaluationPeriods": 1, "DatapointsToAlarm": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching", "Tags": [{"Key": "stack", "Value": "walk"}],
        },
        "DescribeAlarms": {"AlarmNames": ["walk-alarm"], "AlarmNamePrefix": "walk", "StateValue": "OK", "MaxRecords": 10},
        "TagResource": {"ResourceARN": ALARM_ARN, "Tags": [{"Key": "team", "Value": "walk"}]},
        "ListTagsForResource": {"ResourceARN": ALARM_ARN},
        "UntagResource": {"ResourceARN": ALARM_ARN, "TagKeys": ["team"]},
        "PutDashboard": {"DashboardName": "walk-dashboard", "DashboardBody": DASHBOARD},
        "GetDashboard": {"DashboardName": "walk-dashboard"},
        "GetMetricData": {
            "MetricDataQueries": [{"Id": "m1", "MetricStat": {"Metric": METRIC, "Period": 300, "Stat": "Sum", "Unit": "Count"}, "ReturnData": True}],
            "StartTime": 1700000000, "EndTime": 1700003600, "ScanBy": "TimestampAscending", "MaxDatapoints": 100,
        },
        "DeleteDashboards": {"DashboardNames": ["walk-dashboard"]},
        "DeleteAlarms": {"AlarmNames": ["walk-alarm"]},
    },
    "logs": {
        "CreateLogGroup": {"logGroupName": "/walk/group", "tags": {"stack": "walk"}},
        "DescribeLogGroups": {"logGroupNamePrefix": "/walk", "limit": 10},
        "PutRetentionPolicy": {"logGroupName": "/walk/group", "retentionInDays": 30},
        "TagResource": {"resourceArn": LOG_GROUP_ARN, "tags": {"team": "walk"}},
        "ListTagsForResource": {"resourceArn": LOG_GROUP_ARN},
        "UntagResource": {"resourceArn": LOG_GROUP_ARN, "tagKeys": ["team"]},
        "FilterLogEvents": {"logGroupName": "/walk/group", "startTime": 0, "limit": 10, "filterPattern": "walk"},
        "DeleteLogGroup": {"logGroupName": "/walk/group"},
    },
    "ce": {
        "ListCostAllocationTags": {"Status": "Active", "TagKeys": ["stack"], "Type": "UserDefined", "MaxResults": 10},
        "UpdateCostAllocationTagsStatus": {"CostAllocationTagsStatus": [{"TagKey": "stack", "Status": "Active"}]},
    },
    "resourcegroupstaggingapi": {
        "GetResources": {"TagFilters": [{"Key": "stack", "Values": ["walk"]}], "ResourcesPerPage": 50, "ResourceTypeFilters": ["bedrock:application-inference-profile"]},
    },
    "organizations": {
        "DescribeOrganization": {},
    },
    "budgets": {
        "CreateBudget": {"AccountId": ACCOUNT, "Budget": BUDGET, "NotificationsWithSubscribers": [{"Notification": NOTIFICATION, "Subscribers": [SUBSCRIBER]}], "ResourceTags": [{"Key": "stack", "Value": "walk"}]},
        "DescribeBudget": {"AccountId": ACCOUNT, "BudgetName": "walk-budget"},
        "DescribeBudgets": {"AccountId": ACCOUNT, "MaxResults": 10},
        "UpdateBudget": {"AccountId": ACCOUNT, "NewBudget": {**BUDGET, "BudgetLimit": {"Amount": "200", "Unit": "USD"}}},
        "CreateNotification": {"AccountId": ACCOUNT, "BudgetName": "walk-budget", "Notification": {**NOTIFICATION, "Threshold": 100.0}, "Subscribers": [SUBSCRIBER]},
        "DescribeNotificationsForBudget": {"AccountId": ACCOUNT, "BudgetName": "walk-budget", "MaxResults": 10},
        "CreateSubscriber": {"AccountId": ACCOUNT, "BudgetName": "walk-budget", "Notification": NOTIFICATION, "Subscriber": {"SubscriptionType": "EMAIL", "Address": "finance@example.com"}},
        "DescribeSubscribersForNotification": {"AccountId": ACCOUNT, "BudgetName": "walk-budget", "Notification": NOTIFICATION, "MaxResults": 10},
        "TagResource": {"ResourceARN": BUDGET_ARN, "ResourceTags": [{"Key": "team", "Value": "walk"}]},
        "ListTagsForResource": {"ResourceARN": BUDGET_ARN},
        "UntagResource": {"ResourceARN": BUDGET_ARN, "ResourceTagKeys": ["team"]},
        "DeleteSubscriber": {"AccountId": ACCOUNT, "BudgetName": "walk-budget", "Notification": NOTIFICATION, "Subscriber": {"SubscriptionType": "EMAIL", "Address": "finance@example.com"}},
        "DeleteNotification": {"AccountId": ACCOUNT, "BudgetName": "walk-budget", "Notification": {**NOTIFICATION, "Threshold": 100.0}},
        "DeleteBudget": {"AccountId": ACCOUNT, "BudgetName": "walk-budget"},
    },
    "service-quotas": {
        "ListServiceQuotas": {"ServiceCode": "bedrock", "MaxResults": 100},
    },
    "s3": {
        "CreateBucket": {"Bucket": BUCKET, "ObjectOwnership": "BucketOwnerEnforced"},
        "HeadBucket": {"Bucket": BUCKET},
        "GetBucketLocation": {"Bucket": BUCKET},
        "PutBucketTagging": {"Bucket": BUCKET, "Tagging": {"TagSet": [{"Key": "stack", "Value": "walk"}]}},
        "GetBucketTagging": {"Bucket": BUCKET},
        "PutBucketPolicy": {"Bucket": BUCKET, "Policy": BUCKET_POLICY},
        "GetBucketPolicy": {"Bucket": BUCKET},
        "PutPublicAccessBlock": {"Bucket": BUCKET, "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}},
        "GetPublicAccessBlock": {"Bucket": BUCKET},
        "PutBucketOwnershipControls": {"Bucket": BUCKET, "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
        "GetBucketOwnershipControls": {"Bucket": BUCKET},
        "PutBucketEncryption": {"Bucket": BUCKET, "ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]}},
        "GetBucketEncryption": {"Bucket": BUCKET},
        "PutBucketLifecycleConfiguration": {"Bucket": BUCKET, "LifecycleConfiguration": {"Rules": [{"ID": "walk", "Status": "Enabled", "Filter": {"Prefix": "walk/"}, "Expiration": {"Days": 30}}]}},
        "GetBucketLifecycleConfiguration": {"Bucket": BUCKET},
        "ListObjectVersions": {"Bucket": BUCKET, "Prefix": "walk/", "MaxKeys": 100},
        "GetObject": {"Bucket": BUCKET, "Key": "walk/object"},
        "DeleteObjects": {"Bucket": BUCKET, "Delete": {"Objects": [{"Key": "walk/object"}], "Quiet": True}},
        "DeleteBucketTagging": {"Bucket": BUCKET},
        "DeleteBucket": {"Bucket": BUCKET},
    },
}
