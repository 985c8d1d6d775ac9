//! Model access: whether the account may invoke every model the stack's profiles route to
//! (in every destination region) and LibreChat calls, and what `[access]` does about it.
//!
//! The preflight is a plan's problems: a model not offered in a region, not authorized or
//! not entitled, Anthropic's use case form not on file, a Marketplace agreement not accepted:
//! each stops the plan before any write, with the exact fix. A LEGACY model, or one with an
//! end-of-life date, is a warning naming the date. `[access]` turns the form and the
//! agreements into steps, shown in the plan like any change. Destroy leaves both: they are
//! the account's, not the stack's.

use crate::change::{Action, Chain, FieldDiff, Kind, Phase};
use crate::plan::Planner;
use crate::registry::{DesiredState, Inputs, KindPlanner, ObservedState};
use crate::resources::inference_profile::SourceState;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const KIND: Kind = Kind {
    id: "model_access",
    label: "model access",
    spec_key: "[access]",
};

pub const PLANNER: KindPlanner = KindPlanner {
    kind: KIND,
    plan,
    destroy,
    outputs: crate::outputs::none,
};

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Desired {
    /// Anthropic's form as Bedrock takes it (`companyName`, ...), when the spec submits it.
    pub use_case: Option<Value>,
    pub accept_agreements: bool,
    /// Read the account's facts of every model, even those a profile in place was checked
    /// for when it was made and those no agreement governs (`doctor`); see [`account_reads`].
    pub every_model: bool,
}

pub fn desired(i: &Inputs) -> Desired {
    Desired {
        use_case: i.spec.access.anthropic_use_case.as_ref().map(|u| {
            json!({
                "companyName": u.company_name,
                "companyWebsite": u.company_website,
                "intendedUsers": u.intended_users,
                "industryOption": u.industry_option,
                "otherIndustryOption": u.other_industry_option,
                "useCases": u.use_cases,
            })
        }),
        accept_agreements: i.spec.access.accept_agreements,
        every_model: false,
    }
}

/// One model in one region: the region's facts (ListFoundationModels) and the account's
/// (GetFoundationModelAvailability, ListFoundationModelAgreementOffers), when read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelState {
    pub model: String,
    pub region: String,
    pub region_availability: String,
    /// ACTIVE or LEGACY, with the dates AWS gives.
    pub lifecycle: Option<Lifecycle>,
    /// None when not read: see [`account_reads`].
    pub account: Option<AccountFacts>,
}

