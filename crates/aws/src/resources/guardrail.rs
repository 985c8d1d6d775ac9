//! Guardrails: read (the draft, the latest published version, the tags), create, update,
//! publish a version, tag, delete.

use crate::error::{build_failed, context, from_bedrock, AwsError, Class, Modelled};
use crate::resources::Observation;
use crate::tokens::create_fresh;
use crate::Clients;
use aws_sdk_bedrock::operation::get_guardrail::GetGuardrailOutput;
use aws_sdk_bedrock::types::{
    GuardrailContentFilterConfig, GuardrailContentFilterType, GuardrailContentPolicyConfig,
    GuardrailContextualGroundingFilterConfig, GuardrailContextualGroundingFilterType,
    GuardrailContextualGroundingPolicyConfig, GuardrailFilterStrength, GuardrailManagedWordsConfig,
    GuardrailManagedWordsType, GuardrailPiiEntityConfig, GuardrailPiiEntityType,
    GuardrailSensitiveInformationAction, GuardrailSensitiveInformationPolicyConfig,
    GuardrailTopicConfig, GuardrailTopicPolicyConfig, GuardrailTopicType, GuardrailWordConfig,
    GuardrailWordPolicyConfig,
};
use bedrock_plan::resources::guardrail::{
    ContentFilter, Desired, Observed, Policy, Step, Topic, KIND, VERSION,
};
use bedrock_plan::DesiredState;
use bedrock_plan::{Created, Outputs};
use std::collections::BTreeMap;

/// Bedrock's content filter categories, in the order the plan compares them.
const CATEGORIES: [&str; 6] = [
    "SEXUAL",
    "VIOLENCE",
    "HATE",
    "INSULTS",
    "MISCONDUCT",
    "PROMPT_ATTACK",
];

/// Every guardrail the spec names or this stack tagged.
pub(crate) async fn observe(c: &Clients, d: &DesiredState) -> Result<Observation, AwsError> {
    let guardrails = read(c, &d.guardrails, &d.managed_tags).await?;
    Ok(Box::new(move |o| o.guardrails = guardrails))
}

