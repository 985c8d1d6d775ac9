//! Which Bedrock API key `.env` holds, and whether to make a new one: pure, from the keys
//! IAM lists for the user (`ListServiceSpecificCredentials`), the `.env` block's lines, and
//! the time of the reading. AWS shows a key's secret once, when it is made: the `.env` it
//! was written to is where it lives, and the tool never makes one it cannot write there.

use serde::Serialize;

/// One of the user's Bedrock API keys, as IAM lists it (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Key {
    pub id: String,
    /// The public part of the key (`ServiceCredentialAlias`).
    pub alias: String,
    pub active: bool,
    /// Seconds since the epoch.
    pub created: i64,
    /// Seconds since the epoch; None for a key that never expires.
    pub expires: Option<i64>,
}

/// The variable LibreChat reads the key from (its `initialize.ts`: before every other
/// credential).
pub const VARIABLE: &str = "BEDROCK_AWS_BEARER_TOKEN";

/// What `.env` says of the key: its value, and the id and value digest its comment names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvKey {
    pub token: Option<String>,
    pub id: Option<String>,
    pub digest: Option<String>,
}

/// The first 12 hex digits of the value's SHA-256: enough to tell a value changed by hand
/// from the key apply wrote, and nothing of the secret.
pub fn digest(token: &str) -> String {
    crate::saved::digest(token.as_bytes())[..12].to_string()
}

/// The comment line above the key in `.env`: the key's id, user, expiry and value digest.
pub fn comment(id: &str, user: &str, expires: &str, token: &str) -> String {
    format!(
        "{VARIABLE} is Bedrock API key {id} of IAM user {user}, expiring {expires} (value sha256 {})",
        digest(token)
    )
}

/// The id a block's comment lines name, if one is [`comment`]'s.
pub fn id_in(comments: &[String]) -> Option<String> {
    comments.iter().find_map(|c| {
        let rest = c.strip_prefix(&format!("{VARIABLE} is Bedrock API key "))?;
        rest.split_whitespace().next().map(str::to_string)
    })
}

/// The value digest a block's comment lines name, if one is [`comment`]'s.
pub fn digest_in(comments: &[String]) -> Option<String> {
    comments.iter().find_map(|c| {
        c.strip_prefix(&format!("{VARIABLE} is Bedrock API key "))?;
        let (_, rest) = c.rsplit_once("(value sha256 ")?;
        rest.strip_suffix(')').map(str::to_string)
    })
}

/// The alias a key's value carries: `ABSK` and the base64 of `ALIAS:SECRET`.
pub fn alias_of(token: &str) -> Option<String> {
    use base64::Engine;
    let encoded = token.strip_prefix("ABSK")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.split_once(':').map(|(alias, _)| alias.to_string())
}

/// What the plan does about the key.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// `.env` holds this key, active and far enough from expiry: it stays. The user's other
    /// keys go (after every AWS step before the files).
    Keep { key: Key, others: Vec<String> },
    /// A new key, written to `.env`; `before` are deleted first (IAM allows two keys per
    /// user), `after` once the new key is written.
    Create {
        reason: String,
        before: Vec<String>,
        after: Vec<String>,
    },
    /// A key exists that this `.env` does not hold: it lives in another `.env`. Nothing is
    /// made; the warning says what to do.
    Elsewhere { key: Key },
}

/// The user tag an apply sets while it makes a key and writes it (its chain before the key,
/// taken off after the files): found on a later plan, it says a key made then may never have
/// reached `.env` (the run was stopped), so a key this `.env` lacks is lost, not elsewhere.
pub const PENDING_TAG: &str = "librechat-bedrock:api-key-pending";

const DAY: i64 = 86_400;

