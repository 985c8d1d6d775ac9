//! Reading the model invocation log group.

use crate::error::{context, from_logs, from_s3, AwsError, Class, Modelled};
use crate::Clients;

/// One log event: CloudWatch's id, its timestamp (ms since the epoch) and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub id: String,
    pub timestamp: i64,
    pub message: String,
}

/// Every event of `group` at or after `since_ms`, all pages. A missing group is an empty list.
/// `progress` hears how many events are read so far, after each page.
pub async fn read_events(
    c: &Clients,
    group: &str,
    since_ms: i64,
    progress: &dyn Fn(usize),
) -> Result<Vec<LogEvent>, AwsError> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let read = c
            .logs
            .filter_log_events()
            .log_group_name(group)
            .start_time(since_ms)
            .set_next_token(token.clone())
            .send()
            .await;
        let out = match from_logs(read) {
            Ok(o) => o,
            Err(e) if e.is(Class::NotFound) => return Ok(events),
            Err(e) => {
                return Err(context(format!("reading the invocation logs in {group}"))(
                    e,
                ))
            }
        };
        events.extend(out.events().iter().map(|e| LogEvent {
            id: e.event_id().unwrap_or_default().to_string(),
            timestamp: e.timestamp().unwrap_or_default(),
            message: e.message().unwrap_or_default().to_string(),
        }));
        progress(events.len());
        match out.next_token() {
            Some(t) if token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => return Ok(events),
        }
    }
}

/// The invocation records Bedrock delivered to an S3 destination (`s3://bucket/prefix`) for
/// `account` and `region` in objects written at or after `since_ms`: each object gzipped JSON
/// lines, named `PREFIX/AWSLogs/ACCOUNT/BedrockModelInvocationLogs/REGION/YYYY/MM/DD/HH/...`.
/// The large payloads under `data/` and Bedrock's permission-check object are not records.
/// A missing bucket is an empty list. `progress` hears how many records are read so far, after
/// each object; an object that is not gzipped text goes to `skipped`, named with why.
#[allow(clippy::too_many_arguments)]
pub async fn read_s3_records(
    c: &Clients,
    bucket: &str,
    prefix: &str,
    account: &str,
    region: &str,
    since_ms: i64,
    progress: &dyn Fn(usize),
    skipped: &mut Vec<String>,
) -> Result<Vec<LogEvent>, AwsError> {
    let prefix = prefix.trim_matches('/');
    let root = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    let path = format!("{root}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/");
    let listed =
        c.s3.list_objects_v2()
            .bucket(bucket)
            .prefix(&path)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
    let pages = match from_s3(listed) {
        Ok(p) => p,
        Err(e) if e.is(Class::NotFound) => return Ok(Vec::new()),
        Err(e) => {
            return Err(context(format!(
                "listing the invocation logs in s3://{bucket}/{path}"
            ))(e))
        }
    };
    let mut objects: Vec<(String, i64)> = pages
        .iter()
        .flat_map(|p| p.contents())
        .filter_map(|o| {
            let key = o.key()?;
            let written = o.last_modified().map_or(0, |t| t.to_millis().unwrap_or(0));
            let record = key.ends_with(".json.gz") && !key[path.len()..].contains("/data/");
            (record && written >= since_ms).then(|| (key.to_string(), written))
        })
        .collect();
    objects.sort();
    let mut reads = tokio::task::JoinSet::new();
    for (key, written) in objects {
        let (c, bucket) = (c.clone(), bucket.to_string());
        reads.spawn(async move {
            let out =
                c.s3.get_object()
                    .bucket(&bucket)
                    .key(&key)
                    .send()
                    .await
                    .map_err(context(format!("reading s3://{bucket}/{key}")))?;
            let bytes = out
                .body
                .collect()
                .await
                .map_err(|e| {
                    AwsError::local(format!("reading s3://{bucket}/{key}"), e.to_string())
                })?
                .into_bytes();
            let mut text = String::new();
            // An object that is not gzipped text (put there by hand, say) holds no record
            // Bedrock wrote: it is skipped, and named, rather than failing the whole read.
            if let Err(e) = std::io::Read::read_to_string(
                &mut flate2::read::GzDecoder::new(&bytes[..]),
                &mut text,
            ) {
                return Ok::<_, AwsError>(Err(format!(
                    "s3://{bucket}/{key} (not a gzipped log object: {e})"
                )));
            }
            Ok::<_, AwsError>(Ok(text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .enumerate()
                .map(|(i, line)| LogEvent {
                    id: format!("{key}#{i}"),
                    timestamp: written,
                    message: line.to_string(),
                })
                .collect::<Vec<_>>()))
        });
    }
    let mut events = Vec::new();
    while let Some(done) = reads.join_next().await {
        match done.map_err(|e| AwsError::local("reading the invocation logs", e.to_string()))?? {
            Ok(read) => events.extend(read),
            Err(object) => skipped.push(object),
        }
        progress(events.len());
    }
    skipped.sort();
    events.sort_by(|a, b| (a.timestamp, &a.id).cmp(&(b.timestamp, &b.id)));
    Ok(events)
}
