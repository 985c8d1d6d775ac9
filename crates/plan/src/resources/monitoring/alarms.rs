//! The alarms the spec asks for: on failed deliveries of the invocation logs, and on each
//! profile's throttled calls.

use super::Alarm;
use crate::plan::Planner;
use crate::refs::ArnRef;
use crate::resources::inference_profile;

/// The alarms the spec asks for.
pub(super) fn alarms(p: &Planner, topic: &ArnRef) -> Vec<Alarm> {
    let d = &p.desired.monitoring;
    let delivery = |suffix: &str, metric: &str, what: &str| Alarm {
        name: format!("{}-{suffix}", d.prefix),
        description: format!(
            "Bedrock could not deliver {what} in {} (stack {}).",
            d.region, p.desired.stack
        ),
        metric: metric.to_string(),
        profile: None,
        period: 300,
        evaluation_periods: 1,
        datapoints: 1,
        threshold: 0.0,
        topic: topic.clone(),
    };
    let mut out = Vec::new();
    if d.cloudwatch_delivery {
        out.push(delivery(
            "log-delivery-cloudwatch",
            "ModelInvocationLogsCloudWatchDeliveryFailure",
            "invocation logs to CloudWatch Logs",
        ));
        out.push(delivery(
            "log-delivery-large-data",
            "ModelInvocationLargeDataS3DeliveryFailure",
            "large invocation payloads to S3",
        ));
    }
    if d.s3_delivery {
        out.push(delivery(
            "log-delivery-s3",
            "ModelInvocationLogsS3DeliveryFailure",
            "invocation logs to S3",
        ));
    }
    for (profile, arn) in inference_profile::arns_after(p) {
        let Some(arn) = arn else { continue };
        out.push(Alarm {
            name: format!("{}-throttles-{}", d.prefix, profile.name),
            description: format!(
                "Bedrock throttled calls through profile {} (stack {}).",
                profile.name, p.desired.stack
            ),
            metric: "InvocationThrottles".into(),
            profile: Some(arn),
            period: 300,
            evaluation_periods: 3,
            datapoints: 2,
            threshold: 0.0,
            topic: topic.clone(),
        });
    }
    out
}
