//! The rules of `[[guardrails]]` and `[access]`: the shapes of botocore's `bedrock` service
//! model (CreateGuardrailRequest and the Guardrail*Config shapes; tests/conformance.rs checks
//! these constants against the model installed with the emulator) and what AWS's guardrail
//! documentation adds (a prompt-attack filter does not filter answers; grounding thresholds
//! are 0 to 0.99).

use crate::rules::{problem, Rule};
use regex::Regex;
use std::sync::LazyLock;

/// `GuardrailContentFilterType`, as the spec writes each (lowercase) and Bedrock names it.
pub const CONTENT_FILTERS: [(&str, &str); 6] = [
    ("sexual", "SEXUAL"),
    ("violence", "VIOLENCE"),
    ("hate", "HATE"),
    ("insults", "INSULTS"),
    ("misconduct", "MISCONDUCT"),
    ("prompt_attack", "PROMPT_ATTACK"),
];

/// `GuardrailFilterStrength`.
pub const STRENGTHS: [&str; 4] = ["NONE", "LOW", "MEDIUM", "HIGH"];

/// `GuardrailPiiEntityType`.
pub const PII_TYPES: [&str; 31] = [
    "ADDRESS",
    "AGE",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "CA_HEALTH_NUMBER",
    "CA_SOCIAL_INSURANCE_NUMBER",
    "CREDIT_DEBIT_CARD_CVV",
    "CREDIT_DEBIT_CARD_EXPIRY",
    "CREDIT_DEBIT_CARD_NUMBER",
    "DRIVER_ID",
    "EMAIL",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
    "IP_ADDRESS",
    "LICENSE_PLATE",
    "MAC_ADDRESS",
    "NAME",
    "PASSWORD",
    "PHONE",
    "PIN",
    "SWIFT_CODE",
    "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
    "UK_NATIONAL_INSURANCE_NUMBER",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
    "URL",
    "USERNAME",
    "US_BANK_ACCOUNT_NUMBER",
    "US_BANK_ROUTING_NUMBER",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
    "US_PASSPORT_NUMBER",
    "US_SOCIAL_SECURITY_NUMBER",
    "VEHICLE_IDENTIFICATION_NUMBER",
];

/// `GuardrailSensitiveInformationAction`.
pub const PII_ACTIONS: [&str; 3] = ["BLOCK", "ANONYMIZE", "NONE"];

/// Lengths and counts of the model: (min, max).
pub const NAME_LENGTH: (usize, usize) = (1, 50);
pub const DESCRIPTION_LENGTH: (usize, usize) = (1, 200);
pub const MESSAGE_LENGTH: (usize, usize) = (1, 500);
pub const TOPIC_NAME_LENGTH: (usize, usize) = (1, 100);
pub const TOPIC_DEFINITION_LENGTH: (usize, usize) = (1, 200);
pub const TOPIC_EXAMPLE_LENGTH: (usize, usize) = (1, 100);
pub const TOPIC_EXAMPLES: usize = 5;
pub const TOPICS: usize = 30;
pub const WORD_LENGTH: (usize, usize) = (1, 100);
pub const WORDS: usize = 10_000;
/// AWS's documentation: "0 to 0.99".
pub const THRESHOLD_MAX: f64 = 0.99;

static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[0-9a-zA-Z_-]+$").unwrap());
static TOPIC_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[0-9a-zA-Z_ !?.-]+$").unwrap());
static WEBSITE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^https?://[^\s/$.?#][^\s]*$").unwrap());

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn length(what: &str, value: &str, (min, max): (usize, usize)) -> Rule {
    let n = chars(value);
    if (min..=max).contains(&n) {
        return Ok(());
    }
    problem(
        format!("the {what} has {n} characters; Bedrock takes {min} to {max}"),
        format!("write a {what} of {min} to {max} characters"),
    )
}

