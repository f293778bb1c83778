//! Every mail the portal sends, in one place. Links are built from the configured portal base URL
//! only. Mails carry links, never a password or a secret answer.

use crate::model::{Claim, RollVoter, TokenPurpose};
use crate::ports::Mail;

/// Portal pages that mail links lead to.
pub const ACTIVATION_PAGE: &str = "/activation";
pub const REASSORT_PAGE: &str = "/reassort";
pub const UNLOCK_PAGE: &str = "/deblocage";

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn greeting(voter: &RollVoter) -> String {
    format!("Bonjour {} {},", voter.civility.as_str(), voter.last_name)
}

/// The link a mail carries: the page for `purpose`, with the token and the voter id in the
/// fragment, which browsers never send: the token stays out of every access log, of CDN and
/// firewall logs, and of `Referer`. The page sends it to the API in a POST body.
pub fn link(portal_base_url: &str, purpose: TokenPurpose, token: &str, voter_id: &str) -> String {
    let page = match purpose {
        TokenPurpose::Activation => ACTIVATION_PAGE,
        TokenPurpose::Reassort => REASSORT_PAGE,
        TokenPurpose::Unlock => UNLOCK_PAGE,
    };
    format!("{portal_base_url}{page}#token={token}&electeurId={voter_id}")
}

fn render(to: &str, subject: &str, paragraphs: &[String], link: Option<&str>) -> Mail {
    let mut text = String::new();
    let mut html = String::from("<!doctype html><html lang=\"fr\"><body>");
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", html_escape(p)));
        if p.ends_with(':') {
            if let Some(l) = link {
                text.push_str(l);
                text.push_str("\n\n");
                html.push_str(&format!("<p><a href=\"{0}\">{0}</a></p>", html_escape(l)));
            }
        }
    }
    text.push_str("Cordialement,\nLe portail Élections\n\nCe courriel est envoyé automatiquement ; merci de ne pas y répondre.\n");
    html.push_str("<p>Cordialement,<br>Le portail Élections</p><p><small>Ce courriel est envoyé automatiquement ; merci de ne pas y répondre.</small></p></body></html>");
    Mail { to: to.to_string(), subject: subject.to_string(), text, html }
}

pub fn activation(voter: &RollVoter, link: &str, valid_hours: u64) -> Mail {
    render(
        &voter.email,
        "Création de votre mot de passe Élections",
        &[
            greeting(voter),
            "Pour poursuivre le processus d'authentification au portail Élections, veuillez cliquer sur le lien ci-dessous :".into(),
            format!("Ce lien est personnel, utilisable une seule fois et valable {valid_hours} heures. Une nouvelle demande le remplace."),
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce courriel : rien ne sera fait sans vous.".into(),
        ],
        Some(link),
    )
}

pub fn reassort(voter: &RollVoter, link: &str, valid_hours: u64) -> Mail {
    render(
        &voter.email,
        "Réassort de votre mot de passe Élections",
        &[
            greeting(voter),
            "Vous avez demandé un réassort de votre mot de passe Élections. Pour choisir un nouveau mot de passe, veuillez cliquer sur le lien ci-dessous :".into(),
            format!("Ce lien est personnel, utilisable une seule fois et valable {valid_hours} heures. Une fois le nouveau mot de passe confirmé, vos autres sessions seront fermées."),
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce courriel : votre mot de passe actuel reste valable.".into(),
        ],
        Some(link),
    )
}

pub fn unlock(voter: &RollVoter, link: &str, valid_hours: u64) -> Mail {
    render(
        &voter.email,
        "Reconnaître votre navigateur sur le portail Élections",
        &[
            greeting(voter),
            "Vous avez demandé à débloquer la connexion à votre espace électeur. Ouvrez le lien ci-dessous dans le navigateur que vous utilisez : il sera reconnu comme le vôtre et vous pourrez vous y connecter avec votre mot de passe, même si d'autres tentatives de connexion ont bloqué votre compte ailleurs :".into(),
            format!("Ce lien est personnel, utilisable une seule fois et valable {valid_hours} heures. Il ne change pas votre mot de passe."),
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce courriel. Des tentatives de connexion répétées sur votre compte peuvent en être la cause : votre mot de passe reste valable et personne ne peut se connecter sans lui.".into(),
        ],
        Some(link),
    )
}

pub fn claim_acknowledgement(voter: &RollVoter, claim: &Claim, scrutin_name: Option<&str>) -> Mail {
    let mut paragraphs = vec![
        greeting(voter),
        format!("Votre réclamation a bien été enregistrée sous la référence {}.", claim.reference),
        format!("Objet : {}.", claim.category.label()),
    ];
    if let Some(name) = scrutin_name {
        paragraphs.push(format!("Scrutin concerné : {name}."));
    }
    paragraphs.push("Elle sera examinée par l'administration, qui vous répondra à cette adresse. Rappelez la référence dans vos échanges.".into());
    render(&voter.email, &format!("Réclamation {} enregistrée", claim.reference), &paragraphs, None)
}

