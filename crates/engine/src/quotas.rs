//! The quotas that bound each profile's model in the stack's region (Service Quotas, the
//! account's applied values): what `plan` shows below the plan, and what `doctor` checks
//! against the model's longest answer.

mod bounds;

pub use bounds::{bounds, demands, routing_of, Bound, Demand, Metric, ProfileQuotas, Routing};

use crate::{Error, Stack};
use serde::Serialize;
use std::fmt;

/// Each profile's quotas, or why they could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuotaReport {
    pub region: String,
    pub profiles: Vec<ProfileQuotas>,
    /// What kept the quotas from being read (the caller may not list them): shown, never
    /// an error of the command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<String>,
}

/// A quota's value for people, thousands apart.
pub(crate) fn count(n: f64) -> String {
    crate::usage::thousands(n.round() as u64)
}

impl fmt::Display for QuotaReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.profiles.is_empty() {
            return Ok(());
        }
        writeln!(
            f,
            "\nQuotas that bound the profiles' models in {} (Service Quotas, this account's values):",
            self.region
        )?;
        if let Some(why) = &self.unread {
            let first = why.lines().next().unwrap_or(why);
            return writeln!(
                f,
                "  not read: {first}\n  (the plan does not depend on them; the caller needs servicequotas:ListServiceQuotas and bedrock:ListFoundationModels to see them, and `doctor` reads them again)"
            );
        }
        let width = self
            .profiles
            .iter()
            .map(|p| p.profile.chars().count())
            .max()
            .unwrap_or(0);
        for p in &self.profiles {
            let values: Vec<String> = [Metric::TokensPerMinute, Metric::RequestsPerMinute]
                .iter()
                .filter_map(|m| p.value(*m))
                .map(|q| format!("{} {}", count(q.value), q.metric.unit()))
                .collect();
            let shown = if values.is_empty() {
                format!(
                    "none listed for {}",
                    p.model_name.as_deref().unwrap_or(&p.model)
                )
            } else {
                values.join(", ")
            };
            writeln!(
                f,
                "  {:<width$}  {:<12}  {shown}",
                p.profile,
                p.routing.shown()
            )?;
        }
        Ok(())
    }
}

type Read =
    Result<(Vec<bedrock_aws::LiveQuota>, Vec<bedrock_aws::ModelNames>), bedrock_aws::AwsError>;

impl Stack {
    /// The quotas that bound each of the spec's profiles in the stack's region. A failed read
    /// (no permission to list quotas) is reported in the answer, not as an error.
    pub fn quotas(&self) -> Result<QuotaReport, Error> {
        if self.spec().profiles.is_empty() {
            return Ok(self.quota_report(Ok((Vec::new(), Vec::new()))));
        }
        let read = self
            .runtime
            .block_on(bedrock_aws::read_quotas(&self.clients));
        Ok(self.quota_report(read))
    }

    /// [`Stack::plan`], with the quotas read while the plan's own reads are in flight (no
    /// round trip of their own).
    pub fn plan_with_quotas(&self, adopt: bool) -> Result<(crate::Planned, QuotaReport), Error> {
        if self.spec().profiles.is_empty() {
            return Ok((
                self.plan(adopt)?,
                self.quota_report(Ok((Vec::new(), Vec::new()))),
            ));
        }
        let clients = self.clients.clone();
        let task = self
            .runtime
            .spawn(async move { bedrock_aws::read_quotas(&clients).await });
        let planned = self.plan(adopt);
        let read = self.runtime.block_on(task).map_err(|e| {
            Error::other(
                format!("reading the quotas stopped: {e}"),
                "run the plan again",
            )
        })?;
        Ok((planned?, self.quota_report(read)))
    }

    fn quota_report(&self, read: Read) -> QuotaReport {
        let spec = self.spec();
        let profiles: Vec<(String, String)> = spec
            .profiles
            .iter()
            .map(|p| (p.name.clone(), p.model.clone()))
            .collect();
        let region = spec.stack.region.clone();
        match read {
            Ok((quotas, models)) => QuotaReport {
                region,
                profiles: bounds(&profiles, &quotas, &models, &demands()),
                unread: None,
            },
            Err(e) => QuotaReport {
                region,
                profiles: profiles
                    .iter()
                    .map(|(name, copies)| {
                        let (routing, model) = routing_of(copies);
                        ProfileQuotas {
                            profile: name.clone(),
                            model,
                            model_name: None,
                            routing,
                            quotas: Vec::new(),
                            demand: None,
                        }
                    })
                    .collect(),
                unread: Some(e.to_string()),
            },
        }
    }
}
