//! `--organization` and `--organization-unit`: the accounts of a run discovered through AWS
//! Organizations at run time, instead of listed by hand. Each active account is worked in
//! through the role `--role-name` names there (Organizations creates
//! `OrganizationAccountAccessRole` in every account it creates); suspended and closed
//! accounts are skipped, a line each; the caller's own account only with
//! `--include-own-account`, with the credentials as they are; the management account, as
//! StackSets does, never from a delegated administrator.

use crate::accounts::Target;
use crate::{runtime, Console, Error};
use bedrock_aws::organization::{discover, Scope};
use bedrock_aws::{AwsError, Clients, Endpoint};

/// The role Organizations creates in every account it creates, trusting the management
/// account.
pub const DEFAULT_ROLE_NAME: &str = "OrganizationAccountAccessRole";

/// Where a run's accounts come from, when an organization says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub scope: Scope,
    /// `--role-name`: the role assumed in each account.
    pub role_name: String,
    /// `--include-own-account`: run in the caller's account too.
    pub include_own: bool,
}

/// An OU id as Organizations' model writes it: `ou-` and the root's 4 to 32 lowercase
/// letters or digits, `-`, then 8 to 32 more.
fn is_unit_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("ou-") else {
        return false;
    };
    let Some((root, own)) = rest.split_once('-') else {
        return false;
    };
    let fine = |s: &str, min: usize| {
        (min..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    fine(root, 4) && fine(own, 8)
}

const NO_SUCH_OU: &str = "check the OU's id (`aws organizations list-organizational-units-for-parent --parent-id ROOT_OR_OU_ID` lists them), or use --organization for every account";

const NOT_ALLOWED: &str = "run with credentials of the organization's management account, or of a member account registered as a delegated administrator (`aws organizations register-delegated-administrator`), allowed organizations:ListAccounts, organizations:ListAccountsForParent and organizations:ListOrganizationalUnitsForParent; or name the accounts' roles with --assume-role";

/// Organizations' refusal of the discovery, with what to do about it.
fn discovery_error(e: AwsError) -> Error {
    let help = match e.code.as_deref() {
        Some("ParentNotFoundException") => NO_SUCH_OU,
        Some("AWSOrganizationsNotInUseException" | "AccessDeniedException") => NOT_ALLOWED,
        _ => return Error::Aws(e),
    };
    let code = e.code.as_deref().unwrap_or_default();
    let message = format!(
        "{}: {code}: {} (nothing was read or changed in any account)",
        e.context, e.message
    );
    Error::other(message, help)
}

impl Organization {
    /// The flags, checked before any call.
    pub fn check(&self) -> Result<(), Error> {
        if let Scope::Units(units) = &self.scope {
            for unit in units {
                if !is_unit_id(unit) {
                    let shown: String = unit.chars().take(80).collect();
                    return Err(Error::other(
                        format!("--organization-unit {shown:?} is not an OU id; nothing was called"),
                        "give the OU's id as Organizations shows it (ou-ab12-cd34ef56, `aws organizations list-organizational-units-for-parent`); for every account use --organization",
                    ));
                }
            }
        }
        let name = &self.role_name;
        let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
        if name.is_empty() || name.chars().count() > 64 || !name.chars().all(allowed) {
            let shown: String = name.chars().take(80).collect();
            return Err(Error::other(
                format!("--role-name {shown:?} is not an IAM role name (1 to 64 letters, digits and +=,.@_-); nothing was called"),
                format!("give the name of the role to assume in each account, without a path or an ARN (default {DEFAULT_ROLE_NAME})"),
            ));
        }
        Ok(())
    }

    /// The flags as the user gave them, for the commands a run suggests.
    pub fn flags(&self) -> Vec<String> {
        let mut flags = match &self.scope {
            Scope::Organization => vec!["--organization".to_string()],
            Scope::Units(units) => units
                .iter()
                .map(|u| format!("--organization-unit {u}"))
                .collect(),
        };
        if self.role_name != DEFAULT_ROLE_NAME {
            flags.push(format!("--role-name {}", self.role_name));
        }
        if self.include_own {
            flags.push("--include-own-account".to_string());
        }
        flags
    }

    /// Discover the accounts (from the credentials of `endpoint`), saying which are skipped
    /// and why.
    pub(crate) fn targets(
        &self,
        endpoint: &Endpoint,
        region: &str,
        partition: &str,
        console: &dyn Console,
    ) -> Result<Vec<Target>, Error> {
        let (found, calls) = runtime(false)?.block_on(async {
            let clients = Clients::connect(endpoint, region).await;
            let found = discover(&clients, &self.scope).await;
            (found, clients.recorder.stats())
        });
        let found = found.map_err(discovery_error)?;
        let mut targets = Vec::new();
        let mut skipped = 0;
        if self.include_own {
            targets.push(Target {
                role: None,
                account: Some(found.caller.clone()),
                name: found
                    .accounts
                    .iter()
                    .find(|a| a.id == found.caller)
                    .map(|a| a.name.clone()),
            });
        }
        for a in &found.accounts {
            if a.id == found.caller {
                if !self.include_own {
                    skipped += 1;
                    console.note(&format!(
                        "skipped account {} {:?}: the credentials' own account (--include-own-account runs there too)",
                        a.id, a.name
                    ));
                }
                continue;
            }
            if a.id == found.management {
                // As StackSets does: never the management account from a delegated
                // administrator.
                skipped += 1;
                console.note(&format!(
                    "skipped account {} {:?}: the organization's management account (run from it with --include-own-account to work there)",
                    a.id, a.name
                ));
                continue;
            }
            if !a.is_active() {
                skipped += 1;
                console.note(&format!(
                    "skipped account {} {:?}: {} (only ACTIVE accounts are run in)",
                    a.id, a.name, a.state
                ));
                continue;
            }
            targets.push(Target {
                role: Some(format!(
                    "arn:{partition}:iam::{}:role/{}",
                    a.id, self.role_name
                )),
                account: Some(a.id.clone()),
                name: Some(a.name.clone()),
            });
        }
        if !found.management.is_empty()
            && found.caller != found.management
            && self.role_name == DEFAULT_ROLE_NAME
            && !targets.is_empty()
        {
            console.note(&format!(
                "note: account {} is not the organization's management account ({}), and {DEFAULT_ROLE_NAME} trusts only that one: give a role of your own that trusts these credentials with --role-name",
                found.caller, found.management
            ));
        }
        let place = match &self.scope {
            Scope::Organization => "the organization".to_string(),
            Scope::Units(units) => units.join(", "),
        };
        console.note(&format!(
            "organization: {} account{} to run in, from {place} ({skipped} skipped; {calls})",
            targets.len(),
            if targets.len() == 1 { "" } else { "s" },
        ));
        Ok(targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(scope: Scope, role: &str) -> Organization {
        Organization {
            scope,
            role_name: role.to_string(),
            include_own: false,
        }
    }

    #[test]
    fn ou_ids_and_role_names_are_checked_before_any_call() {
        let good = org(
            Scope::Units(vec![
                "ou-ab12-cd34ef56".into(),
                "ou-a1b2c3d4-0123456789abcdef".into(),
            ]),
            DEFAULT_ROLE_NAME,
        );
        assert!(good.check().is_ok());
        for bad in [
            "r-ab12",
            "ou-ab1-cd34ef56",
            "ou-ab12-cd34ef5",
            "ou-AB12-cd34ef56",
            "ou-ab12cd34ef56",
            "111111111111",
        ] {
            let e = org(Scope::Units(vec![bad.into()]), DEFAULT_ROLE_NAME)
                .check()
                .unwrap_err()
                .to_string();
            assert!(e.contains("is not an OU id"), "{bad}: {e}");
        }
        for bad in [
            "",
            "path/Role",
            "arn:aws:iam::111111111111:role/R",
            &"R".repeat(65),
            "has space",
        ] {
            let e = org(Scope::Organization, bad)
                .check()
                .unwrap_err()
                .to_string();
            assert!(e.contains("is not an IAM role name"), "{bad:?}: {e}");
        }
        assert!(org(Scope::Organization, "Deploy+Bedrock=1,a.b@c_d-e")
            .check()
            .is_ok());
    }

    #[test]
    fn the_flags_are_given_back_for_suggested_commands() {
        let mut o = org(Scope::Units(vec!["ou-ab12-cd34ef56".into()]), "Deployer");
        o.include_own = true;
        assert_eq!(
            o.flags(),
            [
                "--organization-unit ou-ab12-cd34ef56",
                "--role-name Deployer",
                "--include-own-account"
            ]
        );
        assert_eq!(
            org(Scope::Organization, DEFAULT_ROLE_NAME).flags(),
            ["--organization"]
        );
    }
}