/// Every guardrail the spec names, and every one tagged for this stack.
pub(crate) async fn read(
    c: &Clients,
    desired: &[Desired],
    managed_tags: &BTreeMap<String, String>,
) -> Result<Vec<Observed>, AwsError> {
    let summaries = c
        .bedrock
        .list_guardrails()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(context("listing the guardrails"))?;
    let mut reads = tokio::task::JoinSet::new();
    for s in summaries {
        let (c, named) = (c.clone(), desired.iter().any(|d| d.name == s.name()));
        let managed = managed_tags.clone();
        reads.spawn(async move {
            let arn = s.arn().to_string();
            let tags = tags_of(&c, &arn).await?;
            let ours = managed.iter().all(|(k, v)| tags.get(k) == Some(v));
            if !named && !ours {
                return Ok(None);
            }
            read_one(&c, s.id(), &arn, s.name(), tags).await.map(Some)
        });
    }
    let mut out = Vec::new();
    while let Some(done) = reads.join_next().await {
        let read = done.map_err(|e| AwsError::local("reading the guardrails", e.to_string()))?;
        if let Some(o) = read? {
            out.push(o);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

async fn tags_of(c: &Clients, arn: &str) -> Result<BTreeMap<String, String>, AwsError> {
    match from_bedrock(
        c.bedrock
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await,
    ) {
        Ok(t) => Ok(t
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()),
        Err(e) if e.is(Class::NotFound) => Ok(BTreeMap::new()),
        Err(e) => Err(context(format!("reading the tags of guardrail {arn}"))(e)),
    }
}

async fn read_one(
    c: &Clients,
    id: &str,
    arn: &str,
    name: &str,
    tags: BTreeMap<String, String>,
) -> Result<Observed, AwsError> {
    let (draft, versions) = tokio::join!(
        c.bedrock.get_guardrail().guardrail_identifier(arn).send(),
        c.bedrock
            .list_guardrails()
            .guardrail_identifier(arn)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>(),
    );
    let draft = draft.map_err(context(format!("reading guardrail {name}")))?;
    let versions =
        versions.map_err(context(format!("listing the versions of guardrail {name}")))?;
    let latest = versions
        .iter()
        .filter_map(|v| v.version().parse::<u64>().ok())
        .max();
    let latest = match latest {
        Some(n) => {
            let version = n.to_string();
            let out = c
                .bedrock
                .get_guardrail()
                .guardrail_identifier(arn)
                .guardrail_version(&version)
                .send()
                .await
                .map_err(context(format!(
                    "reading version {version} of guardrail {name}"
                )))?;
            Some((version, policy_of(&out)))
        }
        None => None,
    };
    Ok(Observed {
        name: name.to_string(),
        id: id.to_string(),
        arn: arn.to_string(),
        draft: policy_of(&draft),
        latest,
        tags,
    })
}

/// A guardrail (version) as the spec states a policy.
fn policy_of(g: &GetGuardrailOutput) -> Policy {
    let mut content_filters: Vec<ContentFilter> = g
        .content_policy()
        .map(|p| p.filters())
        .unwrap_or_default()
        .iter()
        .map(|f| ContentFilter {
            category: f.r#type().as_str().to_string(),
            input: f.input_strength().as_str().to_string(),
            output: f.output_strength().as_str().to_string(),
        })
        .collect();
    content_filters.sort_by_key(|f| {
        CATEGORIES
            .iter()
            .position(|c| *c == f.category)
            .unwrap_or(CATEGORIES.len())
    });
    let mut pii: Vec<(String, String)> = g
        .sensitive_information_policy()
        .map(|p| p.pii_entities())
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e.r#type().as_str().to_string(),
                e.action().as_str().to_string(),
            )
        })
        .collect();
    pii.sort();
    let threshold = |kind: &str| {
        g.contextual_grounding_policy()
            .map(|p| p.filters())
            .unwrap_or_default()
            .iter()
            .find(|f| f.r#type().as_str() == kind)
            .map(|f| f.threshold())
    };
    Policy {
        description: g.description().map(str::to_string),
        blocked_input_message: g.blocked_input_messaging().to_string(),
        blocked_output_message: g.blocked_outputs_messaging().to_string(),
        content_filters,
        denied_topics: g
            .topic_policy()
            .map(|p| p.topics())
            .unwrap_or_default()
            .iter()
            .map(|t| Topic {
                name: t.name().to_string(),
                definition: t.definition().to_string(),
                examples: t.examples().to_vec(),
            })
            .collect(),
        pii,
        words: g
            .word_policy()
            .map(|p| p.words())
            .unwrap_or_default()
            .iter()
            .map(|w| w.text().to_string())
            .collect(),
        profanity: g
            .word_policy()
            .map(|p| p.managed_word_lists())
            .unwrap_or_default()
            .iter()
            .any(|l| l.r#type() == &GuardrailManagedWordsType::Profanity),
        grounding_threshold: threshold("GROUNDING"),
        relevance_threshold: threshold("RELEVANCE"),
    }
}

/// The request's policy configurations for a policy.
struct Configs {
    content: Option<GuardrailContentPolicyConfig>,
    topics: Option<GuardrailTopicPolicyConfig>,
    words: Option<GuardrailWordPolicyConfig>,
    sensitive: Option<GuardrailSensitiveInformationPolicyConfig>,
    grounding: Option<GuardrailContextualGroundingPolicyConfig>,
}

fn configs(what: &str, p: &Policy) -> Result<Configs, AwsError> {
    let content = if p.content_filters.is_empty() {
        None
    } else {
        let filters = p
            .content_filters
            .iter()
            .map(|f| {
                GuardrailContentFilterConfig::builder()
                    .r#type(GuardrailContentFilterType::from(f.category.as_str()))
                    .input_strength(GuardrailFilterStrength::from(f.input.as_str()))
                    .output_strength(GuardrailFilterStrength::from(f.output.as_str()))
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(build_failed(what))?;
        Some(
            GuardrailContentPolicyConfig::builder()
                .set_filters_config(Some(filters))
                .build()
                .map_err(build_failed(what))?,
        )
    };
    let topics = if p.denied_topics.is_empty() {
        None
    } else {
        let topics = p
            .denied_topics
            .iter()
            .map(|t| {
                GuardrailTopicConfig::builder()
                    .name(&t.name)
                    .definition(&t.definition)
                    .set_examples((!t.examples.is_empty()).then(|| t.examples.clone()))
                    .r#type(GuardrailTopicType::Deny)
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(build_failed(what))?;
        Some(
            GuardrailTopicPolicyConfig::builder()
                .set_topics_config(Some(topics))
                .build()
                .map_err(build_failed(what))?,
        )
    };
    let words = if p.words.is_empty() && !p.profanity {
        None
    } else {
        let words = p
            .words
            .iter()
            .map(|w| GuardrailWordConfig::builder().text(w).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(build_failed(what))?;
        let managed = if p.profanity {
            Some(vec![GuardrailManagedWordsConfig::builder()
                .r#type(GuardrailManagedWordsType::Profanity)
                .build()
                .map_err(build_failed(what))?])
        } else {
            None
        };
        Some(
            GuardrailWordPolicyConfig::builder()
                .set_words_config((!words.is_empty()).then_some(words))
                .set_managed_word_lists_config(managed)
                .build(),
        )
    };
    let sensitive = if p.pii.is_empty() {
        None
    } else {
        let entities = p
            .pii
            .iter()
            .map(|(t, a)| {
                GuardrailPiiEntityConfig::builder()
                    .r#type(GuardrailPiiEntityType::from(t.as_str()))
                    .action(GuardrailSensitiveInformationAction::from(a.as_str()))
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(build_failed(what))?;
        Some(
            GuardrailSensitiveInformationPolicyConfig::builder()
                .set_pii_entities_config(Some(entities))
                .build(),
        )
    };
    let mut filters = Vec::new();
    for (kind, threshold) in [
        (
            GuardrailContextualGroundingFilterType::Grounding,
            p.grounding_threshold,
        ),
        (
            GuardrailContextualGroundingFilterType::Relevance,
            p.relevance_threshold,
        ),
    ] {
        if let Some(t) = threshold {
            filters.push(
                GuardrailContextualGroundingFilterConfig::builder()
                    .r#type(kind)
                    .threshold(t)
                    .build()
                    .map_err(build_failed(what))?,
            );
        }
    }
    let grounding = if filters.is_empty() {
        None
    } else {
        Some(
            GuardrailContextualGroundingPolicyConfig::builder()
                .set_filters_config(Some(filters))
                .build()
                .map_err(build_failed(what))?,
        )
    };
    Ok(Configs {
        content,
        topics,
        words,
        sensitive,
        grounding,
    })
}

pub(crate) async fn execute(
    c: &Clients,
    step: &Step,
    outputs: &Outputs,
) -> Result<Option<Created>, AwsError> {
    let what = step.describe();
    match step {
        Step::CreateGuardrail {
            name,
            policy,
            tags,
            token,
        } => {
            let k = configs(&what, policy)?;
            let tags = crate::tags::bedrock_tags(&what, tags)?;
            // A reused token may be answered with a guardrail deleted since: made again
            // under a fresh one (`tokens`).
            let arn = create_fresh(
                &what,
                token,
                |token| {
                    let create = c
                        .bedrock
                        .create_guardrail()
                        .name(name)
                        .set_description(policy.description.clone())
                        .blocked_input_messaging(&policy.blocked_input_message)
                        .blocked_outputs_messaging(&policy.blocked_output_message)
                        .set_content_policy_config(k.content.clone())
                        .set_topic_policy_config(k.topics.clone())
                        .set_word_policy_config(k.words.clone())
                        .set_sensitive_information_policy_config(k.sensitive.clone())
                        .set_contextual_grounding_policy_config(k.grounding.clone())
                        .set_tags(Some(tags.clone()))
                        .client_request_token(token);
                    let what = what.clone();
                    async move {
                        match from_bedrock(create.send().await) {
                            Ok(out) => Ok(out.guardrail_arn().to_string()),
                            // Made by an earlier, interrupted apply under another token: find
                            // it.
                            Err(e) if e.is(Class::Conflict) => arn_by_name(c, name)
                                .await?
                                .ok_or_else(|| context(what.clone())(e)),
                            Err(e) => Err(context(what)(e)),
                        }
                    }
                },
                |arn| {
                    let arn = arn.clone();
                    async move { exists(c, &arn, None).await }
                },
            )
            .await?;
            return Ok(Some(Created {
                kind: KIND,
                name: name.clone(),
                arn,
            }));
        }
        Step::UpdateGuardrail { name, arn, policy } => {
            let k = configs(&what, policy)?;
            c.bedrock
                .update_guardrail()
                .guardrail_identifier(arn)
                .name(name)
                .set_description(policy.description.clone())
                .blocked_input_messaging(&policy.blocked_input_message)
                .blocked_outputs_messaging(&policy.blocked_output_message)
                .set_content_policy_config(k.content)
                .set_topic_policy_config(k.topics)
                .set_word_policy_config(k.words)
                .set_sensitive_information_policy_config(k.sensitive)
                .set_contextual_grounding_policy_config(k.grounding)
                .send()
                .await
                .map_err(context(what))?;
        }
        Step::PublishVersion {
            name,
            arn,
            after,
            token,
        } => {
            let arn = outputs
                .resolve(arn)
                .map_err(|e| AwsError::local(what.clone(), e.to_string()))?;
            // A version is new when it follows the one the plan saw, and exists: a token
            // reused by an earlier publish is answered with that publish's old version.
            let after = after.as_deref().and_then(|v| v.parse::<u64>().ok());
            let version = create_fresh(
                &what,
                token,
                |token| {
                    let publish = c
                        .bedrock
                        .create_guardrail_version()
                        .guardrail_identifier(&arn)
                        .client_request_token(token);
                    let what = what.clone();
                    async move {
                        let out = publish.send().await.map_err(context(what))?;
                        Ok(out.version().to_string())
                    }
                },
                |version| {
                    let version = version.clone();
                    let arn = arn.clone();
                    async move {
                        let newer = match (version.parse::<u64>().ok(), after) {
                            (Some(v), Some(a)) => v > a,
                            (Some(_), None) => true,
                            (None, _) => false,
                        };
                        Ok(newer && exists(c, &arn, Some(&version)).await?)
                    }
                },
            )
            .await?;
            return Ok(Some(Created {
                kind: VERSION,
                name: name.clone(),
                arn: version,
            }));
        }
        Step::DeleteGuardrail { arn, .. } => {
            let deleted = c
                .bedrock
                .delete_guardrail()
                .guardrail_identifier(arn)
                .send()
                .await;
            match from_bedrock(deleted) {
                Ok(_) => {}
                Err(e) if e.is(Class::NotFound) => {}
                Err(e) => return Err(context(what)(e)),
            }
        }
    }
    Ok(None)
}

/// Whether the guardrail `arn` (at `version`, else its draft) exists.
async fn exists(c: &Clients, arn: &str, version: Option<&str>) -> Result<bool, AwsError> {
    let read = c
        .bedrock
        .get_guardrail()
        .guardrail_identifier(arn)
        .set_guardrail_version(version.map(str::to_string))
        .send()
        .await;
    match from_bedrock(read) {
        Ok(_) => Ok(true),
        Err(e) if e.is(Class::NotFound) => Ok(false),
        Err(e) => Err(context(format!("reading guardrail {arn}"))(e)),
    }
}

/// Every guardrail of the region.
pub(crate) async fn list_all(
    c: &Clients,
) -> Result<Vec<aws_sdk_bedrock::types::GuardrailSummary>, AwsError> {
    c.bedrock
        .list_guardrails()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(context("listing the guardrails"))
}

async fn arn_by_name(c: &Clients, name: &str) -> Result<Option<String>, AwsError> {
    let all = list_all(c).await?;
    Ok(all
        .iter()
        .find(|g| g.name() == name)
        .map(|g| g.arn().to_string()))
}

/// Whether `identifier` (an id or ARN) names a guardrail with `version` here: its name when it
/// does, None when the guardrail or the version does not exist.
pub async fn guardrail_version(
    c: &Clients,
    identifier: &str,
    version: &str,
) -> Result<Option<String>, AwsError> {
    let read = c
        .bedrock
        .get_guardrail()
        .guardrail_identifier(identifier)
        .guardrail_version(version)
        .send()
        .await;
    match from_bedrock(read) {
        Ok(g) => Ok(Some(g.name().to_string())),
        Err(e) if e.is(Class::NotFound) => Ok(None),
        Err(e) => Err(context(format!(
            "reading version {version} of guardrail {identifier}"
        ))(e)),
    }
}
