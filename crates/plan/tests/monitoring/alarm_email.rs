//! The alarm email's subscriptions: a pending one as good as a confirmed one, the addresses
//! the stack subscribed recorded in its topic's `alarm-email` tag, a former one unsubscribed
//! once it can be, someone else's never touched.

use super::*;

#[test]
fn a_pending_subscription_of_the_spec_s_address_is_as_good_as_a_confirmed_one() {
    let d = desired_with(MONITORING);
    let o = converged_monitoring(&d);
    let topic = o.monitoring.topic.as_ref().unwrap();
    assert_eq!(topic.subscriptions.len(), 1);
    assert_eq!(topic.subscriptions[0].arn, None, "{topic:#?}");
    let again = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(!again.has_changes(), "{}", show(&again));
    assert!(!kept_monitoring(&again), "{}", show(&again));
}

/// The topic's record of the addresses the stack subscribed.
fn recorded(o: &ObservedState) -> Option<&str> {
    let topic = o.monitoring.topic.as_ref().unwrap();
    topic
        .tags
        .get(monitoring::ALARM_EMAIL_TAG)
        .map(String::as_str)
}

/// Whether the plan unsubscribes anything.
fn unsubscribes(plan: &Plan) -> Vec<String> {
    monitoring_steps(plan)
        .into_iter()
        .filter_map(|s| match s {
            monitoring::Step::Unsubscribe { email, .. } => Some(email.clone()),
            _ => None,
        })
        .collect()
}

/// The reason the plan keeps `email`'s subscription, if it does.
fn kept_reason<'a>(plan: &'a Plan, email: &str) -> Option<&'a str> {
    plan.kept
        .iter()
        .find(|k| {
            k.kind == monitoring::KIND && k.name.contains(&format!("subscription of {email} "))
        })
        .map(|k| k.reason.as_str())
}

/// `email`'s subscription to the topic, confirmed (with an ARN) or pending.
fn subscription(o: &ObservedState, email: &str, confirmed: bool) -> EmailSubscription {
    let topic = o.monitoring.topic.as_ref().unwrap();
    EmailSubscription {
        email: email.to_string(),
        arn: confirmed.then(|| format!("{}:{email}-subscription", topic.arn)),
    }
}

fn confirm(o: &mut ObservedState, email: &str) {
    let confirmed = subscription(o, email, true);
    let topic = o.monitoring.topic.as_mut().unwrap();
    for s in topic.subscriptions.iter_mut().filter(|s| s.email == email) {
        s.arn = confirmed.arn.clone();
    }
}

fn add_by_hand(o: &mut ObservedState, email: &str, confirmed: bool) {
    let s = subscription(o, email, confirmed);
    o.monitoring.topic.as_mut().unwrap().subscriptions.push(s);
}

#[test]
fn the_topic_records_the_address_it_subscribes_in_a_tag() {
    let d = desired_with(MONITORING);
    let o = converged_monitoring(&d);
    assert_eq!(recorded(&o), Some("ops@example.com"));
    // With the stack's tags: the topic is the stack's.
    let tags = &o.monitoring.topic.as_ref().unwrap().tags;
    for (k, v) in &d.managed_tags {
        assert_eq!(tags.get(k), Some(v), "{tags:?}");
    }
}

