//! Reading what bounds the stack's models: Bedrock's quotas in Service Quotas (the account's
//! applied values) and the foundation models' names, which the quota names use
//! ("... tokens per minute for Anthropic Claude 3.7 Sonnet V1"). Two listings, whatever the
//! number of profiles.

use crate::error::{context, from_servicequotas, AwsError, Class, Modelled};
use crate::Clients;

pub use bedrock_plan::quota_names::{LiveQuota, ModelNames};

/// Every Bedrock quota of the account in the clients' region (all pages), and the names of
/// every foundation model there. Service Quotas listing nothing for Bedrock (no such service
/// in the region) is an empty list.
pub async fn read_quotas(c: &Clients) -> Result<(Vec<LiveQuota>, Vec<ModelNames>), AwsError> {
    let quotas = async {
        let pages = c
            .servicequotas
            .list_service_quotas()
            .service_code("bedrock")
            .max_results(100)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
        match from_servicequotas(pages) {
            Ok(pages) => Ok(pages
                .iter()
                .flat_map(|p| p.quotas())
                .map(|q| LiveQuota {
                    code: q.quota_code().unwrap_or_default().to_string(),
                    name: q.quota_name().unwrap_or_default().to_string(),
                    value: q.value().unwrap_or_default(),
                    adjustable: q.adjustable(),
                })
                .collect()),
            Err(e) if e.is(Class::NotFound) => Ok(Vec::new()),
            Err(e) => Err(context(
                "listing Bedrock's quotas (servicequotas:ListServiceQuotas)",
            )(e)),
        }
    };
    let models = async {
        let out = c
            .bedrock
            .list_foundation_models()
            .send()
            .await
            .map_err(context(
                "listing the foundation models (bedrock:ListFoundationModels)",
            ))?;
        Ok::<_, AwsError>(
            out.model_summaries()
                .iter()
                .map(|m| ModelNames {
                    id: m.model_id().to_string(),
                    provider: m.provider_name().unwrap_or_default().to_string(),
                    name: m.model_name().unwrap_or_default().to_string(),
                })
                .collect(),
        )
    };
    let (quotas, models) = tokio::join!(quotas, models);
    Ok((quotas?, models?))
}
