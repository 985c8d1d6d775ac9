//! Reading the model invocation log group.

use crate::error::{context, AwsError};
use crate::Clients;
use aws_sdk_bedrock::error::ProvideErrorMetadata;

/// One log event: CloudWatch's id, its timestamp (ms since the epoch) and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub id: String,
    pub timestamp: i64,
    pub message: String,
}

/// Every event of `group` at or after `since_ms`, all pages. A missing group is an empty list.
pub async fn read_events(
    c: &Clients,
    group: &str,
    since_ms: i64,
) -> Result<Vec<LogEvent>, AwsError> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = match c
            .logs
            .filter_log_events()
            .log_group_name(group)
            .start_time(since_ms)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if e.code() == Some("ResourceNotFoundException") => return Ok(events),
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
        match out.next_token() {
            Some(t) if token.as_deref() != Some(t) => token = Some(t.to_string()),
            _ => return Ok(events),
        }
    }
}