/// The receipt of a vote: which scrutin, when. It carries no tracker (the voter's screen shows
/// it), so that the mail path holds no link between a voter and a ballot.
pub fn vote_receipt(voter: &RollVoter, scrutin_name: &str, when: &str) -> Mail {
    let paragraphs = vec![
        greeting(voter),
        format!("Votre vote au scrutin « {scrutin_name} » a été enregistré le {when}."),
        "Il est définitif. L'empreinte de votre bulletin vous a été montrée à l'écran : vous pouvez la retrouver sur l'urne publique du portail.".into(),
        "Si vous n'avez pas voté vous-même, signalez-le sans attendre à l'administration en répondant à ce message.".into(),
    ];
    render(&voter.email, &format!("A voté : {scrutin_name}"), &paragraphs, None)
}

/// Sent when a voter asks for a new voting code: the mailbox learns of it, whoever asked.
pub fn code_requested(voter: &RollVoter) -> Mail {
    let paragraphs = vec![
        greeting(voter),
        "Votre demande de nouveau code de vote est enregistrée. L'administration la transmet à l'autorité qui fait les codes : le nouveau code vous parviendra comme votre notice de vote, et l'ancien ne sera plus valable.".into(),
        "Si vous n'avez pas fait cette demande, quelqu'un connaît votre mot de passe et votre réponse secrète : signalez-le sans attendre à l'administration en répondant à ce message.".into(),
    ];
    render(&voter.email, "Demande de nouveau code de vote", &paragraphs, None)
}

/// Sent at every reissue of a voting code: the voter learns of it even if someone else asked.
pub fn code_reissued(voter: &RollVoter) -> Mail {
    let paragraphs = vec![
        greeting(voter),
        "Un nouveau code de vote vous a été attribué ; l'ancien n'est plus valable. Le nouveau code vous parvient par le même canal que votre notice de vote, jamais par ce courriel.".into(),
        "Si vous n'avez pas demandé ce renouvellement, signalez-le sans attendre à l'administration en répondant à ce message.".into(),
    ];
    render(&voter.email, "Votre code de vote a été renouvelé", &paragraphs, None)
}

/// The acknowledgement of an assistance request, to the roll address only. It holds the reference,
/// the subject from the fixed list and the date, never the message typed in the form: whoever
/// types a voter's identifier cannot make the portal mail that voter a text of their own.
pub fn assistance_acknowledgement(
    voter: &RollVoter,
    request: &crate::model::AssistanceRequest,
) -> Mail {
    let paragraphs = vec![
        greeting(voter),
        format!(
            "Une demande d'assistance a été enregistrée pour votre identifiant sous la référence {}, le {}.",
            request.reference,
            crate::calendar::paris(request.created_at)
        ),
        format!("Objet : {}.", request.subject.label()),
        "L'administration vous répondra à cette adresse. Rappelez la référence dans vos échanges.".into(),
        "Si vous n'êtes pas à l'origine de cette demande, vous pouvez ignorer ce courriel : aucune information de votre compte n'a été modifiée.".into(),
    ];
    render(
        &voter.email,
        &format!("Demande d'assistance {} enregistrée", request.reference),
        &paragraphs,
        None,
    )
}

/// The administration's answer to an assistance request, to the roll address only.
pub fn assistance_answer(voter: &RollVoter, reference: &str, answer: &str) -> Mail {
    let paragraphs = vec![
        greeting(voter),
        format!("Voici la réponse de l'administration à votre demande d'assistance {reference} :"),
        answer.to_string(),
    ];
    render(
        &voter.email,
        &format!("Réponse à votre demande d'assistance {reference}"),
        &paragraphs,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Civility;

    fn voter() -> RollVoter {
        RollVoter {
            voter_id: "1099584".into(),
            email: "marie.dupont@ac-versailles.fr".into(),
            civility: Civility::Mme,
            first_name: "Marie".into(),
            last_name: "Dupont".into(),
            scrutins: vec![],
        }
    }

    #[test]
    fn activation_mail_carries_the_link_built_from_the_base_url() {
        let l = link("https://elections.example.fr", TokenPurpose::Activation, "tok", "1099584");
        assert_eq!(l, "https://elections.example.fr/activation#token=tok&electeurId=1099584");
        let m = activation(&voter(), &l, 48);
        assert_eq!(m.subject, "Création de votre mot de passe Élections");
        assert!(m.text.starts_with("Bonjour Mme Dupont,"));
        assert!(m.text.contains(&l));
        assert!(m.html.contains(
            "href=\"https://elections.example.fr/activation#token=tok&amp;electeurId=1099584\""
        ));
    }
}
