//! The accounts of an AWS Organization, discovered from the credentials a run starts with
//! (the management account, or a delegated administrator): every account
//! (`ListAccounts`), or the accounts under organizational units, nested ones included
//! (`ListAccountsForParent` and `ListOrganizationalUnitsForParent`, breadth first). Every
//! list is read to its last page by the SDK's paginators (`NextToken`, which Organizations
//! may send after a short or empty page); Organizations pages at 20 at most.

use crate::error::{context, AwsError};
use crate::Clients;

/// Where the accounts are looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every account of the organization.
    Organization,
    /// The accounts under these OUs (`ou-...`), at any depth.
    Units(Vec<String>),
}

/// One account Organizations listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberAccount {
    pub id: String,
    pub name: String,
    /// Its `State` (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, PENDING_ACTIVATION), or its
    /// older `Status` where an endpoint sends no state.
    pub state: String,
    /// The OU it was found under ("" for `--organization`).
    pub unit: String,
    /// The management account its ARN names.
    pub management: Option<String>,
}

impl MemberAccount {
    pub fn is_active(&self) -> bool {
        self.state == "ACTIVE"
    }
}

/// What discovery found: the caller's own account and the accounts in scope, in the order
/// Organizations listed them (each once).
#[derive(Debug, Clone)]
pub struct Discovery {
    pub caller: String,
    /// The organization's management account.
    pub management: String,
    pub accounts: Vec<MemberAccount>,
}

fn member(a: &aws_sdk_organizations::types::Account, unit: &str) -> Option<MemberAccount> {
    let state = match (a.state(), a.status()) {
        (Some(s), _) => s.as_str().to_string(),
        (None, Some(s)) => s.as_str().to_string(),
        (None, None) => "UNKNOWN".to_string(),
    };
    Some(MemberAccount {
        id: a.id()?.to_string(),
        name: a.name().unwrap_or_default().to_string(),
        state,
        unit: unit.to_string(),
        management: a
            .arn()
            .and_then(|arn| arn.split(':').nth(4))
            .filter(|id| id.len() == 12)
            .map(str::to_string),
    })
}

/// Organizations' refusals, said for this use: which account asked, and what to run with.
fn explain(e: AwsError, caller: &str) -> AwsError {
    let code = e.code.clone().unwrap_or_default();
    let message = match code.as_str() {
        "AWSOrganizationsNotInUseException" => format!(
            "account {caller} (the credentials you run with) is not in an AWS Organization, so it has no accounts to discover: {}",
            e.message
        ),
        "AccessDeniedException" => format!(
            "account {caller} (the credentials you run with) may not list the organization's accounts ({}): Organizations answers these calls only in the management account or a delegated administrator, to a principal allowed organizations:ListAccounts, organizations:ListAccountsForParent and organizations:ListOrganizationalUnitsForParent",
            e.message.trim_end_matches('.')
        ),
        "ParentNotFoundException" => format!(
            "{} found no such OU in the organization: {}",
            e.context, e.message
        ),
        _ => return e,
    };
    AwsError {
        context: "discovering the organization's accounts".to_string(),
        code: e.code,
        message,
        class: None,
    }
}

/// Discover the accounts in `scope`, with the caller's account (one `GetCallerIdentity`)
/// and the organization's management account.
pub async fn discover(c: &Clients, scope: &Scope) -> Result<Discovery, AwsError> {
    let caller = crate::caller_account(c).await?;
    let mut accounts: Vec<MemberAccount> = Vec::new();
    let mut push = |found: Vec<MemberAccount>| {
        for a in found {
            if !accounts.iter().any(|b| b.id == a.id) {
                accounts.push(a);
            }
        }
    };
    match scope {
        Scope::Organization => push(list_accounts(c).await.map_err(|e| explain(e, &caller))?),
        Scope::Units(units) => {
            // Each OU read once, however often it is named or nested in another named one.
            let mut seen: Vec<String> = Vec::new();
            for unit in units {
                let mut queue = vec![unit.clone()];
                while let Some(parent) = queue.pop() {
                    if seen.contains(&parent) {
                        continue;
                    }
                    seen.push(parent.clone());
                    push(
                        accounts_of(c, &parent, unit)
                            .await
                            .map_err(|e| explain(e, &caller))?,
                    );
                    let mut children = units_of(c, &parent)
                        .await
                        .map_err(|e| explain(e, &caller))?;
                    // Breadth first, in the order listed.
                    children.reverse();
                    queue.splice(0..0, children);
                }
            }
        }
    }
    // Every account's ARN names the management account
    // (arn:aws:organizations::<management>:account/o-.../<id>): no DescribeOrganization.
    let management = accounts
        .iter()
        .find_map(|a| a.management.clone())
        .unwrap_or_default();
    Ok(Discovery {
        caller,
        management,
        accounts,
    })
}

async fn list_accounts(c: &Clients) -> Result<Vec<MemberAccount>, AwsError> {
    let pages: Vec<_> = c
        .organizations
        .list_accounts()
        .into_paginator()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(context(
            "listing the organization's accounts (organizations:ListAccounts)",
        ))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.accounts())
        .filter_map(|a| member(a, ""))
        .collect())
}

async fn accounts_of(
    c: &Clients,
    parent: &str,
    unit: &str,
) -> Result<Vec<MemberAccount>, AwsError> {
    let pages: Vec<_> = c
        .organizations
        .list_accounts_for_parent()
        .parent_id(parent)
        .into_paginator()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(context(format!(
            "listing the accounts of {parent} (organizations:ListAccountsForParent)"
        )))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.accounts())
        .filter_map(|a| member(a, unit))
        .collect())
}

async fn units_of(c: &Clients, parent: &str) -> Result<Vec<String>, AwsError> {
    let pages: Vec<_> = c
        .organizations
        .list_organizational_units_for_parent()
        .parent_id(parent)
        .into_paginator()
        .send()
        .collect::<Result<_, _>>()
        .await
        .map_err(context(format!(
            "listing the OUs under {parent} (organizations:ListOrganizationalUnitsForParent)"
        )))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.organizational_units())
        .filter_map(|u| u.id().map(str::to_string))
        .collect())
}
