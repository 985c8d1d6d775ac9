//! The drift workflow `init` writes: for the credentials' own account (with the commented
//! ways to list more), or, with `init --organization` / `--organization-unit`, for the
//! accounts an AWS Organization has when the workflow runs.

use bedrock_engine::{Organization, OrganizationScope, DEFAULT_ROLE_NAME};

pub const WORKFLOW: &str = include_str!("../templates/drift.yml");

const LISTED_JOB: &str =
    "    # Many accounts, one job each (see the end of this file): uncomment and list a role per
    # account, then use the --assume-role command in the last step.
    # strategy:
    #   fail-fast: false              # one account's drift does not cancel the other checks
    #   matrix:
    #     account:
    #       - arn:aws:iam::111111111111:role/BedrockDriftReader
    #       - arn:aws:iam::222222222222:role/BedrockDriftReader
";

const LISTED_STEP: &str = "        # Many accounts: `{{command}} drift --skip-local-files --assume-role ${{ matrix.account }}` (one job each,
        # with the strategy above), or, in this one job, `{{command}} drift --skip-local-files --assume-role ARN1
        # --assume-role ARN2 ...`: the accounts run concurrently, one summary, and the exit code
        # is the worst (2 if any drifted, 1 if any failed). For every account of an AWS
        # Organization, found when the workflow runs: `{{command}} init --organization`.
";

const LISTED_FOOTER: &str = "# Many accounts: AWS_ROLE_ARN is then a CI role in one account, and each checked account has a
# read-only role that trusts it (sts:AssumeRole); `--assume-role ARN` (repeatable) makes the
# tool assume it and check that account against the same bedrock.toml (list every account
# in [stack] account_id, or leave it out). A job per account (the matrix) gives each account its own check and log;
# one job with repeated --assume-role gives one summary across all of them.
";

const ORGANIZATION_JOB: &str = "    # The accounts are not listed here: each run asks AWS Organizations for the active accounts
    # {{scope}} (see the end of this file), so an account that joins is checked from its
    # first run on.
";

const ORGANIZATION_STEP: &str = "        # Every account at once ({{parallel}} at a time), each account's output kept together, then one
        # summary: its table goes to the run's summary (--summary), and the exit code is the
        # worst (2 if any drifted, 1 if any failed). Suspended and closed accounts are skipped.
";

const ORGANIZATION_FOOTER: &str =
    "# An AWS Organization: AWS_ROLE_ARN is a CI role in the organization's management account, or
# in a member account registered as a delegated administrator
# (`aws organizations register-delegated-administrator`), allowed organizations:ListAccounts,
# organizations:ListAccountsForParent and organizations:ListOrganizationalUnitsForParent, and
# sts:AssumeRole on the role {{role}} in every account.
# That role (the same name in each account; CloudFormation StackSets can create it) trusts the
# CI role and may read what the stack uses (ReadOnlyAccess covers it).
# OrganizationAccountAccessRole, which Organizations creates in the accounts it creates,
# trusts the management account only, and may change everything: a read-only role of your
# own is the better choice here (`{{command}} init --organization --role-name NAME`).
# The management account itself is never checked from here. To repair drift, run `apply` with
# the same --organization or --organization-unit flags and a role that may write (this one only
# reads), as the log above suggests for each account.
";

/// How many accounts the organization form checks at once.
const PARALLEL: u16 = 8;

/// The workflow, its commands run as `command`, installing the tool with `install` (empty:
/// the xtask crate builds it), for `organization`'s accounts or the credentials' own.
pub fn workflow(
    command: &str,
    install: &str,
    generator: &str,
    organization: Option<&Organization>,
) -> String {
    let (job, step, flags, footer) = match organization {
        None => (
            LISTED_JOB.to_string(),
            LISTED_STEP.to_string(),
            String::new(),
            LISTED_FOOTER.to_string(),
        ),
        Some(org) => {
            let scope = match &org.scope {
                OrganizationScope::Organization => "of the organization".to_string(),
                OrganizationScope::Units(units) => {
                    format!("under {} (nested OUs included)", units.join(", "))
                }
            };
            let mut flags: String = org.flags().iter().map(|f| format!(" {f}")).collect();
            if org.role_name == DEFAULT_ROLE_NAME {
                flags.push_str(&format!(" --role-name {DEFAULT_ROLE_NAME}"));
            }
            flags.push_str(&format!(
                " --parallel {PARALLEL} --summary drift-summary.md"
            ));
            (
                ORGANIZATION_JOB.replace("{{scope}}", &scope),
                ORGANIZATION_STEP.replace("{{parallel}}", &PARALLEL.to_string()),
                flags,
                ORGANIZATION_FOOTER.replace("{{role}}", &org.role_name),
            )
        }
    };
    WORKFLOW
        .replace("{{accounts_job}}", &job)
        .replace("{{accounts_step}}", &step)
        .replace("{{accounts}}", &flags)
        .replace("{{accounts_footer}}", &footer)
        .replace("{{install}}\n", install)
        .replace("{{generator}}", generator)
        .replace("{{command}}", command)
}

