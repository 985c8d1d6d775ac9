//! The flags every stack command takes, declared once: the spec, where the generated files
//! go, where AWS is and in which accounts. The engine takes them as data
//! ([`bedrock_engine::StackOptions`]): it resolves `--local` and the accounts, and runs.

use crate::output::load_spec;
use bedrock_engine::{Error, Paths, Place, Spec, StackOptions, Suggest, DEFAULT_CONFIG};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
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
    #[arg(long = "assume-role", value_name = "ARN")]
    pub assume_role: Vec<String>,
    /// The external id the roles' trust policies ask for (sts:ExternalId).
    #[arg(long, value_name = "ID", requires = "assume_role")]
    pub external_id: Option<String>,
    /// With several --assume-role: how many accounts run at once.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "assume_role", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
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