#[test]
fn a_former_address_is_unsubscribed_when_confirmed_and_kept_while_pending() {
    let d = desired_with(&MONITORING.replace("ops@", "oncall@"));
    let o = converged_monitoring(&desired_with(MONITORING));

    // ops@ still pending: AWS refuses to unsubscribe it; the plan says so and subscribes
    // oncall@.
    let pending = plan(&d, &o, &PlanOptions::default()).unwrap();
    let steps = monitoring_steps(&pending);
    assert!(
        steps.iter().any(|s| matches!(s, monitoring::Step::Subscribe { email, .. } if email == "oncall@example.com")),
        "{}",
        show(&pending)
    );
    assert!(unsubscribes(&pending).is_empty(), "{}", show(&pending));
    let reason = kept_reason(&pending, "ops@example.com").unwrap_or_default();
    assert!(
        reason.contains("pending") && reason.contains("the next apply unsubscribes it"),
        "{}",
        show(&pending)
    );

    // Applied: the tag names oncall@, and remembers ops@ while it is pending; converged.
    let mut o = applied(&d, &o, &pending);
    assert_eq!(recorded(&o), Some("oncall@example.com ops@example.com"));
    let again = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(!again.has_changes(), "{}", show(&again));

    // ops@ confirmed: unsubscribed by its ARN, and then forgotten.
    confirm(&mut o, "ops@example.com");
    let arn = subscription(&o, "ops@example.com", true).arn.unwrap();
    let plan_confirmed = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(
        plan_confirmed.has_changes(),
        "drift: {}",
        show(&plan_confirmed)
    );
    let steps = monitoring_steps(&plan_confirmed);
    assert!(
        steps.iter().any(|s| matches!(s, monitoring::Step::Unsubscribe { arn: a, email } if *a == arn && email == "ops@example.com")),
        "{}",
        show(&plan_confirmed)
    );
    assert!(
        !kept_monitoring(&plan_confirmed),
        "{}",
        show(&plan_confirmed)
    );
    // The tag changes after the unsubscribe, in the same chain: should it fail, the tag
    // still names ops@ for the next apply.
    let topic = plan_confirmed
        .changed()
        .find(|c| c.name.starts_with("topic "))
        .unwrap();
    let chain = topic
        .steps
        .iter()
        .find(|c| {
            c.steps
                .iter()
                .any(|s| matches!(s, Step::Monitoring(monitoring::Step::Unsubscribe { .. })))
        })
        .unwrap();
    assert_eq!(chain.phase, Phase::Retire);
    assert!(
        matches!(chain.steps.last(), Some(Step::Tags(tagging::Step::SetTags { after, .. })) if after.get(monitoring::ALARM_EMAIL_TAG).map(String::as_str) == Some("oncall@example.com")),
        "{chain:#?}"
    );

    // Applied: oncall@ pending, ops@ gone; nothing more to do.
    let after = applied(&d, &o, &plan_confirmed);
    assert_eq!(recorded(&after), Some("oncall@example.com"));
    assert_eq!(
        after.monitoring.topic.as_ref().unwrap().subscriptions,
        vec![subscription(&after, "oncall@example.com", false)]
    );
    let again = plan(&d, &after, &PlanOptions::default()).unwrap();
    assert!(!again.has_changes(), "{}", show(&again));
}

