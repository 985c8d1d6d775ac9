//! Model access: for each model the stack invokes, in each region it is served from, what
//! GetFoundationModelAvailability and GetFoundationModel say (and the offer to accept when
//! the agreement is missing); whether Anthropic's use case form is on file; submitting the
//! form and accepting agreements.

use crate::error::{context, from_bedrock, AwsError, Class, Modelled};
use crate::resources::Observation;
use crate::Clients;
use aws_sdk_bedrock::primitives::Blob;
use aws_smithy_types::date_time::Format;
use bedrock_plan::resources::model_access::{Lifecycle, ModelState, Observed, Offer, Step};
use bedrock_plan::Created;
use bedrock_plan::DesiredState;

/// What each source the spec copies from routes to, then whether the account may invoke
/// those models.
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let sources = crate::resources::inference_profile::read_sources(c, d).await?;
    let used = bedrock_plan::resources::model_access::used_models(d, &sources);
    let access = read(c, used.into_keys().collect()).await?;
    Ok(Box::new(move |o| {
        o.sources = sources;
        o.access = access;
    }))
}

/// `models`: (foundation model id, region) pairs; `region` is the stack's.
pub(crate) async fn read(c: &Clients, models: Vec<(String, String)>) -> Result<Observed, AwsError> {
    let anthropic = models.iter().any(|(m, _)| m.starts_with("anthropic."));
    // One set of clients per region, made before any read starts: the reads then go out at
    // once, whatever their number.
    let mut regional: std::collections::BTreeMap<String, Clients> = Default::default();
    for (_, region) in &models {
        if !regional.contains_key(region) {
            regional.insert(region.clone(), c.in_region(region));
        }
    }
    let mut reads = tokio::task::JoinSet::new();
    for (model, region) in models {
        let there = regional[&region].clone();
        reads.spawn(async move { read_model(&there, model, region).await });
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
    let mut states = Vec::new();
    while let Some(done) = reads.join_next().await {
        states.push(done.map_err(|e| AwsError::local("reading model access", e.to_string()))??);
    }
    states.sort_by(|a, b| (&a.model, &a.region).cmp(&(&b.model, &b.region)));
    Ok(Observed {
        use_case_on_file,
        models: states,
    })
}

fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
        .map(|s| s.split('T').next().unwrap_or_default().to_string())
}

async fn read_model(c: &Clients, model: String, region: String) -> Result<ModelState, AwsError> {
    let (availability, details) = tokio::join!(
        c.bedrock
            .get_foundation_model_availability()
            .model_id(&model)
            .send(),
        c.bedrock
            .get_foundation_model()
            .model_identifier(&model)
            .send(),
    );
    let availability = match from_bedrock(availability) {
        Ok(a) => a,
        // A model the region does not know at all: not offered there.
        Err(e) if e.is(Class::NotFound) => {
            return Ok(ModelState {
                model,
                region,
                agreement: "NOT_AVAILABLE".into(),
                authorization: "AUTHORIZED".into(),
                entitlement: "AVAILABLE".into(),
                region_availability: "NOT_AVAILABLE".into(),
                lifecycle: None,
                offer: None,
            })
        }
        Err(e) => {
            return Err(context(format!(
                "reading the availability of {model} in {region} (bedrock:GetFoundationModelAvailability)"
            ))(e))
        }
    };
    let lifecycle = match from_bedrock(details) {
        Ok(d) => d
            .model_details()
            .and_then(|m| m.model_lifecycle())
            .map(|l| Lifecycle {
                status: l.status().as_str().to_string(),
                legacy_time: time(l.legacy_time()),
                end_of_life_time: time(l.end_of_life_time()),
            }),
        Err(e) if e.is(Class::NotFound) => None,
        Err(e) => {
            return Err(context(format!(
                "reading the lifecycle of {model} in {region} (bedrock:GetFoundationModel)"
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
    Ok(ModelState {
        region_availability: availability.region_availability().as_str().to_string(),
        authorization: availability.authorization_status().as_str().to_string(),
        entitlement: availability.entitlement_availability().as_str().to_string(),
        agreement,
        lifecycle,
        offer,
        model,
        region,
    })
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
