//! The `[logging]` section: model-invocation logging's role, log group, bucket and modalities,
//! each with its default when the key (or the whole section) is left out; or `managed =
//! false`, logging left to another stack or team, with none of those keys.

use super::cx::{join, Cx};
use super::table::Table;
use crate::model::{Destination, Logging};
use crate::rules::{self, Rule};

/// The keys that describe the logging a stack sets up.
const SETTINGS: [&str; 12] = [
    "destinations",
    "s3_prefix",
    "role_name",
    "log_group",
    "retention_days",
    "bucket",
    "key_prefix",
    "text",
    "image",
    "embedding",
    "video",
    "audio",
];

pub(super) fn decode_logging(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    region: &str,
    account: &str,
) -> Option<Logging> {
    let mut ok = true;
    let mut string_or = |cx: &mut Cx<'_>,
                         t: &mut Table<'_, '_>,
                         key: &'static str,
                         default: &str,
                         rule: fn(&str) -> Rule| {
        let (value, span) = t
            .string(cx, key)
            .unwrap_or_else(|| (default.to_string(), t.span.clone()));
        if !cx.rule(&join("logging", key), &span, rule(&value)) {
            ok = false;
        }
        (value, span)
    };
    let (role_name, _) = string_or(cx, t, "role_name", "BedrockLoggingRole", rules::role_name);
    let (log_group, _) = string_or(
        cx,
        t,
        "log_group",
        "/aws/bedrock/model-invocations",
        rules::log_group,
    );
    let (key_prefix, _) = string_or(cx, t, "key_prefix", "large-data", rules::key_prefix);
    let (s3_prefix, s3_prefix_span) =
        string_or(cx, t, "s3_prefix", "invocation-logs", rules::key_prefix);
    let mut destinations: Vec<Destination> = Vec::new();
    let written = t.strings(cx, "destinations");
    for (i, (d, span)) in written.iter().enumerate() {
        let path = format!("logging.destinations[{i}]");
        match d.as_str() {
            "cloudwatch" | "s3" => {
                let dest = if d == "s3" {
                    Destination::S3
                } else {
                    Destination::CloudWatch
                };
                if destinations.contains(&dest) {
                    cx.error(
                        &path,
                        span.clone(),
                        crate::rules::Problem {
                            message: format!("{d:?} is listed twice"),
                            help: "remove the second one".into(),
                        },
                    );
                    ok = false;
                } else {
                    destinations.push(dest);
                }
            }
            other => {
                cx.error(
                    &path,
                    span.clone(),
                    crate::rules::Problem {
                        message: format!("{other:?} is not a logging destination"),
                        help: "use \"cloudwatch\" (a log group, through the logging role) and/or \"s3\" (the stack's bucket)".into(),
                    },
                );
                ok = false;
            }
        }
    }
    if t.table.iter().any(|(k, _)| k.get_ref() == "destinations") && written.is_empty() && ok {
        cx.error(
            "logging.destinations",
            t.span.clone(),
            crate::rules::Problem {
                message: "no destination: the records would go nowhere".into(),
                help: "write destinations = [\"cloudwatch\"], [\"s3\"] or both; or managed = false to leave logging to another stack".into(),
            },
        );
        ok = false;
    }
    if destinations.is_empty() {
        destinations.push(Destination::CloudWatch);
    }
    if destinations.contains(&Destination::S3)
        && s3_prefix.trim_end_matches('/') == key_prefix.trim_end_matches('/')
    {
        cx.error(
            "logging.s3_prefix",
            s3_prefix_span,
            crate::rules::Problem {
                message: format!("the S3 destination's prefix {s3_prefix:?} is the large-data prefix too"),
                help: "give each its own prefix (defaults: s3_prefix = \"invocation-logs\", key_prefix = \"large-data\")".into(),
            },
        );
        ok = false;
    }
    let (bucket, bucket_span) = t
        .string(cx, "bucket")
        .unwrap_or_else(|| ("bedrock-logs-{account_id}".to_string(), t.span.clone()));
    {
        match rules::substitute_bucket(&bucket, account, region) {
            Err(p) => {
                cx.error("logging.bucket", bucket_span, p);
                ok = false;
            }
            Ok(name) => {
                if let Err(mut p) = rules::bucket_name(&name) {
                    if name != bucket {
                        p.message = format!("{} (from {bucket:?})", p.message);
                    }
                    cx.error("logging.bucket", bucket_span, p);
                    ok = false;
                }
            }
        }
    }
    let retention_days = match t.integer(cx, "retention_days") {
        None => 90,
        Some((days, span)) => {
            if !cx.rule("logging.retention_days", &span, rules::retention_days(days)) {
                ok = false;
            }
            u32::try_from(days).unwrap_or(0)
        }
    };
    let text = t.bool(cx, "text").unwrap_or(true);
    let image = t.bool(cx, "image").unwrap_or(true);
    let embedding = t.bool(cx, "embedding").unwrap_or(true);
    let video = t.bool(cx, "video").unwrap_or(false);
    let audio = t.bool(cx, "audio").unwrap_or(false);
    let managed = t.bool(cx, "managed").unwrap_or(true);
    if !managed {
        // Every other key describes logging this stack would set: with none set, each would
        // be silently ignored.
        for key in SETTINGS {
            if let Some(v) = t.lookup(cx, key) {
                cx.error(
                    &join("logging", key),
                    v.span(),
                    crate::rules::Problem {
                        message: "it has no effect: managed = false leaves invocation logging to another stack or team".into(),
                        help: "remove it, or set managed = true for this stack to set up the logging".into(),
                    },
                );
                ok = false;
            }
        }
    }
    ok.then_some(Logging {
        managed,
        destinations,
        s3_prefix,
        role_name,
        log_group,
        retention_days,
        bucket,
        key_prefix,
        text,
        image,
        embedding,
        video,
        audio,
    })
}

#[cfg(test)]
mod tests {
    const STACK: &str = "[stack]\nname = \"s\"\nregion = \"us-east-1\"\n";

    #[test]
    fn logging_left_to_another_stack_takes_none_of_the_keys_that_set_it_up() {
        let checked = crate::check(&format!("{STACK}[logging]\nmanaged = false\n"));
        let spec = checked.spec.expect("valid");
        assert!(!spec.logging.managed);
        let checked = crate::check(&format!(
            "{STACK}[logging]\nmanaged = false\nrole_name = \"R\"\nretention_days = 30\ntext = false\n"
        ));
        assert!(checked.spec.is_none());
        let paths: Vec<&str> = checked
            .diagnostics
            .iter()
            .map(|d| d.path.as_str())
            .collect();
        assert_eq!(
            paths,
            [
                "logging.role_name",
                "logging.retention_days",
                "logging.text"
            ]
        );
        assert!(checked.diagnostics[0]
            .message
            .contains("managed = false leaves invocation logging to another stack or team"));
        assert!(crate::check(STACK).spec.expect("valid").logging.managed);
    }
}
