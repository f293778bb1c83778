//! `set-password`: what a link is for, and the password chosen through it (kept on the link until
//! the step that ends it).

use super::links::Expect;
use super::{Election, Links, Wiring};
use crate::calendar::Need;
use crate::config::Config;
use crate::error::DomainError;
use crate::model::TokenPurpose;
use crate::ports::{Calendars, LinkTokens, Voters};
use crate::secrets;
use crate::validate::{NewPassword, RawToken, VoterId};
use crate::views::TokenView;

pub struct PasswordChoice {
    election: Election,
    links: Links,
    pub config: Config,
}

impl PasswordChoice {
    pub fn new<S: Calendars + Voters + LinkTokens + 'static>(w: &Wiring<S>) -> Self {
        PasswordChoice {
            election: Election::new(w),
            links: Links::new(w),
            config: w.config.clone(),
        }
    }

    /// `GET /api/token`: what a link is for, without consuming it.
    pub async fn check_token(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
    ) -> Result<TokenView, DomainError> {
        self.election.require(Need::PortalOpen).await?;
        let (token, voter) = self.links.live(voter_id, raw, Expect::Any).await?;
        Ok(TokenView {
            purpose: token.purpose,
            password_set: token.pending_password_hash.is_some(),
            civility: voter.roll.civility,
            last_name: voter.roll.last_name,
        })
    }

    /// Checks the password rules and keeps the hash pending on the token.
    pub async fn set_password(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
        password: &str,
    ) -> Result<TokenPurpose, DomainError> {
        self.election.require(Need::PortalOpen).await?;
        let (token, voter) = self.links.live(voter_id, raw, Expect::Any).await?;
        if token.purpose == TokenPurpose::Unlock {
            // An unlock link trusts a browser; it never changes a password.
            return Err(DomainError::TokenInvalid);
        }
        let password = NewPassword::parse(password, &voter.roll.personal_data())?;
        let hash = secrets::hash(password.expose().to_string()).await?;
        self.links.keep_password(&token, &hash).await?;
        Ok(token.purpose)
    }
}
