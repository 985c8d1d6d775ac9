//! The budget's steps: the calls apply makes, as the plan shows them.

use super::{Body, Id, Notification, Subscriber, Target};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Step {
    /// CreateBudget with its notifications, their subscriber, and its tags.
    CreateBudget {
        budget: Body,
        notifications: Vec<Notification>,
        target: Target,
        tags: BTreeMap<String, String>,
    },
    UpdateBudget {
        budget: Body,
    },
    CreateNotification {
        budget: Id,
        notification: Notification,
        target: Target,
    },
    DeleteNotification {
        budget: Id,
        notification: Notification,
    },
    CreateSubscriber {
        budget: Id,
        notification: Notification,
        target: Target,
    },
    /// A subscriber replaced by the target (a topic in the place of another).
    UpdateSubscriber {
        budget: Id,
        notification: Notification,
        old: Subscriber,
        target: Target,
    },
    DeleteSubscriber {
        budget: Id,
        notification: Notification,
        subscriber: Subscriber,
    },
    DeleteBudget {
        budget: Id,
    },
}

impl Step {
    pub fn describe(&self) -> String {
        match self {
            Step::CreateBudget { budget, .. } => format!("create budget {}", budget.id),
            Step::UpdateBudget { budget } => format!("update budget {}", budget.id),
            Step::CreateNotification {
                budget,
                notification,
                ..
            } => format!(
                "add the alert on {} to budget {budget}",
                notification.shown()
            ),
            Step::DeleteNotification {
                budget,
                notification,
            } => format!(
                "delete the alert on {} of budget {budget}",
                notification.shown()
            ),
            Step::CreateSubscriber {
                budget,
                notification,
                target,
            } => format!(
                "send budget {budget}'s alert on {} to {}",
                notification.shown(),
                target.shown()
            ),
            Step::UpdateSubscriber {
                budget,
                notification,
                old,
                target,
            } => format!(
                "send budget {budget}'s alert on {} to {} instead of {}",
                notification.shown(),
                target.shown(),
                old.address
            ),
            Step::DeleteSubscriber {
                budget,
                notification,
                subscriber,
            } => format!(
                "stop sending budget {budget}'s alert on {} to {}",
                notification.shown(),
                subscriber.address
            ),
            Step::DeleteBudget { budget } => format!("delete budget {budget}"),
        }
    }
}