pub fn name(name: &str) -> Rule {
    length("guardrail name", name, NAME_LENGTH)?;
    if NAME.is_match(name) {
        return Ok(());
    }
    problem(
        format!("{name:?} is not a valid guardrail name"),
        "use letters, digits, `-` and `_` (Bedrock's pattern `[0-9a-zA-Z-_]+`), e.g. \"librechat-default\"",
    )
}

pub fn description(text: &str) -> Rule {
    length("guardrail description", text, DESCRIPTION_LENGTH)
}

pub fn message(text: &str) -> Rule {
    length("blocked message", text, MESSAGE_LENGTH)
}

/// A content filter's strength, upper case as Bedrock takes it.
pub fn strength(value: &str) -> Rule {
    if STRENGTHS.contains(&value) {
        return Ok(());
    }
    problem(
        format!("{value:?} is not a filter strength"),
        "use one of \"NONE\", \"LOW\", \"MEDIUM\", \"HIGH\"",
    )
}

pub fn topic_name(name: &str) -> Rule {
    length("topic name", name, TOPIC_NAME_LENGTH)?;
    if TOPIC_NAME.is_match(name) {
        return Ok(());
    }
    problem(
        format!("{name:?} is not a valid topic name"),
        "use letters, digits, spaces and `-_!?.` (Bedrock's pattern `[0-9a-zA-Z-_ !?.]+`)",
    )
}

pub fn topic_definition(text: &str) -> Rule {
    length("topic definition", text, TOPIC_DEFINITION_LENGTH)
}

pub fn topic_example(text: &str) -> Rule {
    length("topic example", text, TOPIC_EXAMPLE_LENGTH)
}

pub fn word(text: &str) -> Rule {
    length("blocked word or phrase", text, WORD_LENGTH)
}

pub fn pii_type(value: &str) -> Rule {
    if PII_TYPES.contains(&value) {
        return Ok(());
    }
    let near = PII_TYPES
        .iter()
        .map(|t| {
            (
                strsim::damerau_levenshtein(t, &value.to_ascii_uppercase()),
                *t,
            )
        })
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, t)| format!("did you mean {t}? "))
        .unwrap_or_default();
    problem(
        format!("{value:?} is not a PII entity type Bedrock detects"),
        format!("{near}Bedrock's types are {}", PII_TYPES.join(", ")),
    )
}

pub fn pii_action(value: &str) -> Rule {
    if PII_ACTIONS.contains(&value) {
        return Ok(());
    }
    problem(
        format!("{value:?} is not a PII action"),
        "use \"BLOCK\" (refuse the prompt or answer), \"ANONYMIZE\" (mask the entity) or \"NONE\" (only detect)",
    )
}

pub fn threshold(value: f64) -> Rule {
    if value.is_finite() && (0.0..=THRESHOLD_MAX).contains(&value) {
        return Ok(());
    }
    problem(
        format!("{value} is not a contextual grounding threshold"),
        "use a number from 0 to 0.99 (answers scoring below it are blocked)",
    )
}

/// A text field of Anthropic's use case form, within the form's limits (128 characters;
/// `use_cases` 8192, as AWS documents them).
pub fn form_text(field: &str, value: &str, required: bool, max: usize) -> Rule {
    if required && value.trim().is_empty() {
        return problem(
            format!("{field} is empty"),
            format!("Anthropic's form requires {field}: write it as you would in the console"),
        );
    }
    let n = chars(value);
    if n > max {
        return problem(
            format!("{field} has {n} characters; the form takes at most {max}"),
            format!("shorten it to {max} characters"),
        );
    }
    Ok(())
}

/// `intended_users`: who will use the models, as the form's codes say it.
pub fn intended_users(value: &str) -> Rule {
    if ["0", "1", "2"].contains(&value) {
        return Ok(());
    }
    problem(
        format!("{value:?} is not one of the form's answers"),
        "write \"0\" (internal users), \"1\" (external users) or \"2\" (both)",
    )
}

pub fn website(value: &str) -> Rule {
    if WEBSITE.is_match(value) {
        return Ok(());
    }
    problem(
        format!("{value:?} is not a website address"),
        "write the company's website with its scheme, e.g. \"https://example.com\"",
    )
}
