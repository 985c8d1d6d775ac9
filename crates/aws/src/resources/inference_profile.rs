//! Application inference profiles: every one of the region listed, their tags read in bulk;
//! what each source routes to, from two listings; create (idempotently, then wait for
//! ACTIVE), delete, tag, untag.

use crate::error::{
    context, done_unless, failed, from_bedrock, join_error, AwsError, Class, Modelled,
};
use crate::resources::Observation;
use crate::retry::patiently;
use crate::tags::tags_by_arn;
use crate::tokens::create_fresh;
use crate::Clients;
use aws_sdk_bedrock::types::{
    InferenceProfileModelSource, InferenceProfileStatus, InferenceProfileSummary,
    InferenceProfileType,
};
use bedrock_plan::resources::inference_profile::{Observed, SourceState, Step, KIND};
use bedrock_plan::{Created, DesiredState};
use std::collections::BTreeMap;

/// The tagging API's name for application inference profiles.
const RESOURCE_TYPE: &str = "bedrock:application-inference-profile";

/// Every application inference profile of the region.
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let profiles = read(c, d).await?;
    Ok(Box::new(move |o| o.profiles = profiles))
}

/// Every application profile of the region, and the tags the tagging API has of them (its
/// index may lack a profile made a moment ago), read at once.
pub(crate) async fn list_with_tags(
    c: &Clients,
) -> Result<
    (
        Vec<InferenceProfileSummary>,
        BTreeMap<String, BTreeMap<String, String>>,
    ),
    AwsError,
> {
    let (summaries, tags) = tokio::join!(
        list_profiles(c, InferenceProfileType::Application),
        tags_by_arn(c, RESOURCE_TYPE),
    );
    Ok((summaries?, tags?))
}

/// Every inference profile of the region of one type, every page.
pub(crate) async fn list_profiles(
    c: &Clients,
    kind: InferenceProfileType,
) -> Result<Vec<InferenceProfileSummary>, AwsError> {
    let what = match kind {
        InferenceProfileType::Application => "listing the application inference profiles",
        _ => "listing the system-defined inference profiles",
    };
    c.bedrock
        .list_inference_profiles()
        .type_equals(kind)
        .max_results(1000)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(context(what))
}

pub(crate) async fn read(c: &Clients, d: &DesiredState) -> Result<Vec<Observed>, AwsError> {
    let (summaries, mut tags) = list_with_tags(c).await?;
    // The tagging API's index may lag a profile made a moment ago: for a profile the spec
    // names, a missing entry is read directly rather than taken as "untagged" (which would
    // make it look foreign). Profiles of other stacks need no tags.
    let mut reads = tokio::task::JoinSet::new();
    for s in &summaries {
        let arn = s.inference_profile_arn().to_string();
        let named = d
            .profiles
            .iter()
            .any(|p| p.name == s.inference_profile_name());
        if named && !tags.contains_key(&arn) {
            let bedrock = c.bedrock.clone();
            reads.spawn(async move {
                let read = bedrock.list_tags_for_resource().resource_arn(&arn).send();
                let t = match from_bedrock(read.await) {
                    Ok(t) => t
                        .tags()
                        .iter()
                        .map(|t| (t.key().to_string(), t.value().to_string()))
                        .collect(),
                    // Deleted since the listing: no tags, and the next run will not see it.
                    Err(e) if e.is(Class::NotFound) => BTreeMap::new(),
                    Err(e) => {
                        let what = format!("reading the tags of inference profile {arn}");
                        return Err(context(what)(e));
                    }
                };
                Ok::<_, AwsError>((arn, t))
            });
        }
    }
    while let Some(joined) = reads.join_next().await {
        let (arn, t) = joined.map_err(join_error)??;
        tags.insert(arn, t);
    }
    Ok(summaries
        .into_iter()
        .map(|s| Observed {
            name: s.inference_profile_name().to_string(),
            tags: tags
                .get(s.inference_profile_arn())
                .cloned()
                .unwrap_or_default(),
            arn: s.inference_profile_arn().to_string(),
            description: s.description().map(str::to_string),
            models: s
                .models()
                .iter()
                .filter_map(|m| m.model_arn().map(str::to_string))
                .collect(),
            status: s.status().as_str().to_string(),
        })
        .collect())
}

