//! The `[librechat]` section: the extra models and regions, title and stream settings, the
//! runtime role, the guardrail, and the mappings of model ids to inference profiles.

use super::cx::{join, kind, problem, Cx};
use super::table::Table;
use crate::model::{Guardrail, GuardrailSpec, GuardrailTarget, LibreChat, Profile};
use crate::rules;
use toml::de::DeValue;

pub(super) fn decode_librechat(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    profiles: &[Profile],
    guardrails: Option<&[GuardrailSpec]>,
    stack_region: Option<&str>,
) -> Option<LibreChat> {
    let mut ok = true;
    let mut lc = LibreChat::default();

    let profile_models: Vec<&str> = profiles.iter().map(|p| p.model.as_str()).collect();
    let mut seen: Vec<String> = Vec::new();
    for (i, (m, span)) in t.strings(cx, "models").into_iter().enumerate() {
        let path = format!("librechat.models[{i}]");
        if !cx.rule(&path, &span, rules::model_id(&m)) {
            ok = false;
        } else if seen.contains(&m) {
            cx.error(
                &path,
                span,
                problem(format!("{m:?} is listed twice"), "remove the second one"),
            );
            ok = false;
        } else if profile_models.contains(&m.as_str()) {
            cx.warn(
                &path,
                span,
                problem(
                    format!(
                        "{m:?} is the model of a [[profiles]] entry and is listed automatically"
                    ),
                    "remove it from [librechat] models",
                ),
            );
        } else {
            if crate::mantle::routes_to_bedrock_mantle(&m) {
                cx.warn(&path, span, crate::mantle::warning(&m));
            }
            seen.push(m.clone());
            lc.models.push(m);
        }
    }
    let mut all_models: Vec<&str> = profile_models.clone();
    all_models.extend(lc.models.iter().map(String::as_str));

    let mut regions: Vec<String> = Vec::new();
    for (i, (r, span)) in t.strings(cx, "available_regions").into_iter().enumerate() {
        let path = format!("librechat.available_regions[{i}]");
        if !cx.rule(&path, &span, rules::region(&r)) {
            ok = false;
        } else if regions.contains(&r) {
            cx.error(
                &path,
                span,
                problem(format!("{r:?} is listed twice"), "remove the second one"),
            );
            ok = false;
        } else {
            // LibreChat lets people pick the region; the profiles' ARNs answer in one.
            if !profiles.is_empty() && stack_region.is_some_and(|s| s != r) {
                let here = stack_region.unwrap_or_default();
                cx.warn(
                    &path,
                    span,
                    problem(
                        format!("{r:?} is not the stack's region ({here}): the profiles' ARNs work only in {here}, so LibreChat's calls through them fail in {r}, and LibreChat's role policy grants {here} only"),
                        format!("list only {here:?}, or apply this spec in {r} too (a spec per region, each with its own .env)"),
                    ),
                );
            }
            regions.push(r);
        }
    }
    lc.available_regions = regions;

    if let Some((m, span)) = t.string(cx, "title_model") {
        if cx.rule("librechat.title_model", &span, rules::title_model(&m)) {
            if m != "current_model" && !all_models.contains(&m.as_str()) {
                cx.warn(
                    "librechat.title_model",
                    span.clone(),
                    problem(
                        format!("{m:?} is not among the models LibreChat lists"),
                        "titles still work if the model is enabled in the account; to be sure, add it to [librechat] models or use \"current_model\"",
                    ),
                );
            }
            if crate::mantle::routes_to_bedrock_mantle(&m) && !all_models.contains(&m.as_str()) {
                cx.warn("librechat.title_model", span, crate::mantle::warning(&m));
            }
            lc.title_model = Some(m);
        } else {
            ok = false;
        }
    }
    lc.title_convo = t.bool(cx, "title_convo");
    if let Some((m, span)) = t.string(cx, "title_method") {
        ok &= cx.rule(
            "librechat.title_method",
            &span,
            rules::one_of(
                "title method",
                &m,
                &["completion", "functions", "structured"],
            ),
        );
        lc.title_method = Some(m);
    }
    lc.title_prompt = t.string(cx, "title_prompt").map(|s| s.0);
    lc.title_prompt_template = t.string(cx, "title_prompt_template").map(|s| s.0);
    lc.title_endpoint = t.string(cx, "title_endpoint").map(|s| s.0);
    if let Some((rate, span)) = t.number(cx, "stream_rate") {
        ok &= cx.rule("librechat.stream_rate", &span, rules::stream_rate(rate));
        lc.stream_rate = Some(rate);
    }
    let (settings, settings_ok) = super::endpoint::decode_endpoint_keys(cx, t);
    lc.settings = settings;
    ok &= settings_ok;

    let runtime_role = t.string(cx, "runtime_role");
    if let Some((role, span)) = &runtime_role {
        ok &= cx.rule("librechat.runtime_role", span, rules::role_name(role));
        lc.runtime_role = Some(role.clone());
    }
    if let Some(mut r) = t.table(cx, "role") {
        lc.role = super::librechat_role::decode_role(cx, &mut r);
        ok &= lc.role.is_some();
        if let Some((_, span)) = &runtime_role {
            cx.error(
                "librechat.runtime_role",
                span.clone(),
                problem(
                    "runtime_role names a role you made, and [librechat.role] makes one: LibreChat runs as one role",
                    "keep runtime_role to put the policy on your role, or [librechat.role] to have the stack create and own it",
                ),
            );
            ok = false;
        }
        r.finish(cx);
    } else if t.table.iter().any(|(k, _)| k.get_ref() == "role") {
        ok = false;
    }
    if let Some(mut k) = t.table(cx, "api_key") {
        lc.api_key = super::api_key::decode_api_key(cx, &mut k);
        ok &= lc.api_key.is_some();
        if lc.api_key.is_some() {
            cx.warn(
                "librechat.api_key",
                k.span.clone(),
                problem(
                    "a long-term Bedrock API key is for exploring Bedrock: AWS recommends short-term credentials (a role) for applications, and the key's secret lives in .env",
                    "once LibreChat runs where a role can reach it, use [librechat.role] (or runtime_role) and drop [librechat.api_key]",
                ),
            );
            if runtime_role.is_some() || lc.role.is_some() {
                cx.warn(
                    "librechat.api_key",
                    k.span.clone(),
                    problem(
                        "LibreChat uses BEDROCK_AWS_BEARER_TOKEN before every other credential: with the API key in .env, its role is not used for Bedrock",
                        "keep one of the two: [librechat.api_key], or the role",
                    ),
                );
            }
        }
        k.finish(cx);
    } else if t.table.iter().any(|(k, _)| k.get_ref() == "api_key") {
        ok = false;
    }

    if let Some(mut g) = t.table(cx, "guardrail") {
        let enforce = g.table.iter().any(|(k, v)| {
            k.get_ref() == "enforce" && matches!(v.get_ref(), DeValue::Boolean(true))
        });
        lc.guardrail = decode_guardrail(cx, &mut g, guardrails, stack_region);
        ok &= lc.guardrail.is_some();
        if enforce
            && lc.policy_role().is_none()
            && lc.api_key.is_none()
            && !t
                .table
                .iter()
                .any(|(k, _)| k.get_ref() == "role" || k.get_ref() == "api_key")
        {
            cx.error(
                "librechat.guardrail.enforce",
                g.span.clone(),
                problem(
                    "enforce = true puts its condition on LibreChat's invoke policy, and the spec gives LibreChat no role or API key user to hold one",
                    "set [librechat] runtime_role = \"<the role LibreChat runs as>\", or have the stack make it ([librechat.role] or [librechat.api_key]), or drop enforce = true",
                ),
            );
            ok = false;
        }
        ok &= guardrail_references(cx, &lc, profiles);
        g.finish(cx);
    } else if t.table.iter().any(|(k, _)| k.get_ref() == "guardrail") {
        ok = false;
    }

    if let Some(ip) = t.table(cx, "inference_profiles") {
        for (k, v) in ip.table.iter() {
            let key = k.get_ref().to_string();
            let path = join(&ip.path, &key);
            cx.spans.insert(path.clone(), v.span());
            let case_twin = all_models
                .iter()
                .find(|m| **m != key && m.eq_ignore_ascii_case(&key));
            let mut key_ok = true;
            if let Some(m) = case_twin.filter(|_| !all_models.contains(&key.as_str())) {
                cx.error(
                    &path,
                    k.span(),
                    problem(
                        format!("{key:?} differs from the listed model {m:?} only in case"),
                        format!("LibreChat matches the key exactly, case included: write {m:?}"),
                    ),
                );
                key_ok = false;
            } else if !cx.rule(&path, &k.span(), rules::model_id(&key)) {
                key_ok = false;
            } else if let Some(p) = profiles.iter().find(|p| p.model == key) {
                cx.error(
                    &path,
                    k.span(),
                    problem(
                        format!("{key:?} is mapped by the managed profile {:?}", p.name),
                        "remove this line: the managed profile's ARN is mapped automatically",
                    ),
                );
                key_ok = false;
            } else if !all_models.contains(&key.as_str()) {
                let help = format!("add \"{key}\" to [librechat] models (LibreChat matches the key exactly, case included)");
                cx.error(
                    &path,
                    k.span(),
                    problem(
                        format!("{key:?} is mapped to a profile but is not in models, so LibreChat never uses the mapping"),
                        help,
                    ),
                );
                key_ok = false;
            }
            let value = match v.get_ref() {
                DeValue::String(s) => cx
                    .rule(&path, &v.span(), rules::profile_reference(s))
                    .then(|| s.to_string()),
                other => {
                    cx.error(
                        &path,
                        v.span(),
                        problem(
                            format!("expected a string, found {}", kind(other)),
                            "write \"${BEDROCK_MY_PROFILE}\" or the profile's ARN in double quotes",
                        ),
                    );
                    None
                }
            };
            match value {
                Some(value) if key_ok => lc.inference_profiles.push((key, value)),
                _ => ok = false,
            }
        }
        // Keep the order the user wrote (the map itself is sorted by key).
        lc.inference_profiles.sort_by_key(|(k, _)| {
            ip.table
                .iter()
                .find(|(kk, _)| kk.get_ref() == k)
                .map(|(kk, _)| kk.span().start)
        });
    } else if t
        .table
        .iter()
        .any(|(k, _)| k.get_ref() == "inference_profiles")
    {
        ok = false;
    }
    ok.then_some(lc)
}

