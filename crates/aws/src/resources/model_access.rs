//! Model access: for each model the stack invokes, in each region it is served from, what
//! GetFoundationModelAvailability and GetFoundationModel say (and the offer to accept when
//! the agreement is missing); whether Anthropic's use case form is on file; submitting the
//! form and accepting agreements.

use crate::error::{context, from_bedrock, AwsError, Class, Modelled};
use crate::resources::Observation;
use crate::Clients;
use aws_sdk_bedrock::primitives::Blob;
use aws_sdk_bedrock::types::InferenceProfileType;
use aws_smithy_types::date_time::Format;
use bedrock_plan::resources::model_access::{
    AccountFacts, Lifecycle, ModelState, Observed, Offer, Step,
};
use bedrock_plan::Created;
use bedrock_plan::DesiredState;
use std::collections::{BTreeMap, BTreeSet};

/// What each source the spec copies from routes to, then whether the account may invoke
/// those models.
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let (sources, in_place) = tokio::join!(
        crate::resources::inference_profile::read_sources(c, d),
        in_place(c, d)
    );
    let (sources, in_place) = (sources?, in_place?);
    let used = bedrock_plan::resources::model_access::used_models(d, &sources);
    let reads = bedrock_plan::resources::model_access::account_reads(d, &sources, &in_place);
    let access = read(c, used.into_keys().collect(), reads).await?;
    Ok(Box::new(move |o| {
        o.sources = sources;
        o.access = access;
    }))
}

/// The application profiles of the region the spec names, with the model ARNs each routes
/// to (one listing); none read when every model's facts are read anyway.
async fn in_place(
    c: &Clients,
    d: &DesiredState,
) -> Result<BTreeMap<String, Vec<String>>, AwsError> {
    if d.access.every_model || d.access.accept_agreements || d.profiles.is_empty() {
        return Ok(BTreeMap::new());
    }
    let summaries =
        crate::resources::inference_profile::list_profiles(c, InferenceProfileType::Application)
            .await?;
    Ok(summaries
        .into_iter()
        .filter(|s| {
            d.profiles
                .iter()
                .any(|p| p.name == s.inference_profile_name())
        })
        .map(|s| {
            let models = s
                .models()
                .iter()
                .filter_map(|m| m.model_arn().map(str::to_string))
                .collect();
            (s.inference_profile_name().to_string(), models)
        })
        .collect())
}

/// `models`: (foundation model id, region) pairs, a model in each region it is served from;
/// `reads`: the models whose account facts are read (the others have none).
///
/// AWS's facts belong to two owners, and each is read once, all at once:
/// - a region's: which models it offers and their lifecycle (ACTIVE, LEGACY and the dates):
///   `ListFoundationModels`, one call per region, whatever the number of models (its
///   summaries carry `modelLifecycle`, as GetFoundationModel's details do);
/// - the account's: whether it may invoke a model (the Marketplace agreement, IAM's
///   authorization, the entitlement): `GetFoundationModelAvailability`, one call per model,
///   in the stack's region (AWS documents no bulk read). The Bedrock user guide ("Request
///   access to models") has the Marketplace subscription made once, when a model is first
///   invoked "in your account", and Anthropic's form submitted "only once per account": the
///   account's facts, not a region's. A model the stack's region does not offer is read in a
///   region that does. Only `reads` are: see `account_reads`.
///
/// So a plan's calls grow with the regions and with the models of profiles not yet made,
/// not with the profiles in place.
pub(crate) async fn read(
    c: &Clients,
    models: Vec<(String, String)>,
    reads: BTreeSet<String>,
) -> Result<Observed, AwsError> {
    let anthropic = models.iter().any(|(m, _)| m.starts_with("anthropic."));
    let regions: BTreeSet<String> = models.iter().map(|(_, r)| r.clone()).collect();
    let distinct: BTreeSet<String> = models
        .iter()
        .map(|(m, _)| m.clone())
        .filter(|m| reads.contains(m))
        .collect();
    let home = c.region();
    // One set of clients per region, made before any read starts.
    let mut regional: BTreeMap<String, Clients> = Default::default();
    for region in regions.iter().chain(std::iter::once(&home)) {
        if !regional.contains_key(region) {
            regional.insert(region.clone(), c.in_region(region));
        }
    }
    let mut lists = tokio::task::JoinSet::new();
    for region in &regions {
        let there = regional[region].clone();
        let region = region.clone();
        lists.spawn(async move {
            let out = there.bedrock.list_foundation_models().send().await;
            (region, out)
        });
    }
    let mut access = tokio::task::JoinSet::new();
    for model in &distinct {
        let there = regional[&home].clone();
        let model = model.clone();
        access.spawn(async move { read_access(&there, model).await });
    }
    let form = async {
        if !anthropic {
            return Ok(None);
        }
        match from_bedrock(c.bedrock.get_use_case_for_model_access().send().await) {
            Ok(_) => Ok(Some(true)),
            Err(e) if e.is(Class::NotFound) => Ok(Some(false)),
            Err(e) => Err(context(
                "reading whether Anthropic's use case form is on file (bedrock:GetUseCaseForModelAccess)",
            )(e)),
        }
    };
    let use_case_on_file = form.await?;
    // region -> model -> its lifecycle there (None: offered, with no lifecycle given).
    let mut offered: BTreeMap<String, BTreeMap<String, Option<Lifecycle>>> = Default::default();
    while let Some(done) = lists.join_next().await {
        let (region, out) =
            done.map_err(|e| AwsError::local("reading the foundation models", e.to_string()))?;
        let out = out.map_err(context(format!(
            "listing the foundation models of {region} (bedrock:ListFoundationModels)"
        )))?;
        let there = offered.entry(region).or_default();
        for m in out.model_summaries() {
            let lifecycle = m.model_lifecycle().map(|l| Lifecycle {
                status: l.status().as_str().to_string(),
                legacy_time: time(l.legacy_time()),
                end_of_life_time: time(l.end_of_life_time()),
            });
            there.insert(m.model_id().to_string(), lifecycle);
        }
    }
    let mut account: BTreeMap<String, Option<Access>> = Default::default();
    while let Some(done) = access.join_next().await {
        let (model, facts) =
            done.map_err(|e| AwsError::local("reading model access", e.to_string()))??;
        account.insert(model, facts);
    }
    // A model the stack's region does not know: its account facts from a region offering it.
    for (model, facts) in account.iter_mut() {
        if facts.is_some() {
            continue;
        }
        if let Some(region) = offered
            .iter()
            .find(|(_, m)| m.contains_key(model))
            .map(|(r, _)| r)
        {
            *facts = read_access(&regional[region], model.clone()).await?.1;
        }
    }
    let mut states = Vec::new();
    for (model, region) in models {
        let lifecycle = offered.get(&region).and_then(|m| m.get(&model));
        let facts = account.get(&model).cloned().flatten();
        // A model read that no region knows is not offered anywhere.
        let lifecycle = lifecycle.filter(|_| facts.is_some() || !reads.contains(&model));
        states.push(match lifecycle {
            Some(lifecycle) => ModelState {
                region_availability: "AVAILABLE".into(),
                lifecycle: lifecycle.clone(),
                account: facts.map(|f| AccountFacts {
                    agreement: f.agreement,
                    authorization: f.authorization,
                    entitlement: f.entitlement,
                    offer: f.offer,
                }),
                model,
                region,
            },
            // Not offered in this region (or nowhere): nothing to grant there.
            None => ModelState {
                model,
                region,
                region_availability: "NOT_AVAILABLE".into(),
                lifecycle: None,
                account: None,
            },
        });
    }
    states.sort_by(|a, b| (&a.model, &a.region).cmp(&(&b.model, &b.region)));
    states.dedup_by(|a, b| a.model == b.model && a.region == b.region);
    Ok(Observed {
        use_case_on_file,
        models: states,
    })
}

fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
        .map(|s| s.split('T').next().unwrap_or_default().to_string())
}

/// The account's facts of one model: what GetFoundationModelAvailability says, and the offer
/// to accept when the agreement is missing.
#[derive(Debug, Clone)]
struct Access {
    agreement: String,
    authorization: String,
    entitlement: String,
    offer: Option<Offer>,
}

/// (model, its account facts); None when the region of `c` does not know the model.
async fn read_access(c: &Clients, model: String) -> Result<(String, Option<Access>), AwsError> {
    let availability = match from_bedrock(
        c.bedrock
            .get_foundation_model_availability()
            .model_id(&model)
            .send()
            .await,
    ) {
        Ok(a) => a,
        Err(e) if e.is(Class::NotFound) => return Ok((model, None)),
        Err(e) => {
            return Err(context(format!(
            "reading the availability of {model} in {} (bedrock:GetFoundationModelAvailability)",
            c.region()
        ))(e))
        }
    };
    let agreement = availability
        .agreement_availability()
        .map(|a| a.status().as_str().to_string())
        .unwrap_or_else(|| "AVAILABLE".into());
    let offer = if agreement == "NOT_AVAILABLE" {
        let offers = c
            .bedrock
            .list_foundation_model_agreement_offers()
            .model_id(&model)
            .send()
            .await
            .map_err(context(format!(
                "listing the agreement offers of {model} (bedrock:ListFoundationModelAgreementOffers)"
            )))?;
        offers.offers().first().map(|o| Offer {
            id: o.offer_id().map(str::to_string),
            token: o.offer_token().to_string(),
            terms: o
                .term_details()
                .and_then(|t| t.legal_term())
                .and_then(|l| l.url())
                .map(str::to_string),
        })
    } else {
        None
    };
    let facts = Access {
        authorization: availability.authorization_status().as_str().to_string(),
        entitlement: availability.entitlement_availability().as_str().to_string(),
        agreement,
        offer,
    };
    Ok((model, Some(facts)))
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    _: &bedrock_plan::Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    match step {
        Step::SubmitUseCase { form } => {
            // The SDK sends the blob base64-encoded, as the API takes it.
            let data = serde_json::to_vec(form).unwrap_or_default();
            c.bedrock
                .put_use_case_for_model_access()
                .form_data(Blob::new(data))
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::AcceptAgreement {
            model, offer_token, ..
        } => {
            let made = c
                .bedrock
                .create_foundation_model_agreement()
                .model_id(model)
                .offer_token(offer_token)
                .send()
                .await;
            match from_bedrock(made) {
                Ok(_) => {}
                // Accepted by an earlier, interrupted apply.
                Err(e) if e.is(Class::Conflict) => {}
                Err(e) => return Err(context(what)(e)),
            }
        }
    }
    Ok(None)
}
