//! The life of a stack command over its accounts: the stack's flags as data, the accounts
//! they name (the credentials as they are, or each `--assume-role`), a body run in each
//! (concurrently, with a bound), and for `apply` and `destroy` the flow that plans in every
//! account, shows every plan, asks once, then carries out the plans that change something.
//! What is shown and how the question is asked are the caller's: the engine hands it the
//! plans and the accounts to name.

use crate::accounts::{self, Accounts, Outcome, Ran, Sink, Target};
use crate::{
    Console, Error, Exit, Organization, Paths, Place, Planned, Stack, SummaryFile, SummaryRequest,
};
use bedrock_aws::AssumeRole;
use bedrock_plan::{Mode, Plan, Suggest};
use bedrock_spec::Spec;
use std::path::PathBuf;

/// The spec file a command reads unless `--config` names another.
pub const DEFAULT_CONFIG: &str = "bedrock.toml";

/// The flags every stack command takes, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackOptions {
    /// How the user runs the tool (`cargo xtask`, ...): the commands it suggests start so.
    pub program: String,
    /// `--config`: the spec file.
    pub config: PathBuf,
    /// `--out`: where the generated files are (None: the spec's directory).
    pub out: Option<PathBuf>,
    /// `--local`, `--endpoint-url`.
    pub place: Place,
    /// `--assume-role`, each an account to run in.
    pub roles: Vec<String>,
    /// `--external-id`.
    pub external_id: Option<String>,
    /// `--parallel`: how many accounts run at once.
    pub parallel: usize,
    /// `--organization`, `--organization-unit`: the accounts, discovered at run time.
    pub organization: Option<Organization>,
    /// `--failure-tolerance`: how many failed accounts stop the run (none: no stop).
    pub failure_tolerance: Option<usize>,
    /// `--summary`: the run's summary for CI.
    pub summary: Option<SummaryRequest>,
}

impl StackOptions {
    /// The flags as the user gave them, for the commands this run suggests.
    pub fn suggest(&self) -> Suggest {
        self.suggest_for(None)
    }

    /// The same in one account of several: its role, so that the command reaches it.
    pub fn suggest_for(&self, role: Option<&str>) -> Suggest {
        let accounts: Vec<String> = match role {
            Some(role) => vec![format!("--assume-role {role}")],
            None => {
                let mut flags: Vec<String> = self
                    .roles
                    .iter()
                    .map(|r| format!("--assume-role {r}"))
                    .collect();
                if let Some(org) = &self.organization {
                    flags.extend(org.flags());
                }
                flags
            }
        };
        self.suggest_with(accounts)
    }

    /// The same in one account of a run: its role, or none (the credentials as they are).
    fn suggest_in(&self, target: &Target) -> Suggest {
        match (&target.role, &target.account) {
            (Some(role), _) => self.suggest_for(Some(role)),
            (None, Some(_)) => self.suggest_with(Vec::new()),
            _ => self.suggest(),
        }
    }

    fn suggest_with(&self, accounts: Vec<String>) -> Suggest {
        let mut endpoint = Vec::new();
        if self.place.local {
            endpoint.push("--local".to_string());
        }
        if let Some(url) = &self.place.endpoint_url {
            endpoint.push(format!("--endpoint-url {url}"));
        }
        let assumes = accounts.iter().any(|f| f.starts_with("--assume-role"));
        endpoint.extend(accounts);
        if let (Some(id), true) = (&self.external_id, assumes) {
            endpoint.push(format!("--external-id {id}"));
        }
        let mut files = Vec::new();
        if self.config.as_os_str() != DEFAULT_CONFIG {
            files.push(format!("--config {}", self.config.display()));
        }
        if let Some(out) = &self.out {
            files.push(format!("--out {}", out.display()));
        }
        Suggest::new(&self.program, &endpoint, &files)
    }

    pub fn paths(&self) -> Paths {
        Paths::new(&self.config, self.out.as_deref())
    }

    /// `--out` as given (empty: the spec's directory), as a saved plan records it.
    pub fn out_as_given(&self) -> String {
        self.out
            .as_ref()
            .map(|o| o.display().to_string())
            .unwrap_or_default()
    }

