//! The `[[profiles]]` entries: each profile's name, model, env name and tags, with every name,
//! model and env name used at most once.

use super::cx::{join, kind, problem, Cx};
use super::table::Table;
use crate::model::Profile;
use crate::rules;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::de::DeValue;

/// The first place a value was seen, for "also used at" help texts.
struct Seen<'s> {
    source_of: BTreeMap<String, (String, Range<usize>)>,
    what: &'s str,
}

impl Seen<'_> {
    fn check(&mut self, cx: &mut Cx<'_>, value: &str, path: &str, span: &Range<usize>) -> bool {
        if let Some((first, first_span)) = self.source_of.get(value) {
            let line = cx.line(first_span);
            cx.error(
                path,
                span.clone(),
                problem(
                    format!(
                        "{} {value:?} is already used by {first} (line {line})",
                        self.what
                    ),
                    format!(
                        "each profile needs its own {}: change one of them",
                        self.what
                    ),
                ),
            );
            return false;
        }
        self.source_of
            .insert(value.to_string(), (path.to_string(), span.clone()));
        true
    }
}

pub(super) fn decode_profiles(
    cx: &mut Cx<'_>,
    top: &mut Table<'_, '_>,
    region: Option<&str>,
) -> Option<Vec<Profile>> {
    let list = top.tables(
        cx,
        "profiles",
        "write each profile as its own [[profiles]] section (two brackets)",
    )?;
    let mut names = Seen {
        source_of: BTreeMap::new(),
        what: "profile name",
    };
    let mut models = Seen {
        source_of: BTreeMap::new(),
        what: "model",
    };
    let mut envs = Seen {
        source_of: BTreeMap::new(),
        what: "env name",
    };
    let mut out = Vec::new();
    let mut ok = true;
    let help = "write each profile as a [[profiles]] section with name, model and env";
    for (_, mut t) in list.read(cx, help, &mut ok) {
        let profile = decode_profile(cx, &mut t, region, &mut names, &mut models, &mut envs);
        t.finish(cx);
        match profile {
            Some(p) => out.push(p),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn decode_profile(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    region: Option<&str>,
    names: &mut Seen<'_>,
    models: &mut Seen<'_>,
    envs: &mut Seen<'_>,
) -> Option<Profile> {
    let path = t.path.clone();
    let mut ok = true;
    let name = t.required_string(cx, "name", "name = \"LibreChat-Claude-3-7-Sonnet\"");
    if let Some((n, span)) = &name {
        let p = format!("{path}.name");
        ok &= cx.rule(&p, span, rules::profile_name(n)) && names.check(cx, n, &p, span);
    }
    let model = t.required_string(
        cx,
        "model",
        "model = \"us.anthropic.claude-3-7-sonnet-20250219-v1:0\"",
    );
    if let Some((m, span)) = &model {
        let p = format!("{path}.model");
        ok &= cx.rule(&p, span, rules::model_id(m)) && models.check(cx, m, &p, span);
        if crate::mantle::routes_to_bedrock_mantle(m) {
            cx.warn(&p, span.clone(), crate::mantle::profile_warning(m));
        }
        if let (Some(geo), Some(region)) = (rules::profile_geography(m), region) {
            if !rules::geography_serves_region(geo, region) {
                cx.warn(
                    &p,
                    span.clone(),
                    problem(
                        format!("{m:?} is a `{geo}.` cross-region profile, which is not offered in {region}"),
                        format!("use the profile for {region}'s geography (for example `eu.` in eu- regions) or a `global.` one; AWS lists them with `aws bedrock list-inference-profiles --region {region}`"),
                    ),
                );
            }
        }
    }
    let env = t.required_string(cx, "env", "env = \"BEDROCK_CLAUDE_PROFILE\"");
    if let Some((e, span)) = &env {
        let p = format!("{path}.env");
        ok &= cx.rule(&p, span, rules::env_name(e)) && envs.check(cx, e, &p, span);
    }
    let description = t.string(cx, "description");
    if let Some((d, span)) = &description {
        ok &= cx.rule(&format!("{path}.description"), span, rules::description(d));
    }
    let tags = decode_tags(cx, t, &mut ok);
    if !ok {
        return None;
    }
    Some(Profile {
        name: name?.0,
        model: model?.0,
        env: env?.0,
        description: description.map(|d| d.0),
        tags,
    })
}

/// A resource's `tags` table: keys and values by Bedrock's tag rules, the managed keys refused,
/// at most 50 with the managed ones. Clears `ok` on any problem.
pub(super) fn decode_tags(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    ok: &mut bool,
) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    if let Some(tt) = t.table(cx, "tags") {
        for (k, v) in tt.table.iter() {
            let key = k.get_ref().to_string();
            let kpath = join(&tt.path, &key);
            cx.spans.insert(kpath.clone(), v.span());
            *ok &= cx.rule(&kpath, &k.span(), rules::tag_key(&key));
            if key == crate::MANAGED_BY_TAG || key == crate::STACK_TAG {
                cx.error(
                    &kpath,
                    k.span(),
                    problem(
                        format!("the tag `{key}` is set by this tool on every resource it manages"),
                        "remove it; the `stack` tag takes [stack] name",
                    ),
                );
                *ok = false;
            }
            match v.get_ref() {
                DeValue::String(s) => {
                    *ok &= cx.rule(&kpath, &v.span(), rules::tag_value(s));
                    tags.insert(key, s.to_string());
                }
                other => {
                    cx.error(
                        &kpath,
                        v.span(),
                        problem(
                            format!("expected a string, found {}", kind(other)),
                            "tag values are strings: put the value in double quotes",
                        ),
                    );
                    *ok = false;
                }
            }
        }
        // Tags are free-form: no unknown keys to report, so the sub-table is not finished.
        let total = tags.len() + 2;
        if total > 50 {
            cx.error(
                &tt.path,
                tt.span.clone(),
                problem(
                    format!("{} tags plus the 2 managed ones make {total}; Bedrock allows 50 per resource", tags.len()),
                    "remove tags until there are at most 48",
                ),
            );
            *ok = false;
        }
    } else if t.table.iter().any(|(k, _)| k.get_ref() == "tags") {
        *ok = false;
    }
    tags
}
