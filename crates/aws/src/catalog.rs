//! What an account offers in one region, read for the embedded emulator
//! (`local catalog --from-aws`): ListFoundationModels and the system-defined profiles of
//! ListInferenceProfiles, as JSON in the shapes of the service's own answers.

use crate::error::{context, AwsError};
use crate::Clients;
use aws_sdk_bedrock::types::{
    FoundationModelSummary, InferenceProfileSummary, InferenceProfileType,
};
use aws_smithy_types::date_time::Format;
use serde_json::{json, Map, Value};

/// `{"region", "foundationModels", "inferenceProfiles"}` for the clients' region.
pub async fn read(c: &Clients, region: &str) -> Result<Value, AwsError> {
    let (models, profiles) = tokio::join!(
        c.bedrock.list_foundation_models().send(),
        c.bedrock
            .list_inference_profiles()
            .type_equals(InferenceProfileType::SystemDefined)
            .max_results(1000)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    );
    let models = models.map_err(context(format!(
        "listing the foundation models of {region} (bedrock:ListFoundationModels)"
    )))?;
    let profiles = profiles.map_err(context(format!(
        "listing the system-defined inference profiles of {region} (bedrock:ListInferenceProfiles)"
    )))?;
    Ok(json!({
        "region": region,
        "foundationModels": models.model_summaries().iter().map(model).collect::<Vec<_>>(),
        "inferenceProfiles": profiles.iter().map(profile).collect::<Vec<_>>(),
    }))
}

fn strings<T: AsRef<str>>(items: &[T]) -> Value {
    items.iter().map(|i| i.as_ref()).collect::<Vec<_>>().into()
}

fn time(t: &aws_smithy_types::DateTime) -> Value {
    t.fmt(Format::DateTime).map_or(Value::Null, Value::from)
}

fn model(m: &FoundationModelSummary) -> Value {
    let mut v = Map::new();
    v.insert("modelArn".into(), m.model_arn().into());
    v.insert("modelId".into(), m.model_id().into());
    if let Some(name) = m.model_name() {
        v.insert("modelName".into(), name.into());
    }
    if let Some(provider) = m.provider_name() {
        v.insert("providerName".into(), provider.into());
    }
    v.insert("inputModalities".into(), strings(m.input_modalities()));
    v.insert("outputModalities".into(), strings(m.output_modalities()));
    if let Some(streaming) = m.response_streaming_supported() {
        v.insert("responseStreamingSupported".into(), streaming.into());
    }
    v.insert(
        "customizationsSupported".into(),
        strings(m.customizations_supported()),
    );
    v.insert(
        "inferenceTypesSupported".into(),
        strings(m.inference_types_supported()),
    );
    if let Some(lifecycle) = m.model_lifecycle() {
        let mut l = Map::new();
        l.insert("status".into(), lifecycle.status().as_str().into());
        if let Some(t) = lifecycle.start_of_life_time() {
            l.insert("startOfLifeTime".into(), time(t));
        }
        if let Some(t) = lifecycle.end_of_life_time() {
            l.insert("endOfLifeTime".into(), time(t));
        }
        if let Some(t) = lifecycle.legacy_time() {
            l.insert("legacyTime".into(), time(t));
        }
        v.insert("modelLifecycle".into(), l.into());
    }
    v.into()
}

fn profile(p: &InferenceProfileSummary) -> Value {
    let mut v = Map::new();
    v.insert(
        "inferenceProfileName".into(),
        p.inference_profile_name().into(),
    );
    if let Some(d) = p.description() {
        v.insert("description".into(), d.into());
    }
    if let Some(t) = p.created_at() {
        v.insert("createdAt".into(), time(t));
    }
    if let Some(t) = p.updated_at() {
        v.insert("updatedAt".into(), time(t));
    }
    v.insert(
        "inferenceProfileArn".into(),
        p.inference_profile_arn().into(),
    );
    v.insert(
        "models".into(),
        p.models()
            .iter()
            .filter_map(|m| m.model_arn())
            .map(|arn| json!({ "modelArn": arn }))
            .collect::<Vec<_>>()
            .into(),
    );
    v.insert("inferenceProfileId".into(), p.inference_profile_id().into());
    v.insert("status".into(), p.status().as_str().into());
    v.insert("type".into(), p.r#type().as_str().into());
    v.into()
}
