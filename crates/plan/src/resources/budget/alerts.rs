//! The steps that make a live budget's alerts the spec's.

use super::{Desired, Id, Live, Notification, Step, Target};

/// "actual spend above 80% to ops@example.com".
pub(super) fn subscribed<'a>(n: &Notification, to: impl Iterator<Item = &'a str>) -> String {
    format!("{} to {}", n.shown(), to.collect::<Vec<_>>().join(", "))
}

/// The steps that make the live budget's alerts the spec's: each notification with the
/// spec's one subscriber, no other notification. Notifications are taken off before others
/// are added (Budgets takes at most five); a subscriber is added before another is taken off
/// (Budgets deletes a notification with its last subscriber), but for a topic in the place
/// of another (Budgets takes one SNS subscriber a notification), which is updated.
pub(super) fn alerts(budget: &Id, d: &Desired, live: &Live, target: &Target) -> Vec<Step> {
    let mut steps = Vec::new();
    // The alerts the spec no longer has go first: Budgets takes at most five a budget.
    for (n, _) in &live.notifications {
        if !d.notifications.contains(n) {
            steps.push(Step::DeleteNotification {
                budget: budget.clone(),
                notification: n.clone(),
            });
        }
    }
    for n in &d.notifications {
        match live.notifications.iter().find(|(l, _)| l == n) {
            None => steps.push(Step::CreateNotification {
                budget: budget.clone(),
                notification: n.clone(),
                target: target.clone(),
            }),
            Some((_, subscribers)) => {
                // A notification takes one SNS subscriber: a topic replaces the one there.
                let replaced = match target {
                    Target::Topic(_) if !subscribers.iter().any(|s| target.matches(s)) => {
                        subscribers.iter().find(|s| s.kind == "SNS")
                    }
                    _ => None,
                };
                if let Some(old) = replaced {
                    steps.push(Step::UpdateSubscriber {
                        budget: budget.clone(),
                        notification: n.clone(),
                        old: old.clone(),
                        target: target.clone(),
                    });
                } else if !subscribers.iter().any(|s| target.matches(s)) {
                    steps.push(Step::CreateSubscriber {
                        budget: budget.clone(),
                        notification: n.clone(),
                        target: target.clone(),
                    });
                }
                for s in subscribers
                    .iter()
                    .filter(|s| !target.matches(s) && Some(*s) != replaced)
                {
                    steps.push(Step::DeleteSubscriber {
                        budget: budget.clone(),
                        notification: n.clone(),
                        subscriber: s.clone(),
                    });
                }
            }
        }
    }
    steps
}
