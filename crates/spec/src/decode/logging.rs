//! The `[logging]` section: model-invocation logging's role, log group, bucket and modalities,
//! each with its default when the key (or the whole section) is left out.

use super::cx::{join, Cx};
use super::table::Table;
use crate::model::Logging;
use crate::rules::{self, Rule};

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
    ok.then_some(Logging {
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