    /// Connect to each account and run `body` there, concurrently when there are several;
    /// then say how many AWS calls each made. `json`: several accounts' output is returned
    /// for one document.
    pub fn run_each<T: Send>(
        &self,
        console: &dyn Console,
        spec: &Spec,
        command: &str,
        json: bool,
        body: impl Fn(&Stack, &Sink<'_>) -> Result<T, Error> + Sync,
    ) -> Result<(Accounts, Vec<Ran<T>>), Error> {
        self.connect_each(console, spec, command, json, |stack, sink| {
            let result = body(&stack, sink);
            sink.note(format!("{command}: {}", stack.calls()));
            result
        })
    }

    /// The same, handing `body` the connected stack to keep (for a second phase).
    pub fn connect_each<T: Send>(
        &self,
        console: &dyn Console,
        spec: &Spec,
        command: &str,
        json: bool,
        body: impl Fn(Stack, &Sink<'_>) -> Result<T, Error> + Sync,
    ) -> Result<(Accounts, Vec<Ran<T>>), Error> {
        if let Some(org) = &self.organization {
            org.check()?;
        }
        let listed = match &self.organization {
            Some(_) => None,
            None => Some(accounts::targets(&self.roles, spec.partition())?),
        };
        if let Some(id) = &self.external_id {
            accounts::check_external_id(id)?;
        }
        let summary = match &self.summary {
            Some(s) => Some(SummaryFile::new(&s.path, s.format.as_deref())?),
            None => None,
        };
        let endpoint = self.place.endpoint(&spec.stack.region, console)?;
        let targets = match (listed, &self.organization) {
            (Some(listed), _) => listed,
            (None, Some(org)) => {
                org.targets(&endpoint, &spec.stack.region, spec.partition(), console)?
            }
            (None, None) => Vec::new(),
        };
        let mut accounts = Accounts::new(targets, self.failure_tolerance);
        accounts.command = command.to_string();
        accounts.summary = summary;
        let several = accounts.len() > 1;
        let all: Vec<usize> = (0..accounts.len()).collect();
        let results = accounts::each(
            console,
            &accounts,
            &all,
            several,
            self.parallel,
            json,
            |_, target, sink| {
                // With accounts named or discovered, each account's files are its own.
                let paths = match &target.account {
                    Some(account) => {
                        let out = self.paths().out_dir.join(account);
                        Paths::new(&self.config, Some(&out))
                    }
                    _ => self.paths(),
                };
                let suggest = self.suggest_in(target);
                let stack = match (&target.role, &target.account) {
                    (Some(role), Some(account)) => {
                        let role = AssumeRole {
                            role_arn: role.clone(),
                            external_id: self.external_id.clone(),
                            session_name: format!("librechat-bedrock-{command}"),
                        };
                        Stack::connect_as(spec.clone(), paths, &endpoint, &role, account, suggest)?
                    }
                    _ => Stack::connect(spec.clone(), paths, &endpoint, suggest)?,
                };
                body(stack, sink)
            },
        );
        Ok((accounts, results))
    }

    /// `apply` and `destroy`: plan in each account (`plan`), show each plan (`show`), ask once
    /// naming the accounts that change (`ask`, skipped when none does), then carry out each
    /// plan that was made (`apply`, told whether there are several accounts). The exit code
    /// is the worst account's; one account's error is returned as it is.
    pub fn converge(
        &self,
        console: &dyn Console,
        spec: &Spec,
        flow: Converge<'_>,
    ) -> Result<Exit, Error> {
        let command = flow.command;
        let (targets, planned) =
            self.connect_each(console, spec, command, false, |stack, sink| {
                match (flow.plan)(&stack) {
                    Ok(p) => {
                        (flow.show)(&p, sink);
                        Ok((stack, p))
                    }
                    Err(e) => {
                        sink.note(format!("{command}: {}", stack.calls()));
                        Err(e)
                    }
                }
            })?;
        let changing: Vec<&Plan> = planned
            .iter()
            .filter_map(|(r, _)| r.as_ref().ok())
            .map(|(_, p)| &p.plan)
            .filter(|p| p.has_changes())
            .collect();
        // A destroy with nothing to remove has nothing more to say; an apply without changes
        // still writes the files.
        // Past the failure tolerance nothing more starts, so nothing is asked.
        let asked = if changing.is_empty() || targets.stopped() {
            Ok(())
        } else {
            (flow.ask)(&accounts_named(&changing))
        };
        if let Err(e) = asked {
            for (target, (r, _)) in targets.iter().zip(&planned) {
                if let Ok((stack, _)) = r {
                    let prefix = match (&target.account, targets.len() > 1) {
                        (Some(account), true) => format!("[{account}] "),
                        _ => String::new(),
                    };
                    console.note(&format!("{prefix}{command}: {}", stack.calls()));
                }
            }
            return Err(e);
        }
        // The second phase runs in the accounts whose plan was made; the others keep their
        // error for the summary.
        let several = targets.len() > 1;
        let ready: Vec<usize> = (0..targets.len())
            .filter(|&i| planned[i].0.is_ok())
            .collect();
        let mut applied = accounts::each(
            console,
            &targets,
            &ready,
            several,
            self.parallel,
            false,
            |i, _, sink| {
                let Ok((stack, p)) = &planned[i].0 else {
                    return Err(Error::Reported);
                };
                let plan = &p.plan;
                let result = if !plan.has_changes() && plan.mode == Mode::Destroy {
                    Ok(())
                } else {
                    (flow.apply)(stack, p, sink, several)
                };
                sink.note(format!("{command}: {}", stack.calls()));
                result.map(|()| Outcome::new(Exit::Success, changes_of(plan)))
            },
        )
        .into_iter();
        let results = planned
            .into_iter()
            .map(|(first, text)| match first {
                Err(e) => (Err(e), text),
                Ok(_) => applied
                    .next()
                    .unwrap_or((Err(Error::Reported), String::new())),
            })
            .collect();
        accounts::finish(console, &targets, results, false)
    }
}

/// What [`StackOptions::converge`] does in each account, and how it asks.
pub struct Converge<'a> {
    /// The command, for the calls line (`apply`, `destroy`).
    pub command: &'a str,
    /// The plan of one account.
    pub plan: &'a (dyn Fn(&Stack) -> Result<Planned, Error> + Sync),
    /// Shows one account's plan.
    pub show: &'a (dyn Fn(&Planned, &Sink<'_>) + Sync),
    /// Asks once, given the accounts that change ("account 111111111111 in us-east-1").
    pub ask: &'a dyn Fn(&str) -> Result<(), Error>,
    /// Carries out one account's plan and shows its report (`true`: one of several).
    pub apply: &'a ApplyFn,
}