#[test]
fn a_subscription_added_by_hand_is_never_touched_and_is_no_drift() {
    let d = desired_with(MONITORING);
    let mut o = converged_monitoring(&d);
    confirm(&mut o, "ops@example.com");
    add_by_hand(&mut o, "security@example.com", true);
    add_by_hand(&mut o, "audit@example.com", false);

    // Converged: no change, and the plan says whose they are.
    let same = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(!same.has_changes(), "{}", show(&same));
    for email in ["security@example.com", "audit@example.com"] {
        let reason = kept_reason(&same, email).unwrap_or_default();
        assert!(
            reason.contains("not subscribed by this stack") && reason.contains("someone else's"),
            "{email}: {}",
            show(&same)
        );
    }

    // A new address: the former one (confirmed) goes, the hand-added ones stay.
    let d2 = desired_with(&MONITORING.replace("ops@", "oncall@"));
    let moved = plan(&d2, &o, &PlanOptions::default()).unwrap();
    assert_eq!(
        unsubscribes(&moved),
        vec!["ops@example.com".to_string()],
        "{}",
        show(&moved)
    );
    assert!(
        kept_reason(&moved, "security@example.com").is_some(),
        "{}",
        show(&moved)
    );
    // The diff names the stack's subscriptions only.
    let topic = moved
        .changed()
        .find(|c| c.name.starts_with("topic "))
        .unwrap();
    let diff = topic
        .diffs
        .iter()
        .find(|f| f.field == "subscription")
        .unwrap();
    assert_eq!(
        diff.before,
        serde_json::json!(["ops@example.com"]),
        "{topic:#?}"
    );
    let after = applied(&d2, &o, &moved);
    let emails: Vec<&str> = after
        .monitoring
        .topic
        .as_ref()
        .unwrap()
        .subscriptions
        .iter()
        .map(|s| s.email.as_str())
        .collect();
    assert_eq!(
        emails,
        [
            "security@example.com",
            "audit@example.com",
            "oncall@example.com"
        ]
    );
    let again = plan(&d2, &after, &PlanOptions::default()).unwrap();
    assert!(!again.has_changes(), "{}", show(&again));
    assert!(
        kept_reason(&again, "security@example.com").is_some(),
        "{}",
        show(&again)
    );

    // Destroy deletes the stack's topic, and says whose subscriptions go with it.
    let gone = plan_destroy(&d2, &after, &PlanOptions::default()).unwrap();
    let topic = gone
        .changed()
        .find(|c| c.name.starts_with("topic "))
        .unwrap();
    assert_eq!(topic.action, Action::Delete);
    assert!(
        topic
            .reason
            .ends_with("deleting it also ends the subscriptions not recorded as this stack's: security@example.com, audit@example.com"),
        "{topic:#?}"
    );
}

#[test]
fn a_topic_without_the_tag_gets_it_and_nothing_is_unsubscribed() {
    // Made by an earlier version of the tool: the stack's tags, no record of the address.
    let d = desired_with(&MONITORING.replace("ops@", "oncall@"));
    let mut o = converged_monitoring(&desired_with(MONITORING));
    confirm(&mut o, "ops@example.com");
    let topic = o.monitoring.topic.as_mut().unwrap();
    topic.tags.remove(monitoring::ALARM_EMAIL_TAG);

    let plan_untagged = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(
        unsubscribes(&plan_untagged).is_empty(),
        "{}",
        show(&plan_untagged)
    );
    let reason = kept_reason(&plan_untagged, "ops@example.com").unwrap_or_default();
    assert!(
        reason.contains("no alarm-email tag") && reason.contains("unsubscribe it yourself"),
        "{}",
        show(&plan_untagged)
    );
    let after = applied(&d, &o, &plan_untagged);
    assert_eq!(recorded(&after), Some("oncall@example.com"));
    let emails: Vec<&str> = after
        .monitoring
        .topic
        .as_ref()
        .unwrap()
        .subscriptions
        .iter()
        .map(|s| s.email.as_str())
        .collect();
    assert_eq!(emails, ["ops@example.com", "oncall@example.com"]);
    let again = plan(&d, &after, &PlanOptions::default()).unwrap();
    assert!(!again.has_changes(), "{}", show(&again));

    // The spec's own address on an untagged topic: only the tag is added.
    let d = desired_with(MONITORING);
    let mut o = converged_monitoring(&d);
    o.monitoring
        .topic
        .as_mut()
        .unwrap()
        .tags
        .remove(monitoring::ALARM_EMAIL_TAG);
    let tag_only = plan(&d, &o, &PlanOptions::default()).unwrap();
    let steps: Vec<String> = tag_only
        .changed()
        .flat_map(|c| c.steps.iter().flat_map(|chain| &chain.steps))
        .map(|s| s.describe())
        .collect();
    assert_eq!(steps.len(), 1, "{}", show(&tag_only));
    assert!(steps[0].starts_with("tag SNS topic"), "{steps:?}");
}