/// What the account may do with one model, as GetFoundationModelAvailability answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountFacts {
    pub agreement: String,
    pub authorization: String,
    pub entitlement: String,
    /// The offer to accept, when the agreement is not in place.
    pub offer: Option<Offer>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lifecycle {
    pub status: String,
    pub legacy_time: Option<String>,
    pub end_of_life_time: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offer {
    pub id: Option<String>,
    pub token: String,
    /// Where the offer's legal terms are.
    pub terms: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Observed {
    /// Whether Anthropic's use case form is on file; None when no Anthropic model is used
    /// (it was not read).
    pub use_case_on_file: Option<bool>,
    pub models: Vec<ModelState>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    /// PutUseCaseForModelAccess: once per account.
    SubmitUseCase { form: Value },
    /// CreateFoundationModelAgreement: accepts the offer's terms for the account.
    AcceptAgreement {
        model: String,
        offer_token: String,
        offer_id: Option<String>,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::SubmitUseCase { .. } => "submit Anthropic's use case form".to_string(),
            Step::AcceptAgreement { model, .. } => {
                format!("accept the Marketplace agreement of {model}")
            }
        }
    }
}

/// The foundation model ids and regions the stack invokes, each with what brings it in
/// (a profile, a `[librechat]` key), from what the region's sources route to.
pub fn used_models(
    desired: &DesiredState,
    sources: &BTreeMap<String, SourceState>,
) -> BTreeMap<(String, String), Vec<String>> {
    let mut used: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let named = desired
        .profiles
        .iter()
        .map(|p| (p.source_arn.clone(), format!("profile {}", p.name)))
        .chain(desired.direct.iter().cloned());
    for (source, why) in named {
        let Some(SourceState::Routes { models }) = sources.get(&source) else {
            continue;
        };
        for arn in models {
            let parts: Vec<&str> = arn.splitn(6, ':').collect();
            let (Some(region), Some(resource)) = (parts.get(3), parts.get(5)) else {
                continue;
            };
            // The Region-less ARN of a global profile: its source region's entry stands for it.
            if region.is_empty() {
                continue;
            }
            let model = resource.rsplit('/').next().unwrap_or_default().to_string();
            let entry = used.entry((model, region.to_string())).or_default();
            if !entry.contains(&why) {
                entry.push(why.clone());
            }
        }
    }
    used
}

/// The providers whose models AWS serves without a Marketplace agreement: Amazon's own and
/// the open-weight ones it hosts (the Bedrock user guide, "Request access to models": access
/// to serverless models is on by default; only third-party models sold through AWS
/// Marketplace need the account's subscription). Nothing per model is the account's to
/// read for them.
pub const NO_AGREEMENT: [&str; 6] = [
    "amazon.",
    "deepseek.",
    "mistral.",
    "meta.",
    "qwen.",
    "openai.",
];

/// Whether a model needs the account's Marketplace agreement before it can be invoked.
pub fn needs_agreement(model: &str) -> bool {
    !NO_AGREEMENT.iter().any(|p| model.starts_with(p))
}

/// The models whose account facts (GetFoundationModelAvailability: one call per model, AWS
/// has no bulk read) a run reads, so that a plan's calls do not grow with the profiles
/// already in place:
/// - every model, with `every_model` (`doctor`) or `[access] accept_agreements` (the stack
///   keeps the agreements in place);
/// - else each model that needs an agreement ([`needs_agreement`]) and that LibreChat calls
///   by id, or that a profile routes to whose application profile is not in place yet (as
///   `in_place` lists them: name -> the model ARNs it routes to). A profile in place was
///   checked when it was made, and an agreement, once accepted, stays with the account.
pub fn account_reads(
    desired: &DesiredState,
    sources: &BTreeMap<String, SourceState>,
    in_place: &BTreeMap<String, Vec<String>>,
) -> std::collections::BTreeSet<String> {
    let all = desired.access.every_model || desired.access.accept_agreements;
    let model_of = |arn: &str| arn.rsplit('/').next().unwrap_or_default().to_string();
    let routes = |source: &str| match sources.get(source) {
        Some(SourceState::Routes { models }) => models.clone(),
        _ => Vec::new(),
    };
    let mut reads = std::collections::BTreeSet::new();
    for p in &desired.profiles {
        let mut wanted = routes(&p.source_arn);
        let mut live = in_place.get(&p.name).cloned();
        wanted.sort();
        if let Some(l) = live.as_mut() {
            l.sort();
        }
        let checked = live.as_ref() == Some(&wanted) && !wanted.is_empty();
        for arn in &wanted {
            let model = model_of(arn);
            if all || (!checked && needs_agreement(&model)) {
                reads.insert(model);
            }
        }
    }
    for (source, _) in &desired.direct {
        for arn in routes(source) {
            let model = model_of(&arn);
            if all || needs_agreement(&model) {
                reads.insert(model);
            }
        }
    }
    reads
}

/// A model without its agreement: (the regions that say so, the offer, what uses it).
type Missing = (Vec<String>, Option<Offer>, Vec<String>);

/// What the preflight finds, and what `[access]` does about it.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// What stops a plan: a model the account cannot invoke, with the fix.
    pub problems: Vec<String>,
    /// What does not: a LEGACY model, an agreement still being processed.
    pub warnings: Vec<String>,
    /// What `[access]` establishes: (name, reason, diffs, step).
    pub changes: Vec<(String, String, Vec<FieldDiff>, Step)>,
}

