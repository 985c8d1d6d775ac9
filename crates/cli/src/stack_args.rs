//! The flags every stack command takes, declared once: the spec, where the generated files
//! go, where AWS is and in which accounts. The engine takes them as data
//! ([`bedrock_engine::StackOptions`]): it resolves `--local` and the accounts, and runs.

use crate::output::load_spec;
use bedrock_engine::{
    Error, Organization, OrganizationScope, Paths, Place, Spec, StackOptions, Suggest,
    SummaryRequest, DEFAULT_CONFIG, DEFAULT_ROLE_NAME,
};
use clap::{ArgGroup, Args};
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
#[command(group(ArgGroup::new("accounts").multiple(true).args(["assume_role", "organization", "organization_unit"])))]
#[command(group(ArgGroup::new("discovered").multiple(true).args(["organization", "organization_unit"])))]
pub struct StackArgs {
    /// The spec file.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Where the generated files are (default: the spec's directory).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Send every AWS call to the embedded emulator (started when it is not running;
    /// BEDROCK_EMULATOR_PORT sets its port).
    #[arg(long, conflicts_with = "endpoint_url")]
    pub local: bool,
    /// Send every AWS call to this AWS-compatible endpoint.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Work in the account of this IAM role, assumed with your credentials. Repeat it to run
    /// the command once per account, concurrently, with one summary (the exit code is the
    /// worst); each account's generated files go to <out>/<account id>/.
    #[arg(
        long = "assume-role",
        value_name = "ARN",
        conflicts_with = "discovered"
    )]
    pub assume_role: Vec<String>,
    /// Work in every active account of the AWS Organization, discovered at run time from
    /// your credentials (the management account or a delegated administrator).
    #[arg(long, conflicts_with = "organization_unit")]
    pub organization: bool,
    /// Work in every active account under this organizational unit, nested OUs included
    /// (repeatable).
    #[arg(long = "organization-unit", value_name = "OU_ID")]
    pub organization_unit: Vec<String>,
    /// With --organization or --organization-unit: the role to assume in each account.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_ROLE_NAME, requires = "discovered")]
    pub role_name: String,
    /// With --organization or --organization-unit: run in your credentials' own account
    /// too (skipped unless asked).
    #[arg(long, requires = "discovered")]
    pub include_own_account: bool,
    /// The external id the roles' trust policies ask for (sts:ExternalId).
    #[arg(long, value_name = "ID", requires = "accounts")]
    pub external_id: Option<String>,
    /// With several accounts: how many run at once.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "accounts", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// With several accounts: once N accounts have failed, start no new one (those running
    /// finish; the rest are listed as not started).
    #[arg(long, value_name = "N", requires = "accounts", value_parser = tolerance)]
    pub failure_tolerance: Option<u32>,
    /// Write the run's summary, an entry per account, to FILE for CI: JUnit XML (.xml) or
    /// GitHub's step-summary Markdown (.md).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// The --summary file's format, when its name does not say
    /// (--summary "$GITHUB_STEP_SUMMARY" --summary-format markdown).
    #[arg(long, value_name = "FORMAT", requires = "summary", value_parser = ["junit", "markdown"])]
    pub summary_format: Option<String>,
}

/// `--failure-tolerance`: a number of failed accounts, 1 or more.
fn tolerance(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("give the number of failed accounts (1 or more) after which no new account starts; leave the flag out to run every account whatever fails".to_string()),
    }
}

impl StackArgs {
    /// The flags as data, for the engine.
    pub fn options(&self) -> StackOptions {
        StackOptions {
            program: crate::program().to_string(),
            config: self.config.clone(),
            out: self.out.clone(),
            place: Place {
                local: self.local,
                endpoint_url: self.endpoint_url.clone(),
            },
            roles: self.assume_role.clone(),
            external_id: self.external_id.clone(),
            parallel: self.parallel.into(),
            organization: self.organization().map(|scope| Organization {
                scope,
                role_name: self.role_name.clone(),
                include_own: self.include_own_account,
            }),
            failure_tolerance: self.failure_tolerance.map(|n| n as usize),
            summary: self.summary.as_ref().map(|path| SummaryRequest {
                path: path.clone(),
                format: self.summary_format.clone(),
            }),
        }
    }

    fn organization(&self) -> Option<OrganizationScope> {
        if self.organization {
            Some(OrganizationScope::Organization)
        } else if !self.organization_unit.is_empty() {
            // Each OU once, in the order given.
            let mut units: Vec<String> = Vec::new();
            for unit in &self.organization_unit {
                if !units.contains(unit) {
                    units.push(unit.clone());
                }
            }
            Some(OrganizationScope::Units(units))
        } else {
            None
        }
    }

    /// The flags as the user gave them, for the commands this run suggests.
    pub fn suggest(&self) -> Suggest {
        self.options().suggest()
    }

    pub fn paths(&self) -> Paths {
        Paths::new(&self.config, self.out.as_deref())
    }

    /// The spec, checked (its report printed), before anything touches AWS.
    pub fn spec(&self) -> Result<Spec, Error> {
        load_spec(&self.config)
    }
}
