//! `[access]`: model access established in the account, each part an explicit opt-in.

use super::cx::{join, Cx};
use super::table::Table;
use crate::guardrail_rules as g;
use crate::model::{Access, UseCase};

pub(super) fn decode_access(cx: &mut Cx<'_>, t: &mut Table<'_, '_>) -> Option<Access> {
    let mut ok = true;
    let mut access = Access {
        accept_agreements: t.bool(cx, "accept_agreements").unwrap_or(false),
        ..Access::default()
    };
    if let Some(mut form) = t.table(cx, "anthropic_use_case") {
        let path = form.path.clone();
        let mut field = |cx: &mut Cx<'_>,
                         form: &mut Table<'_, '_>,
                         key: &'static str,
                         example: &str,
                         required: bool| {
            let max = if key == "use_cases" { 8192 } else { 128 };
            let value = if required {
                form.required_string(cx, key, example)
            } else {
                form.string(cx, key)
            };
            match value {
                Some((v, span)) => {
                    ok &= cx.rule(
                        &join(&path, key),
                        &span,
                        g::form_text(key, &v, required, max),
                    );
                    Some((v, span))
                }
                None => {
                    ok &= !required;
                    None
                }
            }
        };
        let company_name = field(
            cx,
            &mut form,
            "company_name",
            "company_name = \"Example Corp\"",
            true,
        );
        let website = field(
            cx,
            &mut form,
            "company_website",
            "company_website = \"https://example.com\"",
            true,
        );
        let intended_users = field(
            cx,
            &mut form,
            "intended_users",
            "intended_users = \"0\"",
            true,
        );
        let industry = field(
            cx,
            &mut form,
            "industry_option",
            "industry_option = \"Technology\"",
            true,
        );
        let other_industry = field(cx, &mut form, "other_industry_option", "", false);
        let use_cases = field(
            cx,
            &mut form,
            "use_cases",
            "use_cases = \"An internal chat assistant (LibreChat) for our employees\"",
            true,
        );
        if let Some((w, span)) = &website {
            ok &= cx.rule(&join(&path, "company_website"), span, g::website(w));
        }
        if let Some((u, span)) = &intended_users {
            ok &= cx.rule(&join(&path, "intended_users"), span, g::intended_users(u));
        }
        form.finish(cx);
        if ok {
            access.anthropic_use_case = Some(UseCase {
                company_name: company_name?.0,
                company_website: website?.0,
                intended_users: intended_users?.0,
                industry_option: industry?.0,
                other_industry_option: other_industry.map(|o| o.0).unwrap_or_default(),
                use_cases: use_cases?.0,
            });
        }
    } else if t
        .table
        .iter()
        .any(|(k, _)| k.get_ref() == "anthropic_use_case")
    {
        ok = false;
    }
    ok.then_some(access)
}
