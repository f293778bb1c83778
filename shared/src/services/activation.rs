//! `activate`: the activation mail, asked for with the identifier of the roll.

use std::sync::Arc;

use super::{Election, HelpDesk, LinkMail, Wiring};
use crate::calendar::Need;
use crate::config::Config;
use crate::error::DomainError;
use crate::model::{AccountStatus, TokenPurpose};
use crate::ports::{Calendars, HelpPages, LinkTokens, Voters};
use crate::validate::Identifier;

pub struct ActivationRequests {
    pub election: Election,
    /// `GET /api/help`, beside the calendar this function serves too.
    pub help: HelpDesk,
    voters: Arc<dyn Voters>,
    link_mail: LinkMail,
    pub config: Config,
}

impl ActivationRequests {
    pub fn new<S: Calendars + Voters + LinkTokens + HelpPages + 'static>(w: &Wiring<S>) -> Self {
        ActivationRequests {
            election: Election::new(w),
            help: HelpDesk::new(w),
            voters: w.store.clone(),
            link_mail: LinkMail::new(w),
            config: w.config.clone(),
        }
    }

    /// The same outcome whether the identifier is unknown, active, capped or fresh.
    pub async fn request_activation(&self, identifier: &Identifier) -> Result<(), DomainError> {
        self.election.require(Need::PortalOpen).await?;
        match super::voter_by_identifier(self.voters.as_ref(), identifier).await? {
            Some(voter) if voter.status == AccountStatus::NotActivated => {
                self.link_mail.send(&voter, TokenPurpose::Activation).await
            }
            Some(_) => {
                tracing::info!("activation asked for an active account, nothing sent");
                Ok(())
            }
            None => {
                tracing::info!("activation asked for an identifier not on the roll");
                Ok(())
            }
        }
    }
}
