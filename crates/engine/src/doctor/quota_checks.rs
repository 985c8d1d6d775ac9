//! `doctor`'s quota checks: each profile's tokens-per-minute quota (Service Quotas, the
//! account's value) against its model's longest answer. Bedrock reserves a request's input
//! plus its maxTokens (the model's longest answer when none is set, as LibreChat's config
//! leaves it) at the start, and settles at input + cache writes + output x burndown.

use super::{pass, skip, warn, Check};
use crate::quotas::{count, Metric, QuotaReport};
use serde_json::Value;

/// Below this many of the model's longest answers a minute, a quota is worth a warning.
const PER_MINUTE: f64 = 10.0;

/// The `maxTokens` LibreChat's `modelSpecs` presets give each bedrock model (the largest,
/// when several do), and whether `modelSpecs.enforce` keeps chats to those presets.
pub(super) fn preset_max_tokens(doc: &Value) -> (std::collections::BTreeMap<String, u64>, bool) {
    let specs = doc.get("modelSpecs");
    let enforce = specs
        .and_then(|m| m.get("enforce"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut max = std::collections::BTreeMap::new();
    for preset in specs
        .and_then(|m| m.get("list"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|spec| spec.get("preset"))
    {
        let bedrock = preset.get("endpoint").and_then(Value::as_str) == Some("bedrock");
        let model = preset.get("model").and_then(Value::as_str);
        let tokens = preset.get("maxTokens").and_then(Value::as_u64);
        if let (true, Some(model), Some(tokens)) = (bedrock, model, tokens) {
            let entry = max.entry(model.to_string()).or_insert(0);
            *entry = tokens.max(*entry);
        }
    }
    (max, enforce)
}

/// The quota checks; `presets` as [`preset_max_tokens`] reads them, keyed by the model id
/// LibreChat lists (the profile's `model`); `asked`, a profile's `tokens_per_minute` in the
/// spec's `[[quotas.increase]]`.
pub(super) fn quota_checks(
    report: &QuotaReport,
    presets: &(std::collections::BTreeMap<String, u64>, bool),
    listed: &dyn Fn(&str) -> Option<String>,
    asked: &dyn Fn(&str) -> Option<u64>,
) -> Vec<Check> {
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
            // What one request reserves: the preset's maxTokens when modelSpecs enforce it,
            // else the model's longest answer (LibreChat's config sets none).
            let preset = listed(&p.profile).and_then(|m| presets.0.get(&m).copied());
            let (output, from) = match preset {
                Some(t) if presets.1 => (t, format!("its modelSpecs maxTokens ({})", count(t as f64))),
                _ => (
                    demand.max_output,
                    format!("its longest answer ({} output tokens)", count(demand.max_output as f64)),
                ),
            };
            let need = (output * demand.burndown) as f64;
            // Room for ten such answers a minute, the check's own mark.
            let room = (need * 10.0) as u64;
            let increase = if !tpm.adjustable {
                format!(
                    "ask AWS Support to raise {} (\"{}\"): it is not adjustable in Service Quotas",
                    tpm.code, tpm.name
                )
            } else if let Some(n) = asked(&p.profile).filter(|n| *n >= room) {
                format!(
                    "the spec's [[quotas.increase]] asks for {} of {} (\"{}\"): `plan` shows its request, pending until AWS decides",
                    count(n as f64),
                    tpm.code,
                    tpm.name
                )
            } else if let Some(n) = asked(&p.profile) {
                format!(
                    "raise tokens_per_minute in the spec's [[quotas.increase]] of {} from {n} to {room} ({} \"{}\"), and apply",
                    p.profile, tpm.code, tpm.name
                )
            } else {
                format!(
                    "ask for an increase of {} (\"{}\"): add [[quotas.increase]] with profile = \"{}\" and tokens_per_minute = {room} to the spec, and apply",
                    tpm.code, tpm.name, p.profile
                )
            };
            let preset_note = match preset {
                Some(t) if !presets.1 => format!(
                    " (modelSpecs gives it maxTokens {}, but without modelSpecs.enforce a chat outside those presets sets none)",
                    count(t as f64)
                ),
                _ => String::new(),
            };
            let fit = count((tpm.value / demand.burndown as f64).floor());
            if tpm.value < need {
                warn(
                    &name,
                    format!(
                        "one answer of {from} x burndown {} = {} quota tokens needs more than the {} tokens/min quota: such an answer is throttled{preset_note}",
                        demand.burndown,
                        count(need),
                        count(tpm.value)
                    ),
                    format!(
                        "{increase}, or give the model a maxTokens under {fit} in LibreChat (a modelSpecs preset, with modelSpecs.enforce)"
                    ),
                )
            } else if tpm.value < PER_MINUTE * need {
                warn(
                    &name,
                    format!(
                        "each request reserves {from} at its start, and one such answer uses {} quota tokens (burndown {}): the {} tokens/min quota serves {} a minute{preset_note}",
                        count(need),
                        demand.burndown,
                        count(tpm.value),
                        (tpm.value / need).floor()
                    ),
                    format!(
                        "give the model a smaller maxTokens in LibreChat (a modelSpecs preset, with modelSpecs.enforce), or {increase}"
                    ),
                )
            } else {
                pass(&format!("{name}: {values}"))
            }
        })
        .collect()
}
