//! Quota increases: Bedrock's quotas and the requests made for them (read only when the spec
//! asks for an increase), and a request made.

use crate::error::{context, done_unless, from_servicequotas, AwsError, Class};
use crate::resources::Observation;
use crate::Clients;
use bedrock_plan::resources::quota_increase::{ClosedRequest, Observed, OpenRequest, Step};
use bedrock_plan::{Created, DesiredState, Outputs};

/// The statuses of a request AWS has not decided (RequestStatus).
const OPEN: [&str; 2] = ["PENDING", "CASE_OPENED"];

pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    if d.quota_increases.is_empty() {
        return Ok(Box::new(|_| {}));
    }
    let (read, history) = tokio::join!(
        crate::quotas::read_quotas(c),
        c.servicequotas
            .list_requested_service_quota_change_history()
            .service_code("bedrock")
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
    );
    let (quotas, models) = read?;
    let history = history.map_err(context(
        "reading the quota increases asked for Bedrock (servicequotas:ListRequestedServiceQuotaChangeHistory)",
    ))?;
    let mut open = Vec::new();
    let mut closed: Vec<(ClosedRequest, Option<f64>)> = Vec::new();
    for r in &history {
        let code = r.quota_code().unwrap_or_default().to_string();
        let status = r
            .status()
            .map(|s| s.as_str())
            .unwrap_or_default()
            .to_string();
        let value = r.desired_value().unwrap_or_default();
        let created = r.created().map(|t| t.secs() as f64);
        if OPEN.contains(&status.as_str()) {
            open.push(OpenRequest {
                id: r.id().unwrap_or_default().to_string(),
                code,
                value,
                status,
                created: r
                    .created()
                    .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
            });
        } else if status != "APPROVED" {
            // The latest decision against a request, per quota.
            match closed.iter_mut().find(|(c, _)| c.code == code) {
                Some(entry) if entry.1 >= created => {}
                Some(entry) => {
                    *entry = (
                        ClosedRequest {
                            code,
                            value,
                            status,
                        },
                        created,
                    )
                }
                None => closed.push((
                    ClosedRequest {
                        code,
                        value,
                        status,
                    },
                    created,
                )),
            }
        }
    }
    let observed = Observed {
        quotas,
        models,
        open,
        closed: closed.into_iter().map(|(c, _)| c).collect(),
    };
    Ok(Box::new(move |o| o.quota_increases = observed))
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    _: &Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    match step {
        Step::RequestIncrease { code, value, .. } => {
            let asked = c
                .servicequotas
                .request_service_quota_increase()
                .service_code("bedrock")
                .quota_code(code)
                .desired_value(*value)
                .send()
                .await;
            // Asked by an earlier, interrupted apply (one open request a quota): done.
            done_unless(from_servicequotas(asked), Class::AlreadyExists, what)?;
        }
    }
    Ok(None)
}