#[test]
fn a_tag_that_disagrees_with_the_spec_is_drift() {
    let d = desired_with(MONITORING);
    let mut o = converged_monitoring(&d);
    let topic = o.monitoring.topic.as_mut().unwrap();
    topic.tags.insert(
        monitoring::ALARM_EMAIL_TAG.to_string(),
        "edited@example.com".into(),
    );
    let drifted = plan(&d, &o, &PlanOptions::default()).unwrap();
    let topic = drifted
        .changed()
        .find(|c| c.name.starts_with("topic "))
        .unwrap();
    assert_eq!(topic.action, Action::Update);
    assert!(topic.reason.contains("alarm-email tag"), "{topic:#?}");
    let after = applied(&d, &o, &drifted);
    assert_eq!(recorded(&after), Some("ops@example.com"));

    // A former address AWS deleted unconfirmed (after 48 hours) is forgotten, so that the
    // stack never takes it for its own should someone subscribe it again by hand.
    let mut o = after;
    o.monitoring.topic.as_mut().unwrap().tags.insert(
        monitoring::ALARM_EMAIL_TAG.to_string(),
        "ops@example.com gone@example.com".into(),
    );
    let forget = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(forget.has_changes(), "{}", show(&forget));
    assert!(unsubscribes(&forget).is_empty());
    assert_eq!(recorded(&applied(&d, &o, &forget)), Some("ops@example.com"));
}

#[test]
fn an_address_with_a_percent_sign_is_recorded_with_a_colon() {
    let d = desired_with(&MONITORING.replace("ops@", "ops%relay@"));
    let o = converged_monitoring(&d);
    assert_eq!(recorded(&o), Some("ops:relay@example.com"));
    let again = plan(&d, &o, &PlanOptions::default()).unwrap();
    assert!(!again.has_changes(), "{}", show(&again));

    // And it goes like any former address; an address with a colon is never the stack's.
    let d2 = desired_with(MONITORING);
    let mut o = o;
    confirm(&mut o, "ops%relay@example.com");
    add_by_hand(&mut o, "ops:relay@example.com", true);
    let moved = plan(&d2, &o, &PlanOptions::default()).unwrap();
    assert_eq!(
        unsubscribes(&moved),
        vec!["ops%relay@example.com".to_string()],
        "{}",
        show(&moved)
    );
    assert!(
        kept_reason(&moved, "ops:relay@example.com").is_some(),
        "{}",
        show(&moved)
    );
}

#[test]
fn an_adopted_topic_is_tagged_in_one_step_and_nothing_is_unsubscribed() {
    let d = desired_with(MONITORING);
    let mut o = converged_monitoring(&d);
    let topic = o.monitoring.topic.as_mut().unwrap();
    topic.tags.clear();
    topic.subscriptions.clear();
    add_by_hand(&mut o, "someone@example.com", true);
    let adopted = plan(
        &d,
        &o,
        &PlanOptions {
            adopt: true,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    let topic = adopted
        .changed()
        .find(|c| c.name.starts_with("topic "))
        .unwrap();
    assert_eq!(topic.action, Action::Adopt);
    let tag_steps: Vec<_> = topic
        .steps
        .iter()
        .flat_map(|c| c.steps.iter().map(move |s| (c.phase, s)))
        .filter(|(_, s)| matches!(s, Step::Tags(_)))
        .collect();
    assert_eq!(tag_steps.len(), 1, "{topic:#?}");
    assert_eq!(tag_steps[0].0, Phase::Foundations);
    assert!(unsubscribes(&adopted).is_empty(), "{}", show(&adopted));
    assert!(
        kept_reason(&adopted, "someone@example.com").is_some(),
        "{}",
        show(&adopted)
    );
    let after = applied(&d, &o, &adopted);
    assert_eq!(recorded(&after), Some("ops@example.com"));
    let again = plan(&d, &after, &PlanOptions::default()).unwrap();
    assert!(!again.has_changes(), "{}", show(&again));
}