/// What each source the spec copies from routes to: the region's system-defined profiles
/// and foundation models, each listed once (not read one by one), only when a profile of the
/// spec copies from one.
pub(crate) async fn read_sources(
    c: &Clients,
    d: &DesiredState,
) -> Result<BTreeMap<String, SourceState>, AwsError> {
    let is_profile = |arn: &str| arn.contains(":inference-profile/");
    // The profiles' sources, and what LibreChat calls by model id.
    let sources: Vec<&String> = d
        .profiles
        .iter()
        .map(|p| &p.source_arn)
        .chain(d.direct.iter().map(|(arn, _)| arn))
        .collect();
    let wants_profiles = sources.iter().any(|arn| is_profile(arn));
    let wants_models = sources.iter().any(|arn| !is_profile(arn));
    let (system, foundation) = tokio::join!(
        async {
            if !wants_profiles {
                return Ok(BTreeMap::new());
            }
            let summaries = list_profiles(c, InferenceProfileType::SystemDefined).await?;
            Ok::<_, AwsError>(
                summaries
                    .into_iter()
                    .map(|s| {
                        let models = s
                            .models()
                            .iter()
                            .filter_map(|m| m.model_arn().map(str::to_string))
                            .collect::<Vec<_>>();
                        (s.inference_profile_id().to_string(), models)
                    })
                    .collect::<BTreeMap<_, _>>(),
            )
        },
        async {
            if !wants_models {
                return Ok(Vec::new());
            }
            let out = c
                .bedrock
                .list_foundation_models()
                .send()
                .await
                .map_err(context("listing the foundation models"))?;
            Ok::<_, AwsError>(
                out.model_summaries()
                    .iter()
                    .map(|m| m.model_id().to_string())
                    .collect::<Vec<_>>(),
            )
        },
    );
    let (system, foundation) = (system?, foundation?);
    Ok(sources
        .into_iter()
        .map(|arn| {
            let arn = arn.clone();
            let id = arn.rsplit_once('/').map_or("", |(_, id)| id);
            let state = if is_profile(&arn) {
                system.get(id).map(|models| SourceState::Routes {
                    models: models.clone(),
                })
            } else {
                foundation
                    .iter()
                    .any(|m| m == id)
                    .then(|| SourceState::Routes {
                        models: vec![arn.clone()],
                    })
            };
            (arn, state.unwrap_or(SourceState::Missing))
        })
        .collect())
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    _: &bedrock_plan::Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    match step {
        Step::CreateProfile {
            name,
            source_arn,
            description,
            tags,
            token,
        } => {
            let tags = crate::tags::bedrock_tags(&what, tags)?;
            // A dead profile answered for a reused token is made again under a fresh one
            // (`tokens`); a profile is live once ACTIVE.
            let arn = create_fresh(
                &what,
                token,
                |token| {
                    let (what, tags) = (what.clone(), tags.clone());
                    // A replaced profile's name is not free at once: Bedrock answers
                    // ConflictException until it is.
                    patiently(
                        |e| e.is(Class::Conflict),
                        move || {
                            let create = c
                                .bedrock
                                .create_inference_profile()
                                .inference_profile_name(name)
                                .model_source(InferenceProfileModelSource::CopyFrom(
                                    source_arn.clone(),
                                ))
                                .set_description(description.clone())
                                .set_tags(Some(tags.clone()))
                                .client_request_token(token.clone());
                            let what = what.clone();
                            async move {
                                let out =
                                    from_bedrock(create.send().await).map_err(failed(what))?;
                                Ok(out.inference_profile_arn().to_string())
                            }
                        },
                    )
                },
                |arn| {
                    let arn = arn.clone();
                    async move {
                        match wait_active(c, &arn).await {
                            Ok(()) => Ok(true),
                            Err(e) if e.is(Class::NotFound) => Ok(false),
                            Err(e) => Err(e),
                        }
                    }
                },
            )
            .await?;
            Ok(Some(Created {
                kind: KIND,
                name: name.clone(),
                arn,
            }))
        }
        Step::DeleteProfile { arn, .. } => {
            let deleted = c
                .bedrock
                .delete_inference_profile()
                .inference_profile_identifier(arn)
                .send()
                .await;
            done_unless(from_bedrock(deleted), Class::NotFound, what)?;
            Ok(None)
        }
    }
}

/// A created profile is usable once ACTIVE.
async fn wait_active(c: &Clients, arn: &str) -> Result<(), AwsError> {
    let what = format!("waiting for {arn} to be ACTIVE");
    patiently(
        |e| e.code_is("NotActive"),
        || async {
            let p = read_profile(c, arn).await?;
            if p.status == InferenceProfileStatus::Active.as_str() {
                Ok(())
            } else {
                Err(AwsError {
                    context: what.clone(),
                    code: Some("NotActive".into()),
                    message: format!("still {}", p.status),
                    class: None,
                })
            }
        },
    )
    .await
}

/// A profile as Bedrock describes it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveProfile {
    pub arn: String,
    pub status: String,
    /// The foundation-model ARNs it routes to.
    pub models: Vec<String>,
}

/// One profile, by id or ARN (`doctor` checks the ARNs LibreChat is given).
pub async fn read_profile(c: &Clients, id: &str) -> Result<LiveProfile, AwsError> {
    let read = c
        .bedrock
        .get_inference_profile()
        .inference_profile_identifier(id)
        .send()
        .await;
    let p = from_bedrock(read).map_err(failed(format!("reading inference profile {id}")))?;
    Ok(LiveProfile {
        arn: p.inference_profile_arn().to_string(),
        status: p.status().as_str().to_string(),
        models: p
            .models()
            .iter()
            .filter_map(|m| m.model_arn().map(str::to_string))
            .collect(),
    })
}