/// The preflight of model access over what was observed.
pub fn assess(desired: &DesiredState, observed: &ObservedState) -> Findings {
    let mut f = Findings::default();
    let used = used_models(desired, &observed.sources);
    let account = observed.account_id.clone();
    let anthropic: Vec<String> = used
        .iter()
        .filter(|((m, _), _)| m.starts_with("anthropic."))
        .flat_map(|(_, why)| why.clone())
        .fold(Vec::new(), |mut acc, w| {
            if !acc.contains(&w) {
                acc.push(w);
            }
            acc
        });
    if !anthropic.is_empty() && observed.access.use_case_on_file == Some(false) {
        match &desired.access.use_case {
            Some(form) => f.changes.push((
                "Anthropic use case form".to_string(),
                format!("not on file for account {account}; submitted once for the account ([access] anthropic_use_case), as the Bedrock console's form does"),
                vec![FieldDiff::new("form", Value::Null, form.clone())],
                Step::SubmitUseCase { form: form.clone() },
            )),
            None => f.problems.push(format!(
                "Anthropic's use case form is not on file for account {account}: Anthropic models cannot be invoked there ({} use them; AWS answers \"Model use case details have not been submitted for this account\")\n  help: add [access] anthropic_use_case = {{ company_name = \"...\", company_website = \"https://...\", intended_users = \"0\", industry_option = \"...\", other_industry_option = \"\", use_cases = \"...\" }} to the spec, or submit the form once in the Bedrock console (from an Organization's management account it covers every member account)",
                anthropic.join(", ")
            )),
        }
    }
    // Agreements are the account's, one per model: gathered over the regions first.
    let mut agreements: BTreeMap<String, Missing> = BTreeMap::new();
    let mut pending: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // LEGACY models and end-of-life dates, one warning per model: (regions, what uses it).
    let mut aging: BTreeMap<(String, String), (Vec<String>, String)> = BTreeMap::new();
    for m in observed.access.models.clone() {
        let why_list = used
            .get(&(m.model.clone(), m.region.clone()))
            .cloned()
            .unwrap_or_default();
        let why = why_list.join(", ");
        let at = format!("{} in {}", m.model, m.region);
        if m.region_availability != "AVAILABLE" {
            f.problems.push(format!(
                "{at} is not offered ({why} routes there)\n  help: choose a profile whose regions offer the model (`aws bedrock list-inference-profiles --region {}`), or another model",
                m.region
            ));
            continue;
        }
        if let Some(a) = &m.account {
            if a.authorization != "AUTHORIZED" {
                f.problems.push(format!(
                    "{at}: the account is not authorized to invoke it (authorizationStatus {}; {why} uses it)\n  help: check the account's Bedrock access with AWS Support, or use another model",
                    a.authorization
                ));
                continue;
            }
            if a.entitlement != "AVAILABLE" {
                f.problems.push(format!(
                    "{at}: the account has no entitlement to it (entitlementAvailability {}; {why} uses it)\n  help: request access to the model in the Bedrock console, or use another model",
                    a.entitlement
                ));
                continue;
            }
            match a.agreement.as_str() {
                "AVAILABLE" => {}
                "PENDING" => pending
                    .entry(m.model.clone())
                    .or_default()
                    .push(m.region.clone()),
                _ => {
                    let entry = agreements.entry(m.model.clone()).or_default();
                    entry.0.push(m.region.clone());
                    if entry.1.is_none() {
                        entry.1 = a.offer.clone();
                    }
                    for w in why_list {
                        if !entry.2.contains(&w) {
                            entry.2.push(w);
                        }
                    }
                }
            }
        }
        if let Some(l) = &m.lifecycle {
            if l.status == "LEGACY" || l.end_of_life_time.is_some() {
                let mut dates = Vec::new();
                if let Some(t) = &l.legacy_time {
                    dates.push(format!("legacy since {t}"));
                }
                if let Some(t) = &l.end_of_life_time {
                    dates.push(format!("end of life {t}"));
                }
                let dates = if dates.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", dates.join(", "))
                };
                let entry = aging
                    .entry((m.model.clone(), format!("{}{dates}", l.status)))
                    .or_default();
                entry.0.push(m.region.clone());
                if entry.1.is_empty() {
                    entry.1 = why.clone();
                }
            }
        }
    }
    for ((model, status), (regions, why)) in aging {
        f.warnings.push(format!(
            "{model} in {} is {status}: {why} should move to a newer model before then",
            regions.join(", ")
        ));
    }
    for (model, regions) in pending {
        f.warnings.push(format!(
            "{model}: its Marketplace agreement is still being processed (up to 15 minutes; seen in {}); until then AWS refuses calls to it",
            regions.join(", ")
        ));
    }
    for (model, (regions, offer, why)) in agreements {
        let why = why.join(", ");
        let seen = regions.join(", ");
        match (offer, desired.access.accept_agreements) {
            (Some(offer), true) => {
                let terms = offer.terms.as_deref().unwrap_or("the offer's terms");
                f.changes.push((
                    format!("agreement {model}"),
                    format!("account {account} has no agreement for it ({why}); [access] accept_agreements = true accepts offer {} (terms: {terms})", offer.id.as_deref().unwrap_or("(no id)")),
                    vec![FieldDiff::new("agreement", json!("NOT_AVAILABLE"), json!("AVAILABLE"))],
                    Step::AcceptAgreement {
                        model: model.clone(),
                        offer_token: offer.token.clone(),
                        offer_id: offer.id.clone(),
                    },
                ));
            }
            (None, _) => f.problems.push(format!(
                "{model}: account {account} has no Marketplace agreement for it and AWS lists no offer to accept ({why}; seen in {seen})\n  help: open the model in the Bedrock console's model catalog and accept its terms"
            )),
            (Some(offer), false) => f.problems.push(format!(
                "{model}: account {account} has no Marketplace agreement for it ({why}; seen in {seen}); LibreChat's calls are refused until there is one (a caller allowed aws-marketplace:Subscribe would create it on first use)\n  help: set [access] accept_agreements = true to accept offer {} (terms: {}), or accept it in the Bedrock console",
                offer.id.as_deref().unwrap_or("(no id)"),
                offer.terms.as_deref().unwrap_or("listed by `aws bedrock list-foundation-model-agreement-offers`")
            )),
        }
    }
    f
}

fn plan(pl: &mut Planner) {
    let f = assess(pl.desired, pl.observed);
    pl.problems.extend(f.problems);
    pl.warnings.extend(f.warnings);
    for (name, reason, diffs, step) in f.changes {
        pl.push(
            KIND,
            &name,
            Action::Create,
            reason,
            diffs,
            vec![Chain::one(Phase::Foundations, step)],
        );
    }
}

fn destroy(pl: &mut Planner) {
    if pl.desired.access.use_case.is_some() || pl.desired.access.accept_agreements {
        pl.keep(
            KIND,
            "[access]",
            "Anthropic's use case form and accepted agreements are the account's: destroy leaves them",
        );
    }
}
