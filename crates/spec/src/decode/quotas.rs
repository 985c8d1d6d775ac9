//! `[quotas]`: increases of the Service Quotas that bound a profile's model, asked of AWS
//! (`[[quotas.increase]]`).

use super::cx::{problem, Cx};
use super::table::Table;
use crate::model::{Profile, QuotaIncrease, Quotas};

/// The largest value the spec asks for: far beyond any quota AWS grants, so a typo of a few
/// zeros is caught.
const VALUE_MAX: i64 = 1_000_000_000_000;

/// `profiles` is None when they have errors of their own: then no profile name is called
/// unknown.
pub(super) fn decode_quotas(
    cx: &mut Cx<'_>,
    t: &mut Table<'_, '_>,
    profiles: Option<&[Profile]>,
) -> Option<Quotas> {
    let help = "write each increase as a [[quotas.increase]] section with profile and tokens_per_minute or requests_per_minute";
    let list = t.tables(cx, "increase", help)?;
    let mut ok = true;
    let mut out: Vec<QuotaIncrease> = Vec::new();
    for (_, mut e) in list.read(cx, help, &mut ok) {
        let path = e.path.clone();
        let profile = e.required_string(cx, "profile", "profile = \"LibreChat-Claude\"");
        let mut value = |e: &mut Table<'_, '_>, cx: &mut Cx<'_>, key: &'static str| {
            let (n, span) = e.integer(cx, key)?;
            if (1..=VALUE_MAX).contains(&n) {
                return Some(n as u64);
            }
            cx.error(
                &format!("{path}.{key}"),
                span,
                problem(
                    format!(
                        "{n} is not a quota value to ask for: it must be from 1 to 1,000,000,000,000"
                    ),
                    format!("write the value you want, such as {key} = 400000"),
                ),
            );
            ok = false;
            None
        };
        let tokens = value(&mut e, cx, "tokens_per_minute");
        let requests = value(&mut e, cx, "requests_per_minute");
        let given = |k: &str| e.table.iter().any(|(key, _)| key.get_ref() == k);
        let (has_tokens, has_requests) = (given("tokens_per_minute"), given("requests_per_minute"));
        let span = e.span.clone();
        e.finish(cx);
        let Some((name, name_span)) = profile else {
            ok = false;
            continue;
        };
        if !has_tokens && !has_requests {
            cx.error(
                &path,
                span,
                problem(
                    format!("the increase for {name:?} asks for nothing"),
                    "add tokens_per_minute = N, requests_per_minute = N, or both",
                ),
            );
            ok = false;
            continue;
        }
        if let Some(profiles) = profiles {
            if !profiles.iter().any(|p| p.name == name) {
                let names: Vec<String> = profiles.iter().map(|p| format!("{:?}", p.name)).collect();
                cx.error(
                    &format!("{path}.profile"),
                    name_span,
                    problem(
                        format!("{name:?} is not a profile of the spec: a quota is asked for a profile's model"),
                        if names.is_empty() {
                            "add the profile under [[profiles]] first".to_string()
                        } else {
                            format!("name one of {}", names.join(", "))
                        },
                    ),
                );
                ok = false;
                continue;
            }
        }
        if out.iter().any(|q| q.profile == name) {
            cx.error(
                &format!("{path}.profile"),
                name_span,
                problem(
                    format!("{name:?} has an increase already"),
                    "ask for tokens and requests in the one [[quotas.increase]] of the profile",
                ),
            );
            ok = false;
            continue;
        }
        if (has_tokens && tokens.is_none()) || (has_requests && requests.is_none()) {
            continue;
        }
        out.push(QuotaIncrease {
            profile: name,
            tokens_per_minute: tokens,
            requests_per_minute: requests,
        });
    }
    ok.then_some(Quotas { increase: out })
}