/// `guardrail = { identifier = "...", version = "1" }` for a guardrail this tool does not
/// manage, or `guardrail = { name = "..." }` for one of `[[guardrails]]` (`guardrails` is None
/// when that section has errors of its own: the name is then not checked against it).
fn decode_guardrail(
    cx: &mut Cx<'_>,
    g: &mut Table<'_, '_>,
    guardrails: Option<&[GuardrailSpec]>,
    stack_region: Option<&str>,
) -> Option<Guardrail> {
    let mut ok = true;
    let has = |key: &str| g.table.iter().any(|(k, _)| k.get_ref() == key);
    if has("name") {
        let name = g.string(cx, "name");
        if has("identifier") || has("version") {
            cx.error(
                "librechat.guardrail",
                g.span.clone(),
                problem(
                    "name and identifier/version both name a guardrail",
                    "use name = \"...\" for a guardrail of [[guardrails]] (its id and published version come from AWS), or identifier and version for one this tool does not manage",
                ),
            );
            ok = false;
            let _ = (g.lookup(cx, "identifier"), g.lookup(cx, "version"));
        }
        if let (Some((n, span)), Some(list)) = (&name, guardrails) {
            if !list.iter().any(|gr| gr.name == *n) {
                let names: Vec<String> = list.iter().map(|gr| format!("{:?}", gr.name)).collect();
                let help = if names.is_empty() {
                    "add a [[guardrails]] section with this name, or use identifier and version for a guardrail this tool does not manage".to_string()
                } else {
                    format!("the spec's guardrails are {}; or use identifier and version for a guardrail this tool does not manage", names.join(", "))
                };
                cx.error(
                    "librechat.guardrail.name",
                    span.clone(),
                    problem(format!("no [[guardrails]] entry is named {n:?}"), help),
                );
                ok = false;
            }
        }
        let (trace, mode) = trace_and_mode(cx, g, &mut ok);
        let enforce = g.bool(cx, "enforce").unwrap_or(false);
        if !ok {
            return None;
        }
        return Some(Guardrail {
            target: GuardrailTarget::Managed { name: name?.0 },
            trace,
            stream_processing_mode: mode,
            enforce,
        });
    }
    let identifier = g.required_string(
        cx,
        "identifier",
        "identifier = \"abc123xyz\" (or name = \"...\" for a guardrail of [[guardrails]])",
    );
    if let Some((id, span)) = &identifier {
        // LibreChat resolves `${VAR}` in the id and the version (extractEnvVariable).
        let rule = match rules::whole_env_reference(id) {
            Some(name) => rules::env_reference(name),
            None => rules::guardrail_identifier(id),
        };
        ok &= cx.rule("librechat.guardrail.identifier", span, rule);
        // Bedrock applies a guardrail of the call's own Region only: an ARN of another fails
        // every call LibreChat makes with it (and its enforce condition could never hold).
        let arn_region = id.strip_prefix("arn:").and_then(|a| a.split(':').nth(2));
        if let (Some(there), Some(here)) = (arn_region, stack_region) {
            if !there.is_empty() && there != here {
                cx.error(
                    "librechat.guardrail.identifier",
                    span.clone(),
                    problem(
                        format!("the guardrail's ARN is in {there}, and the stack's region is {here}: Bedrock applies only a guardrail of the Region the call is made in, so every call LibreChat makes with it fails"),
                        format!("name a guardrail of {here} (its id or ARN), or one of [[guardrails]] with name = \"...\""),
                    ),
                );
                ok = false;
            }
        }
    }
    // A version is a string for Bedrock and LibreChat, but `version = 1` is an obvious
    // intent: accept a whole number and write it as a string.
    let version = match g.lookup(cx, "version") {
        None => {
            g.missing(cx, "version", "version = \"1\"");
            None
        }
        Some(v) => match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), v.span())),
            DeValue::Integer(i) => Some((i.as_str().to_string(), v.span())),
            _ => {
                g.wrong_type(
                    cx,
                    "version",
                    v,
                    "a string",
                    "write version = \"1\" or \"DRAFT\"",
                );
                None
            }
        },
    };
    if let Some((ver, span)) = &version {
        let rule = match rules::whole_env_reference(ver) {
            Some(name) => rules::env_reference(name),
            None => rules::guardrail_version(ver),
        };
        ok &= cx.rule("librechat.guardrail.version", span, rule);
    }
    let (trace, mode) = trace_and_mode(cx, g, &mut ok);
    let enforce = g.bool(cx, "enforce").unwrap_or(false);
    if enforce {
        // The condition names the guardrail's ARN and version in LibreChat's policy, which
        // the tool writes now: a value LibreChat reads from its environment later cannot be.
        for (key, value) in [("identifier", &identifier), ("version", &version)] {
            if let Some((v, span)) = value {
                if v.contains("${") {
                    cx.error(
                        &format!("librechat.guardrail.{key}"),
                        span.clone(),
                        problem(
                            format!("enforce = true needs the guardrail's {key} written out, and {v:?} is read from LibreChat's environment"),
                            format!("write the {key} itself, or drop enforce = true"),
                        ),
                    );
                    ok = false;
                }
            }
        }
    }
    if !ok {
        return None;
    }
    Some(Guardrail {
        target: GuardrailTarget::External {
            identifier: identifier?.0,
            version: version?.0,
        },
        trace,
        stream_processing_mode: mode,
        enforce,
    })
}

