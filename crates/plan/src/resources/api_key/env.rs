//! What `.env` holds of LibreChat's API key, and what the plan writes there: the key kept,
//! or a new one (its value known once apply has made it), with the comment naming it.

use super::{keys, Decision, EnvKey, Observed, KIND};
use crate::plan::Planner;

/// What `.env` holds of the key (nothing when the plan covers no `.env`).
pub fn env_key(p: &Planner) -> Option<EnvKey> {
    let env = p.desired.files.env.as_ref()?;
    let text = p.observed.files.get(&env.path).cloned().flatten();
    Some(text.map_or_else(EnvKey::default, |t| env_key_of(&t, &env.stack)))
}

/// What a `.env` text holds of the key: the value in `stack`'s block, or on a line of the
/// user's (moved out of the block), and the block's comment.
pub fn env_key_of(text: &str, stack: &str) -> EnvKey {
    let token = bedrock_generate::block_values(text, stack)
        .into_iter()
        .find(|(n, _)| n == keys::VARIABLE)
        .map(|(_, v)| v)
        .or_else(|| bedrock_generate::value_of(text, keys::VARIABLE).map(str::to_string))
        .filter(|v| !v.is_empty());
    let comments = bedrock_generate::block_comments(text, stack);
    EnvKey {
        token,
        id: keys::id_in(&comments),
        digest: keys::digest_in(&comments),
    }
}

/// Whether the user carries the tag of an apply that was making a key.
pub(super) fn pending(o: &Observed) -> bool {
    o.tags.contains_key(keys::PENDING_TAG)
}

/// The decision about the key, when the stack has a key user and the plan covers `.env`.
pub fn decision(p: &Planner) -> Option<Decision> {
    let d = p.desired.api_key.as_ref()?;
    let env = env_key(p)?;
    let (keys, now, pending) = match &p.observed.api_key_user {
        Some(o) => (o.keys.clone(), o.read_at, pending(o)),
        None => (Vec::new(), 0, false),
    };
    Some(keys::decide(
        &keys,
        &env,
        now,
        d.rotate_before_days,
        pending,
    ))
}

/// What `.env`'s block says of the key: the comment and the value, kept or new.
pub fn env_lines(p: &Planner) -> Vec<(String, crate::resources::files::EnvValue)> {
    use crate::resources::files::EnvValue;
    let (Some(d), Some(decision)) = (p.desired.api_key.as_ref(), decision(p)) else {
        return Vec::new();
    };
    match decision {
        Decision::Keep { key, .. } => {
            let expires = key.expires.map_or("never".to_string(), date);
            let token = env_key(p).and_then(|e| e.token).unwrap_or_default();
            vec![
                (
                    "#".to_string(),
                    EnvValue::Text(keys::comment(&key.id, &d.user, &expires, &token)),
                ),
                (keys::VARIABLE.to_string(), EnvValue::Kept),
            ]
        }
        Decision::Create { .. } => {
            let made = crate::refs::ArnRef::created(KIND, &d.user);
            vec![
                ("#".to_string(), EnvValue::NewKey(made.clone())),
                (keys::VARIABLE.to_string(), EnvValue::NewKey(made)),
            ]
        }
        Decision::Elsewhere { .. } => Vec::new(),
    }
}

/// A day as `YYYY-MM-DD` (UTC), from seconds since the epoch.
pub fn date(secs: i64) -> String {
    // Howard Hinnant's days-from-civil, inverted.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