/// The workflow's drift step, run by bash as GitHub runs it on `event`, the tool replaced by
/// the bash function body `stand_in` (the workflow written for the command `stand_in`): the
/// step's exit code, its output, and the run summary it wrote.
#[cfg(test)]
pub(crate) fn run_check(flow: &str, event: &str, stand_in: &str) -> (Option<i32>, String, String) {
    let script: String = flow
        .split("        run: |\n")
        .nth(1)
        .expect("the check's script")
        .lines()
        .take_while(|l| l.starts_with("          ") || l.is_empty())
        .map(|l| format!("{}\n", l.trim_start_matches("          ")))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let run = format!(
        "stand_in() {{ {stand_in} }}\n{}",
        script.replace("${{ github.event_name }}", event)
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&run)
        .current_dir(dir.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("bash runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(&summary).unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(scope: OrganizationScope, role: &str) -> Organization {
        Organization {
            scope,
            role_name: role.to_string(),
            include_own: false,
        }
    }

    #[test]
    fn both_forms_fill_every_placeholder() {
        for o in [
            None,
            Some(org(OrganizationScope::Organization, DEFAULT_ROLE_NAME)),
            Some(org(
                OrganizationScope::Units(vec!["ou-ab12-cd34ef56".into()]),
                "BedrockDriftReader",
            )),
        ] {
            let flow = workflow("c", "", "g", o.as_ref());
            // GitHub's own expressions stay: `${{ ... }}`.
            assert!(!flow.replace("${{ ", "").contains("{{"), "{flow}");
        }
    }

    #[test]
    fn the_organization_form_discovers_the_accounts_when_it_runs() {
        let flow = workflow(
            "librechat-bedrock",
            "",
            "g",
            Some(&org(
                OrganizationScope::Units(vec![
                    "ou-ab12-cd34ef56".into(),
                    "ou-ab12-99999999".into(),
                ]),
                "BedrockDriftReader",
            )),
        );
        assert!(
            flow.contains("librechat-bedrock drift --skip-local-files --organization-unit ou-ab12-cd34ef56 --organization-unit ou-ab12-99999999 --role-name BedrockDriftReader --parallel 8 --summary drift-summary.md 2>&1 | tee drift.txt"),
            "{flow}"
        );
        assert!(!flow.contains("matrix"), "{flow}");
        assert!(
            flow.contains("sts:AssumeRole on the role BedrockDriftReader"),
            "{flow}"
        );
        let whole = workflow(
            "t",
            "",
            "g",
            Some(&org(OrganizationScope::Organization, DEFAULT_ROLE_NAME)),
        );
        assert!(
            whole.contains("t drift --skip-local-files --organization --role-name OrganizationAccountAccessRole --parallel 8 --summary drift-summary.md"),
            "{whole}"
        );
        let listed = workflow("t", "", "g", None);
        assert!(
            listed.contains("t drift --skip-local-files 2>&1 | tee drift.txt"),
            "{listed}"
        );
        assert!(listed.contains("#   matrix:"), "{listed}");
    }

    /// The organization form's check, run by bash as GitHub runs it: the tool's table
    /// (drift-summary.md) goes to the run's summary above the log.
    #[test]
    fn the_organization_forms_summary_table_reaches_the_run_summary() {
        let flow = workflow(
            "stand_in",
            "",
            "g",
            Some(&org(OrganizationScope::Organization, DEFAULT_ROLE_NAME)),
        );
        let (code, stdout, written) = run_check(
            &flow,
            "schedule",
            "case \"$*\" in *'--summary drift-summary.md'*) printf '| 111111111111 | a | drift: 1 resource | ok |\\n' > drift-summary.md;; esac; echo '~ inference profile P'; return 2;",
        );
        assert_eq!(code, Some(2), "{stdout}");
        let table = written.find("| 111111111111 | a |").expect("the table");
        let log = written.find("~ inference profile P").expect("the log");
        assert!(
            written.starts_with("### bedrock drift") && table < log,
            "{written}"
        );
    }
}
