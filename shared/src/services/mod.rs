//! The use cases of the portal. Each function of `functions/` builds one service of this module
//! from a [`Wiring`] and calls one of its methods per request. A service names, by the bounds of
//! its constructor, the only ports of the store it may use: `login` cannot file a claim, and
//! `list-scrutins` cannot write an account.
//!
//! The building blocks that several services share: [`election::Election`] (the calendar and its
//! phases), [`sessions::Sessions`] (who is behind a cookie), [`links::Links`] (the mailed links
//! and the step that ends one), [`links::LinkMail`] (issuing a link within the mail cap) and
//! [`ballots::BallotCatalog`] (ballots and electoral lists, cached).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::ports::{Clock, Mailer};

pub mod account;
pub mod activation;
pub mod assistance;
pub mod attempts;
pub mod ballots;
pub mod cache;
pub mod claims;
pub mod delivery;
pub mod election;
pub mod help;
pub mod links;
pub mod login;
pub mod password;
pub mod reassort;
pub mod sessions;
pub mod voting;

pub use account::AccountOpening;
pub use activation::ActivationRequests;
pub use assistance::{AssistanceDesk, Requester};
pub use attempts::{lock_delay, Guesses, NewDevice, ANSWER_MAX_DELAY, LOGIN_MAX_DELAY};
pub use ballots::{BallotCatalog, BallotReading, ElectoralListPage};
pub use claims::{ClaimFiling, FiledClaim, MailStatus};
pub use delivery::{Delivered, Delivery};
pub use election::Election;
pub use help::HelpDesk;
pub use links::{LinkMail, Links};
pub use login::{LoggedIn, Login};
pub use password::PasswordChoice;
pub use reassort::Reassort;
pub use sessions::{Authenticated, OpenedSession, Sessions};
pub use voting::{PublicBoard, Voting};

/// What a service is built from: the store (one adapter offering every port; each service keeps
/// only the ports its constructor asks for), the mailer, the clock and the configuration.
pub struct Wiring<S> {
    pub store: Arc<S>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
}

impl<S> Clone for Wiring<S> {
    fn clone(&self) -> Self {
        Wiring {
            store: self.store.clone(),
            mailer: self.mailer.clone(),
            clock: self.clock.clone(),
            config: self.config.clone(),
        }
    }
}

pub(crate) const DAY: i64 = 86_400;

pub(crate) fn epoch(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// The voter an identifier of the roll belongs to, if any.
pub(crate) async fn voter_by_identifier(
    voters: &dyn crate::ports::Voters,
    identifier: &crate::validate::Identifier,
) -> Result<Option<crate::model::Voter>, crate::error::DomainError> {
    match voters.voter_id_for_email(identifier.as_str()).await? {
        Some(id) => Ok(voters.voter(&id).await?),
        None => Ok(None),
    }
}
