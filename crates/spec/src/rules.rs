//! AWS's and LibreChat's rules, each a pure function over one value. The patterns and
//! lengths are the service models' own (botocore `bedrock`, `logs`, `iam`, `bedrock-runtime`)
//! and S3's bucket naming rules, so a spec that passes here is not rejected by AWS later.

use regex::Regex;
use std::sync::LazyLock;

/// What is wrong with a value and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub help: String,
}

pub type Rule = Result<(), Problem>;

pub(crate) fn problem(message: impl Into<String>, help: impl Into<String>) -> Rule {
    Err(Problem {
        message: message.into(),
        help: help.into(),
    })
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the rule patterns are constants and compile")
}

static PROFILE_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^([0-9a-zA-Z][ _-]?)+$"));
static DESCRIPTION: LazyLock<Regex> = LazyLock::new(|| re(r"^([0-9a-zA-Z:.][ _-]?)+$"));
static BEDROCK_TAG: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-zA-Z0-9\s._:/=+@-]*$"));
static LOG_GROUP: LazyLock<Regex> = LazyLock::new(|| re(r"^[.\-_/#A-Za-z0-9]+$"));
static ROLE_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9_+=,.@-]+$"));
pub(crate) static ENV_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Z_][A-Z0-9_]*$"));
static STACK_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"));
static REGION: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$"));
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| re(r"^[0-9]{12}$"));
/// botocore `ModelId`, the non-ARN branch: a foundation model id or an inference profile id.
static MODEL_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^[a-z0-9-]{1,63}\.[a-z0-9-]{1,63}(\.?[a-z0-9-]{1,63})(:[a-z0-9-]{1,63}){0,2}$")
});
/// botocore `InferenceProfileArn`.
static PROFILE_ARN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):(inference-profile|application-inference-profile)/[a-zA-Z0-9-:.]+$",
    )
});
static ENV_REFERENCE: LazyLock<Regex> = LazyLock::new(|| re(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$"));
static GUARDRAIL_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+))$")
});
static GUARDRAIL_VERSION: LazyLock<Regex> = LazyLock::new(|| re(r"^(([1-9][0-9]{0,7})|(DRAFT))$"));
static IPV4: LazyLock<Regex> = LazyLock::new(|| re(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$"));

/// CloudWatch Logs' allowed retention periods, in days.
pub const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Geography prefixes of system-defined (cross-region) inference profile ids, and the region
/// prefixes each may be used from. `global.` works from any commercial region.
pub const PROFILE_GEOGRAPHIES: [(&str, &[&str]); 8] = [
    ("us", &["us-"]),
    ("us-gov", &["us-gov-"]),
    ("eu", &["eu-"]),
    ("apac", &["ap-"]),
    ("jp", &["ap-northeast-"]),
    ("au", &["ap-southeast-"]),
    ("ca", &["ca-"]),
    ("global", &[""]),
];

/// `.env` names LibreChat itself reads for Bedrock (or this tool writes): a profile's `env`
/// may not take them.
pub const RESERVED_ENV_NAMES: [&str; 4] = [
    "BEDROCK_AWS_DEFAULT_REGION",
    "BEDROCK_AWS_ACCESS_KEY_ID",
    "BEDROCK_AWS_SECRET_ACCESS_KEY",
    "BEDROCK_AWS_SESSION_TOKEN",
];

fn chars(s: &str) -> usize {
    s.chars().count()
}

pub fn stack_name(name: &str) -> Rule {
    if STACK_NAME.is_match(name) {
        return Ok(());
    }
    problem(
        format!("{name:?} is not a valid stack name"),
        "use 1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit: it becomes the value of the `stack` tag on every resource",
    )
}

pub fn region(region: &str) -> Rule {
    if REGION.is_match(region) {
        return Ok(());
    }
    problem(
        format!("{region:?} is not an AWS region name"),
        "use a region code such as \"us-east-1\", \"eu-central-1\" or \"ap-southeast-2\"",
    )
}

pub fn account_id(id: &str) -> Rule {
    if ACCOUNT.is_match(id) {
        return Ok(());
    }
    problem(
        format!("{id:?} is not an AWS account id"),
        "an account id is exactly 12 digits, written as a string: account_id = \"123456789012\"",
    )
}

/// The partition an ARN in `region` carries.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

pub fn role_name(name: &str) -> Rule {
    let n = chars(name);
    if (1..=64).contains(&n) && ROLE_NAME.is_match(name) {
        return Ok(());
    }
    problem(
        format!("{name:?} is not a valid IAM role name"),
        "use 1-64 characters from letters, digits and `+=,.@_-` (IAM's rule)",
    )
}

pub fn user_name(name: &str) -> Rule {
    let n = chars(name);
    if (1..=64).contains(&n) && ROLE_NAME.is_match(name) {
        return Ok(());
    }
    problem(
        format!("{name:?} is not a valid IAM user name"),
        "use 1-64 characters from letters, digits and `+=,.@_-` (IAM's rule)",
    )
}

pub fn log_group(name: &str) -> Rule {
    let n = chars(name);
    if !(1..=512).contains(&n) || !LOG_GROUP.is_match(name) {
        return problem(
            format!("{name:?} is not a valid log group name"),
            "use 1-512 characters from letters, digits and `._-/#` (CloudWatch Logs' rule), e.g. \"/aws/bedrock/model-invocations\"",
        );
    }
    if name.starts_with("aws/") {
        return problem(
            format!("{name:?} starts with `aws/`, which CloudWatch Logs reserves for AWS"),
            format!("add a leading slash: \"/{name}\""),
        );
    }
    Ok(())
}

pub fn retention_days(days: i64) -> Rule {
    if u32::try_from(days).is_ok_and(|d| RETENTION_DAYS.contains(&d)) {
        return Ok(());
    }
    let list: Vec<String> = RETENTION_DAYS.iter().map(u32::to_string).collect();
    let nearest = RETENTION_DAYS
        .iter()
        .min_by_key(|d| (i64::from(**d) - days).unsigned_abs())
        .copied()
        .unwrap_or(90);
    problem(
        format!("{days} is not a retention period CloudWatch Logs accepts"),
        format!("use one of {} (the nearest is {nearest})", list.join(", ")),
    )
}

/// Substitute `{account_id}` and `{region}` in a bucket template; any other `{...}` is an error.
pub fn substitute_bucket(
    template: &str,
    account_id: &str,
    region: &str,
) -> Result<String, Problem> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        if rest[open..].starts_with('}') {
            return Err(Problem {
                message: format!("{template:?} has a `}}` with no `{{` before it"),
                help: "placeholders are written {account_id} or {region}".into(),
            });
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(Problem {
                message: format!("{template:?} has a `{{` that is never closed"),
                help: "placeholders are written {account_id} or {region}".into(),
            });
        };
        let name = &rest[open + 1..open + close];
        match name {
            "account_id" => out.push_str(account_id),
            "region" => out.push_str(region),
            other => {
                return Err(Problem {
                    message: format!("{template:?} has an unknown placeholder {{{other}}}"),
                    help: "the bucket name may use {account_id} and {region}, nothing else".into(),
                })
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// S3's naming rules for general purpose buckets.
pub fn bucket_name(name: &str) -> Rule {
    let bad = |why: &str, help: &str| problem(format!("bucket name {name:?} {why}"), help);
    let n = name.len();
    if !(3..=63).contains(&n) {
        return bad(
            &format!("is {n} characters long; S3 allows 3 to 63"),
            "shorten it (the {account_id} placeholder alone takes 12 characters)",
        );
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return bad(
            &format!("contains {c:?}"),
            "use only lowercase letters, digits, `.` and `-`",
        );
    }
    let first_last_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_last_ok(name.chars().next()) || !first_last_ok(name.chars().last()) {
        return bad(
            "does not begin and end with a letter or digit",
            "remove the leading or trailing `.` or `-`",
        );
    }
    if name.contains("..") {
        return bad("contains two adjacent periods", "use a single `.`");
    }
    if IPV4.is_match(name) {
        return bad(
            "is formatted as an IP address",
            "choose a name with letters in it",
        );
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return bad(
                &format!("starts with `{prefix}`, which S3 reserves"),
                "choose another prefix",
            );
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return bad(
                &format!("ends with `{suffix}`, which S3 reserves"),
                "choose another suffix",
            );
        }
    }
    Ok(())
}

pub fn key_prefix(prefix: &str) -> Rule {
    if prefix.len() > 1024 {
        return problem(
            format!(
                "the key prefix is {} bytes long; Bedrock allows 1024",
                prefix.len()
            ),
            "shorten it",
        );
    }
    if prefix.starts_with('/') {
        return problem(
            format!("the key prefix {prefix:?} starts with `/`"),
            format!(
                "S3 keys have no leading slash: write {:?}",
                prefix.trim_start_matches('/')
            ),
        );
    }
    if prefix.contains("//") {
        return problem(
            format!("the key prefix {prefix:?} contains `//`"),
            "use single slashes between path parts",
        );
    }
    // It goes into IAM resource ARNs, where `*` and `?` are wildcards and `${...}` a policy
    // variable: a prefix with them would grant more than its own keys.
    if let Some(c) = prefix
        .chars()
        .find(|c| matches!(c, '*' | '?' | '$' | '{' | '}') || c.is_control())
    {
        return problem(
            format!("the key prefix {prefix:?} contains {c:?}, which IAM policies read as a wildcard or a variable (or cannot hold)"),
            "use letters, digits, `-`, `_`, `.`, `/` and other plain characters",
        );
    }
    Ok(())
}

pub fn profile_name(name: &str) -> Rule {
    let n = chars(name);
    if (1..=64).contains(&n) && PROFILE_NAME.is_match(name) {
        return Ok(());
    }
    problem(
        format!("{name:?} is not a valid inference profile name"),
        "use 1-64 letters and digits, each optionally followed by one space, `_` or `-` (Bedrock's pattern `([0-9a-zA-Z][ _-]?)+`), e.g. \"LibreChat-Claude-3-7-Sonnet\"",
    )
}

pub fn description(text: &str) -> Rule {
    let n = chars(text);
    if (1..=200).contains(&n) && DESCRIPTION.is_match(text) {
        return Ok(());
    }
    problem(
        format!("{text:?} is not a valid inference profile description"),
        "use 1-200 letters, digits, `:` and `.`, each optionally followed by one space, `_` or `-` (Bedrock's pattern `([0-9a-zA-Z:.][ _-]?)+`): no commas, brackets or double spaces",
    )
}

pub fn tag_key(key: &str) -> Rule {
    let n = chars(key);
    if !(1..=128).contains(&n) || !BEDROCK_TAG.is_match(key) {
        return problem(
            format!("tag key {key:?} is not valid"),
            "use 1-128 characters from letters, digits, spaces and `._:/=+@-`",
        );
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return problem(
            format!("tag key {key:?} starts with `aws:`, which AWS reserves"),
            "choose a key without the `aws:` prefix",
        );
    }
    Ok(())
}

pub fn tag_value(value: &str) -> Rule {
    if chars(value) <= 256 && BEDROCK_TAG.is_match(value) {
        return Ok(());
    }
    problem(
        format!("tag value {value:?} is not valid"),
        "use at most 256 characters from letters, digits, spaces and `._:/=+@-`",
    )
}

mod endpoint;
mod env_names;
pub use endpoint::{base_url, env_references, header_name, header_value, whole_env_reference};
pub use env_names::{
    env_name, env_reference, librechat_env_names, LIBRECHAT_UNRESOLVED_ENV_NAMES, SYSTEM_ENV_NAMES,
    SYSTEM_ENV_PREFIXES,
};

/// A model id as LibreChat lists it: a foundation model id or an inference profile id.
pub fn model_id(id: &str) -> Rule {
    if id.starts_with("arn:") {
        let tail = id.rsplit('/').next().unwrap_or(id);
        return problem(
            format!("{id:?} is an ARN, not a model id"),
            format!("write the id, the part after the last `/`: {tail:?}"),
        );
    }
    if chars(id) <= 140 && MODEL_ID.is_match(id) {
        return Ok(());
    }
    problem(
        format!("{id:?} is not a Bedrock model id"),
        "use a foundation model id (\"anthropic.claude-3-haiku-20240307-v1:0\") or a system inference profile id (\"us.anthropic.claude-3-7-sonnet-20250219-v1:0\"), as `aws bedrock list-inference-profiles` prints them",
    )
}

/// The geography prefix of a system-defined inference profile id (`us`, `eu`, `global`, ...),
/// or `None` for a foundation model id.
pub fn profile_geography(model: &str) -> Option<&'static str> {
    let (first, rest) = model.split_once('.')?;
    // A profile id has at least three dot-separated parts: geography.provider.model.
    rest.contains('.').then_some(())?;
    PROFILE_GEOGRAPHIES
        .iter()
        .find(|(geo, _)| *geo == first)
        .map(|(geo, _)| *geo)
}

/// Whether a system-defined profile with this geography can be used from `region`.
pub fn geography_serves_region(geography: &str, region: &str) -> bool {
    PROFILE_GEOGRAPHIES
        .iter()
        .find(|(geo, _)| *geo == geography)
        .is_some_and(|(_, prefixes)| prefixes.iter().any(|p| region.starts_with(p)))
}

pub fn title_model(model: &str) -> Rule {
    if model == "current_model" {
        return Ok(());
    }
    model_id(model).map_err(|p| Problem {
        message: p.message,
        help: format!(
            "{}, or \"current_model\" to title with the chat's own model",
            p.help
        ),
    })
}

pub fn one_of(what: &str, value: &str, allowed: &[&str]) -> Rule {
    if allowed.contains(&value) {
        return Ok(());
    }
    let quoted: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
    problem(
        format!("{value:?} is not a valid {what}"),
        format!("use one of {}", quoted.join(", ")),
    )
}

pub fn stream_rate(rate: f64) -> Rule {
    if rate.is_finite() && rate > 0.0 {
        return Ok(());
    }
    problem(
        format!("{rate} is not a positive number of milliseconds"),
        "use a positive number such as 35",
    )
}

pub fn guardrail_identifier(id: &str) -> Rule {
    if chars(id) <= 2048 && GUARDRAIL_ID.is_match(id) {
        return Ok(());
    }
    problem(
        format!("{id:?} is not a guardrail identifier"),
        "use the guardrail's id (lowercase letters and digits, e.g. \"abc123xyz\") or its ARN",
    )
}

pub fn guardrail_version(version: &str) -> Rule {
    if GUARDRAIL_VERSION.is_match(version) {
        return Ok(());
    }
    problem(
        format!("{version:?} is not a guardrail version"),
        "use a version number such as \"1\", or \"DRAFT\"",
    )
}

/// The value of an `inference_profiles` mapping: an inference profile ARN or `${VAR}`.
pub fn profile_reference(value: &str) -> Rule {
    if ENV_REFERENCE.is_match(value) || PROFILE_ARN.is_match(value) {
        return Ok(());
    }
    problem(
        format!("{value:?} is neither an inference profile ARN nor a ${{VAR}} reference"),
        "use \"${BEDROCK_MY_PROFILE}\" (resolved from LibreChat's .env) or an ARN such as \"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123\"",
    )
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_key_prefix_holds_no_iam_wildcard_or_variable() {
        for bad in ["*", "logs/?", "${aws:username}", "a\nb"] {
            assert!(key_prefix(bad).is_err(), "{bad:?}");
        }
        for good in ["", "large-data", "bedrock/logs.v2_x"] {
            assert!(key_prefix(good).is_ok(), "{good:?}");
        }
    }

    use super::*;

    #[test]
    fn bucket_rules_follow_s3() {
        assert!(bucket_name("bedrock-logs-123456789012").is_ok());
        assert!(bucket_name("my.logs.bucket").is_ok());
        for bad in [
            "ab",
            "Bedrock-logs",
            "-logs",
            "logs-",
            "a..b",
            "192.168.1.1",
            "xn--logs",
            "sthree-logs",
            "amzn-s3-demo-logs",
            "logs-s3alias",
            "logs--ol-s3",
            "logs.mrap",
            "logs--x-s3",
            "logs--table-s3",
            "logs_underscore",
            &"a".repeat(64),
        ] {
            assert!(bucket_name(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn bucket_placeholders() {
        assert_eq!(
            substitute_bucket("logs-{account_id}-{region}", "123456789012", "eu-west-1").unwrap(),
            "logs-123456789012-eu-west-1"
        );
        assert!(substitute_bucket("logs-{acount_id}", "1", "r").is_err());
        assert!(substitute_bucket("logs-{account_id", "1", "r").is_err());
        assert!(substitute_bucket("logs-}", "1", "r").is_err());
    }

    #[test]
    fn model_ids_from_the_guide_are_accepted() {
        for id in [
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "global.anthropic.claude-opus-4-5-20251101-v1:0",
            "us.amazon.nova-pro-v1:0",
            "anthropic.claude-3-haiku-20240307-v1:0",
        ] {
            assert_eq!(model_id(id), Ok(()), "{id}");
        }
        assert!(model_id("Claude 3").is_err());
        assert!(
            model_id("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2").is_err()
        );
    }

    #[test]
    fn geographies() {
        assert_eq!(profile_geography("us.amazon.nova-pro-v1:0"), Some("us"));
        assert_eq!(
            profile_geography("anthropic.claude-3-haiku-20240307-v1:0"),
            None
        );
        assert_eq!(
            profile_geography("global.anthropic.claude-opus-4-5-20251101-v1:0"),
            Some("global")
        );
        assert!(geography_serves_region("us", "us-west-2"));
        assert!(!geography_serves_region("us", "eu-west-1"));
        assert!(geography_serves_region("global", "eu-west-1"));
        assert!(geography_serves_region("apac", "ap-south-1"));
    }

    #[test]
    fn names_and_patterns() {
        assert!(profile_name("LibreChat-Claude-3-7-Sonnet").is_ok());
        assert!(profile_name("double  space").is_err());
        assert!(profile_name(&"a".repeat(65)).is_err());
        assert!(description("Claude 3.7 Sonnet for LibreChat").is_ok());
        assert!(description("Claude, for LibreChat").is_err());
        assert!(log_group("aws/bedrock").is_err());
        assert!(log_group("/aws/bedrock/model-invocations").is_ok());
        assert!(retention_days(90).is_ok());
        assert!(retention_days(91).is_err());
        assert!(retention_days(-1).is_err());
        assert!(env_name("BEDROCK_CLAUDE_37_PROFILE").is_ok());
        assert!(env_name("bedrock").is_err());
        assert!(env_name("BEDROCK_AWS_DEFAULT_REGION").is_err());
        assert!(tag_key("aws:cost").is_err());
        assert!(tag_value("").is_ok());
        assert!(tag_value("a,b").is_err());
        assert!(region("us-gov-west-1").is_ok());
        assert!(region("useast1").is_err());
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of("eu-west-1"), "aws");
        assert!(profile_reference("${BEDROCK_X}").is_ok());
        assert!(profile_reference(
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
        )
        .is_ok());
        assert!(profile_reference("BEDROCK_X").is_err());
        assert!(guardrail_version("DRAFT").is_ok());
        assert!(guardrail_version("0").is_err());
        assert!(stream_rate(0.0).is_err());
        assert!(stream_rate(f64::NAN).is_err());
    }
}
