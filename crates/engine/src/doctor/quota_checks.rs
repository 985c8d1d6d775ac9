//! `doctor`'s quota checks: each profile's tokens-per-minute quota (Service Quotas, the
//! account's value) against its model's longest answer. Bedrock reserves a request's input
//! plus its maxTokens (the model's longest answer when none is set, as LibreChat's config
//! leaves it) at the start, and settles at input + cache writes + output x burndown.

use super::{pass, skip, warn, Check};
use crate::quotas::{count, Metric, QuotaReport};

/// Below this many requests at once, a quota eaten by reservations of the longest answer is
/// worth a warning.
const AT_ONCE: f64 = 10.0;

pub(super) fn quota_checks(report: &QuotaReport) -> Vec<Check> {
    report
        .profiles
        .iter()
        .map(|p| {
            let model = p.model_name.as_deref().unwrap_or(&p.model);
            let name = format!(
                "the {} quotas of {} ({model}) serve its longest answer",
                p.routing.shown(),
                p.profile
            );
            if let Some(why) = &report.unread {
                return skip(
                    &name,
                    format!("the quotas were not read: {}", why.lines().next().unwrap_or(why)),
                );
            }
            let Some(tpm) = p.value(Metric::TokensPerMinute) else {
                return skip(
                    &name,
                    format!(
                        "Service Quotas lists no {} tokens-per-minute quota for {model} in {}: see the Service Quotas console, Amazon Bedrock",
                        p.routing.shown(),
                        report.region
                    ),
                );
            };
            let rpm = p
                .value(Metric::RequestsPerMinute)
                .map(|q| format!(", {} requests/min", count(q.value)))
                .unwrap_or_default();
            let values = format!("{} tokens/min{rpm}", count(tpm.value));
            let Some(demand) = &p.demand else {
                return pass(&format!(
                    "{name}: {values} (its longest answer is not in this tool's table)"
                ));
            };
            let need = (demand.max_output * demand.burndown) as f64;
            let increase = format!(
                "ask for an increase of {} (\"{}\") in Service Quotas{}",
                tpm.code,
                tpm.name,
                if tpm.adjustable {
                    ""
                } else {
                    " (not adjustable: through AWS Support)"
                }
            );
            if tpm.value < need {
                warn(
                    &name,
                    format!(
                        "one answer of its longest ({} output tokens x burndown {} = {} quota tokens) needs more than the {} tokens/min quota: such an answer is throttled",
                        count(demand.max_output as f64),
                        demand.burndown,
                        count(need),
                        count(tpm.value)
                    ),
                    format!(
                        "{increase}, or give the model a maxTokens under {} in LibreChat (a modelSpecs preset)",
                        count((tpm.value / demand.burndown as f64).floor())
                    ),
                )
            } else if tpm.value < AT_ONCE * demand.max_output as f64 {
                warn(
                    &name,
                    format!(
                        "LibreChat's config sets no maxTokens, so each request reserves the model's longest answer ({} tokens) of the {} tokens/min quota: {} requests at once use it all",
                        count(demand.max_output as f64),
                        count(tpm.value),
                        (tpm.value / demand.max_output as f64).floor()
                    ),
                    format!(
                        "give the model a maxTokens in LibreChat (a modelSpecs preset), or {increase}"
                    ),
                )
            } else {
                pass(&format!("{name}: {values}"))
            }
        })
        .collect()
}