/// The decision for `keys` of a user, `.env`'s block, at `now`, rotating `rotate_days`
/// before expiry; `pending` when the user carries [`PENDING_TAG`].
pub fn decide(keys: &[Key], env: &EnvKey, now: i64, rotate_days: u32, pending: bool) -> Decision {
    let usable = |k: &Key| {
        k.active
            && k.expires
                .is_some_and(|e| e - now > i64::from(rotate_days) * DAY)
    };
    // A value whose digest is not the one its comment names was changed by hand.
    let edited = match (&env.token, &env.digest) {
        (Some(token), Some(d)) => digest(token) != *d,
        _ => false,
    };
    let held: Option<&Key> = env.token.as_ref().filter(|_| !edited).and_then(|token| {
        let by_id = env
            .id
            .as_ref()
            .and_then(|id| keys.iter().find(|k| &k.id == id));
        let alias = alias_of(token);
        match by_id {
            // The comment's key, if the value is that key's (its alias agrees).
            Some(k) if alias.as_deref().is_none_or(|a| a == k.alias) => Some(k),
            Some(_) => None,
            None => {
                let alias = alias?;
                let mut same = keys.iter().filter(|k| k.alias == alias);
                let first = same.next()?;
                same.next().is_none().then_some(first)
            }
        }
    });
    if let Some(k) = held {
        if usable(k) {
            let others = keys
                .iter()
                .filter(|o| o.id != k.id)
                .map(|o| o.id.clone())
                .collect();
            return Decision::Keep {
                key: k.clone(),
                others,
            };
        }
    }
    if env.token.is_none() && !pending {
        if let Some(k) = keys
            .iter()
            .find(|k| k.active && k.expires.is_none_or(|e| e > now))
        {
            return Decision::Elsewhere { key: k.clone() };
        }
    }
    let reason = match held {
        Some(k) if !k.active => format!("the key in .env ({}) is inactive", k.id),
        Some(k) => match k.expires {
            Some(e) if e <= now => format!("the key in .env ({}) has expired", k.id),
            Some(e) => format!(
                "the key in .env ({}) expires in {} days, within rotate_before_days",
                k.id,
                (e - now).max(0) / DAY
            ),
            None => format!(
                "the key in .env ({}) never expires, and the spec wants it to",
                k.id
            ),
        },
        None if edited => {
            "the value in .env is not the key apply wrote there (changed by hand)".to_string()
        }
        None if env.token.is_some() => {
            "the key in .env is none of the user's keys (deleted, or another user's)".to_string()
        }
        None if pending && !keys.is_empty() => {
            "the key an earlier apply made never reached .env (the run was stopped): it is lost"
                .to_string()
        }
        None => "the user has no usable key".to_string(),
    };
    // Every key .env does not hold goes first (it serves nobody here, and IAM allows two
    // per user); the one it holds, once the new one is written.
    let held_id = held.map(|h| h.id.as_str());
    let before = keys
        .iter()
        .filter(|k| Some(k.id.as_str()) != held_id)
        .map(|k| k.id.clone())
        .collect();
    let after = held_id.map(str::to_string).into_iter().collect();
    Decision::Create {
        reason,
        before,
        after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn token(alias: &str) -> String {
        let b = base64::engine::general_purpose::STANDARD.encode(format!("{alias}:s3cr3t"));
        format!("ABSK{b}")
    }

    fn key(id: &str, alias: &str, created: i64, expires: i64) -> Key {
        Key {
            id: id.into(),
            alias: alias.into(),
            active: true,
            created,
            expires: Some(expires),
        }
    }

    const NOW: i64 = 1_000 * DAY;

    #[test]
    fn the_alias_is_read_from_the_value_and_the_id_from_the_comment() {
        assert_eq!(
            alias_of(&token("u-at-111122223333")).as_deref(),
            Some("u-at-111122223333")
        );
        assert_eq!(alias_of("not-a-key"), None);
        let c = comment("ACCA1234567890123456", "u", "2027-01-01", "ABSKx");
        assert_eq!(
            id_in(std::slice::from_ref(&c)).as_deref(),
            Some("ACCA1234567890123456")
        );
        assert_eq!(digest_in(&[c]), Some(digest("ABSKx")));
    }

    #[test]
    fn a_held_key_far_from_expiry_stays_and_the_others_go() {
        let keys = [
            key("A", "a", 1, NOW + 60 * DAY),
            key("B", "b", 2, NOW + 60 * DAY),
        ];
        let env = EnvKey {
            token: Some(token("b")),
            ..EnvKey::default()
        };
        match decide(&keys, &env, NOW, 14, false) {
            Decision::Keep { key, others } => {
                assert_eq!(key.id, "B");
                assert_eq!(others, ["A"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_key_near_expiry_is_replaced_and_deleted_after_the_new_one_is_written() {
        let keys = [key("A", "a", 1, NOW + 10 * DAY)];
        let env = EnvKey {
            token: Some(token("a")),
            id: Some("A".into()),
            ..EnvKey::default()
        };
        let Decision::Create {
            reason,
            before,
            after,
        } = decide(&keys, &env, NOW, 14, false)
        else {
            panic!()
        };
        assert!(reason.contains("expires in 10 days"), "{reason}");
        assert!(before.is_empty());
        assert_eq!(after, ["A"]);
    }

    #[test]
    fn with_two_keys_the_one_env_does_not_hold_goes_first() {
        // A rotation stopped after making the new key, before writing it.
        let keys = [
            key("OLD", "a", 1, NOW + 5 * DAY),
            key("NEW", "a", 2, NOW + 90 * DAY),
        ];
        let env = EnvKey {
            token: Some(token("a")),
            id: Some("OLD".into()),
            ..EnvKey::default()
        };
        let Decision::Create { before, after, .. } = decide(&keys, &env, NOW, 14, false) else {
            panic!()
        };
        assert_eq!(before, ["NEW"]);
        assert_eq!(after, ["OLD"]);
    }

    #[test]
    fn without_a_key_in_env_a_usable_key_is_left_where_it_lives() {
        let keys = [key("A", "a", 1, NOW + 5 * DAY)];
        let d = decide(&keys, &EnvKey::default(), NOW, 14, false);
        assert!(matches!(d, Decision::Elsewhere { .. }), "{d:?}");
        let expired = [key("A", "a", 1, NOW - DAY)];
        let d = decide(&expired, &EnvKey::default(), NOW, 14, false);
        assert!(matches!(d, Decision::Create { .. }), "{d:?}");
        assert!(matches!(
            decide(&[], &EnvKey::default(), NOW, 14, false),
            Decision::Create { .. }
        ));
    }

    #[test]
    fn a_value_that_is_no_key_of_the_user_s_is_replaced() {
        let keys = [key("A", "a", 1, NOW + 60 * DAY)];
        let env = EnvKey {
            token: Some(token("z")),
            ..EnvKey::default()
        };
        let Decision::Create {
            reason,
            before,
            after,
        } = decide(&keys, &env, NOW, 14, false)
        else {
            panic!()
        };
        assert!(reason.contains("none of the user's keys"), "{reason}");
        assert_eq!(
            (before, after),
            (vec!["A".to_string()], Vec::<String>::new())
        );
        let mut inactive = key("A", "a", 1, NOW + 60 * DAY);
        inactive.active = false;
        let env = EnvKey {
            token: Some(token("a")),
            ..EnvKey::default()
        };
        let Decision::Create { reason, .. } = decide(&[inactive], &env, NOW, 14, false) else {
            panic!()
        };
        assert!(reason.contains("inactive"), "{reason}");
    }

    #[test]
    fn a_key_made_by_a_stopped_apply_is_lost_not_elsewhere() {
        let keys = [key("LOST", "a", 1, NOW + 90 * DAY)];
        let d = decide(&keys, &EnvKey::default(), NOW, 14, true);
        let Decision::Create {
            reason,
            before,
            after,
        } = d
        else {
            panic!("{d:?}")
        };
        assert!(reason.contains("never reached .env"), "{reason}");
        assert_eq!(
            (before, after),
            (vec!["LOST".to_string()], Vec::<String>::new())
        );
    }

    #[test]
    fn a_value_changed_by_hand_is_replaced() {
        let keys = [key("A", "a", 1, NOW + 90 * DAY)];
        let written = token("a");
        let env = EnvKey {
            token: Some(format!("{written}x")),
            id: Some("A".into()),
            digest: Some(digest(&written)),
        };
        let Decision::Create { reason, .. } = decide(&keys, &env, NOW, 14, false) else {
            panic!()
        };
        assert!(reason.contains("changed by hand"), "{reason}");
        let env = EnvKey {
            token: Some(written.clone()),
            id: Some("A".into()),
            digest: Some(digest(&written)),
        };
        assert!(matches!(
            decide(&keys, &env, NOW, 14, false),
            Decision::Keep { .. }
        ));
    }
}