/// How [`Converge`] carries out one account's plan.
pub type ApplyFn = dyn Fn(&Stack, &Planned, &Sink<'_>, bool) -> Result<(), Error> + Sync;

/// "2 to add, 1 to change", or "no changes".
pub fn changes_of(plan: &Plan) -> String {
    let s = plan.summary();
    if !plan.has_changes() {
        return "no changes".into();
    }
    let parts: Vec<String> = [
        (s.add, "to add"),
        (s.change, "to change"),
        (s.replace, "to replace"),
        (s.destroy, "to destroy"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if parts.is_empty() {
        "files to write".into()
    } else {
        parts.join(", ")
    }
}

/// The accounts a question names: "account 111111111111 in us-east-1", or "3 accounts
/// (111111111111, ...) in us-east-1".
fn accounts_named(plans: &[&Plan]) -> String {
    let region = plans.first().map_or("", |p| p.region.as_str());
    match plans {
        [one] => format!("account {} in {region}", one.account_id),
        many => format!(
            "{} accounts ({}) in {region}",
            many.len(),
            many.iter()
                .map(|p| p.account_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> StackOptions {
        StackOptions {
            program: "cargo xtask".into(),
            config: PathBuf::from(DEFAULT_CONFIG),
            out: None,
            place: Place::default(),
            roles: Vec::new(),
            external_id: None,
            parallel: 4,
            organization: None,
            failure_tolerance: None,
            summary: None,
        }
    }

    #[test]
    fn suggested_commands_repeat_the_flags_that_reach_the_same_place() {
        let plain = options();
        assert_eq!(plain.suggest().command("plan"), "cargo xtask plan");
        let mut many = options();
        many.config = PathBuf::from("stacks/prod.toml");
        many.out = Some(PathBuf::from("out"));
        many.place.local = true;
        many.roles = vec![
            "arn:aws:iam::111111111111:role/A".into(),
            "arn:aws:iam::222222222222:role/A".into(),
        ];
        many.external_id = Some("team-42".into());
        let all = many.suggest().command("plan");
        for flag in [
            "--local",
            "--assume-role arn:aws:iam::111111111111:role/A",
            "--assume-role arn:aws:iam::222222222222:role/A",
            "--external-id team-42",
            "--config stacks/prod.toml",
            "--out out",
        ] {
            assert!(all.contains(flag), "{flag} not in {all}");
        }
        // One account of several: its own role only.
        let one = many
            .suggest_for(Some("arn:aws:iam::222222222222:role/A"))
            .command("plan");
        assert!(!one.contains("111111111111"), "{one}");
        assert!(one.contains("222222222222"), "{one}");
        assert_eq!(many.out_as_given(), "out");
        assert_eq!(plain.out_as_given(), "");
    }
}