/// A guardrail id or version written `${VAR}`: not a profile's `env` (which holds the
/// profile's ARN), and, for the id, not with `runtime_role`, whose policy names the guardrail
/// LibreChat may apply and so needs its id here.
fn guardrail_references(cx: &mut Cx<'_>, lc: &LibreChat, profiles: &[Profile]) -> bool {
    let Some(GuardrailTarget::External {
        identifier,
        version,
    }) = lc.guardrail.as_ref().map(|g| &g.target)
    else {
        return true;
    };
    let mut ok = true;
    for (key, value) in [("identifier", identifier), ("version", version)] {
        let Some(name) = rules::whole_env_reference(value) else {
            continue;
        };
        let path = format!("librechat.guardrail.{key}");
        let span = cx.spans.get(&path).cloned().unwrap_or_default();
        if let Some(p) = profiles.iter().find(|p| p.env == name) {
            cx.error(
                &path,
                span,
                problem(
                    format!("${{{name}}} is the env of the profile {:?}: it holds the profile's ARN, not the guardrail's {key}", p.name),
                    "reference a variable of your own, e.g. ${BEDROCK_GUARDRAIL_ID}",
                ),
            );
            ok = false;
        } else if key == "identifier" && (lc.policy_role().is_some() || lc.api_key.is_some()) {
            cx.error(
                &path,
                span,
                problem(
                    format!("the guardrail's id is ${{{name}}}, which only LibreChat's environment knows, but LibreChat's invoke policy (on its role or API key user) must name the guardrail LibreChat may apply"),
                    "write the guardrail's id or ARN here, or use name = \"...\" for a guardrail of [[guardrails]]",
                ),
            );
            ok = false;
        }
    }
    ok
}

fn trace_and_mode(
    cx: &mut Cx<'_>,
    g: &mut Table<'_, '_>,
    ok: &mut bool,
) -> (Option<String>, Option<String>) {
    let trace = g.string(cx, "trace");
    if let Some((tr, span)) = &trace {
        *ok &= cx.rule(
            "librechat.guardrail.trace",
            span,
            rules::one_of(
                "guardrail trace",
                tr,
                &["enabled", "enabled_full", "disabled"],
            ),
        );
    }
    let mode = g.string(cx, "stream_processing_mode");
    if let Some((m, span)) = &mode {
        *ok &= cx.rule(
            "librechat.guardrail.stream_processing_mode",
            span,
            rules::one_of("stream processing mode", m, &["sync", "async"]),
        );
    }
    (trace.map(|t| t.0), mode.map(|m| m.0))
}
