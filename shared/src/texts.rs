//! Every French text a voter reads in a reply of the API, in one place: error messages and the
//! replies that say what happens next. The mails are in [`crate::mail`], the challenge questions
//! in [`crate::questions`], the web pages in the portal's assets.

// ---- errors ---------------------------------------------------------------------------------

pub const LINK_INVALID: &str = "Ce lien n'est pas valide ou a été remplacé par un lien plus récent. Demandez un nouveau courriel si besoin.";
pub const LINK_EXPIRED: &str =
    "Ce lien a expiré. Demandez un nouveau courriel depuis la page d'accueil du portail.";
pub const LINK_USED: &str =
    "Ce lien a déjà été utilisé. Connectez-vous ou demandez un nouveau courriel.";
pub const PASSWORD_NOT_SET: &str = "Créez d'abord votre mot de passe Élections.";
pub const INVALID_CREDENTIALS: &str = "Identifiant ou mot de passe incorrect, ou trop de tentatives récentes. Réessayez plus tard, ou demandez un réassort ; si votre espace n'est pas encore activé, demandez le courriel d'activation.";
pub const SESSION_ENDED: &str = "Votre session a expiré ou n'existe pas. Connectez-vous à nouveau.";
pub const SCRUTIN_NOT_YOURS: &str = "Ce scrutin ne fait pas partie de vos scrutins.";
pub const INVALID_CURSOR: &str = "Le curseur de pagination est invalide.";
pub const IDEMPOTENCY_KEY_REQUIRED: &str =
    "L'en-tête Idempotency-Key est obligatoire pour déposer une réclamation.";
pub const IDEMPOTENCY_KEY_REUSED: &str =
    "Cette clé Idempotency-Key a déjà servi pour une autre réclamation.";
pub const CROSS_ORIGIN_REFUSED: &str = "Cette demande ne vient pas du portail Élections : elle est refusée. Ouvrez le portail à son adresse habituelle et recommencez.";
pub const NOT_FOUND: &str = "Ressource introuvable.";
pub const JSON_REQUIRED: &str =
    "Le corps de la requête doit être du JSON (Content-Type: application/json).";
pub const PAYLOAD_TOO_LARGE: &str = "La requête est trop volumineuse.";
pub const CONFLICT: &str =
    "Une autre demande vient d'être traitée pour ce compte. Rechargez la page puis réessayez.";
pub const UNAVAILABLE: &str = "Le service est momentanément indisponible. Votre demande n'a pas été enregistrée ; réessayez dans quelques instants.";
pub const MALFORMED_REQUEST: &str = "La requête est mal formée : ";
pub const CALENDAR_NOT_PUBLISHED: &str =
    "Le calendrier de l'élection n'est pas encore publié : le portail n'est pas ouvert.";
pub const UNKNOWN_QUESTION: &str = "Choisissez une question défi dans la liste proposée.";
pub const UNKNOWN_CLAIM_CATEGORY: &str =
    "Choisissez l'objet de la réclamation dans la liste proposée.";
pub const BAD_IDENTIFIER: &str =
    "L'identifiant doit être votre adresse de messagerie académique (prenom.nom@ac-academie.fr).";
pub const BAD_VOTER_ID: &str =
    "Identifiant d'électeur invalide : utilisez le lien reçu par courriel.";
pub const BROKEN_LINK: &str =
    "Le lien utilisé est incomplet ou abîmé : copiez le lien entier reçu par courriel.";
pub const PASSWORD_TOO_SHORT: &str = "Le mot de passe doit contenir au moins 12 caractères.";
pub const PASSWORD_TOO_LONG: &str = "Le mot de passe ne peut pas dépasser 128 caractères.";
pub const PASSWORD_UNPRINTABLE: &str = "Le mot de passe contient un caractère non imprimable.";
pub const PASSWORD_TOO_COMMON: &str = "Ce mot de passe est trop facile à deviner (mot ou prénom courant, date, suite de touches, répétition, même avec des chiffres, des symboles ou des majuscules) : choisissez-en un autre, par exemple une phrase de plusieurs mots peu courants.";
pub const PASSWORD_PERSONAL: &str =
    "Le mot de passe ne doit contenir ni votre identifiant ni votre nom ou prénom, même transformés.";
pub const LOGIN_PASSWORD_LENGTH: &str = "Le mot de passe doit contenir entre 1 et 128 caractères.";
pub const ANSWER_TOO_LONG: &str = "La réponse secrète ne peut pas dépasser 128 caractères.";
pub const ANSWER_TOO_SHORT: &str =
    "La réponse secrète doit contenir au moins 3 lettres ou chiffres.";
pub const ANSWER_ONE_CHARACTER: &str =
    "La réponse secrète ne peut pas être un seul caractère répété.";
pub const ANSWER_PERSONAL: &str =
    "La réponse secrète ne doit être ni votre identifiant ni votre nom ou prénom : elle serait trop facile à deviner.";
pub const CLAIM_TEXT_LENGTH: &str =
    "Le texte de la réclamation doit contenir entre 10 et 4000 caractères.";
pub const CLAIM_TEXT_UNPRINTABLE: &str =
    "Le texte de la réclamation contient un caractère non imprimable.";
pub const BAD_IDEMPOTENCY_KEY: &str =
    "L'en-tête Idempotency-Key doit contenir 8 à 64 lettres, chiffres, « - » ou « _ ».";
pub const BAD_SCRUTIN_ID: &str = "Identifiant de scrutin invalide.";
pub const UNKNOWN_ASSISTANCE_SUBJECT: &str =
    "Choisissez l'objet de votre demande dans la liste proposée.";
pub const ASSISTANCE_MESSAGE_LENGTH: &str =
    "Le message de la demande d'assistance doit contenir entre 10 et 2000 caractères.";
pub const ASSISTANCE_MESSAGE_UNPRINTABLE: &str =
    "Le message de la demande d'assistance contient un caractère non imprimable.";

// ---- phases (dates in Paris time, as `calendar::paris` writes them) -------------------------

pub fn claim_limit_reached(cap: u32) -> String {
    format!(
        "Vous avez déjà déposé {cap} réclamations, le nombre maximal pour cette élection : \
         celles-ci sont bien enregistrées et seront traitées. Pour une autre demande, contactez \
         le service de gestion de votre académie."
    )
}

pub fn assistance_limit_reached(cap: u32) -> String {
    format!(
        "{cap} demandes d'assistance ont déjà été envoyées pour cet identifiant depuis 24 heures, \
         le nombre maximal : elles sont bien enregistrées et seront traitées. Réessayez demain si \
         besoin."
    )
}

pub fn portal_opens_on(date: &str) -> String {
    format!("Le portail Élections ouvrira le {date}.")
}

pub fn portal_closed_since(date: &str) -> String {
    format!("Le scrutin est clos depuis le {date} : le portail Élections est fermé.")
}

pub fn claims_closed_since(date: &str) -> String {
    format!("Le dépôt des réclamations est clos depuis le {date}.")
}

// ---- replies --------------------------------------------------------------------------------

pub const ACTIVATION_ACCEPTED: &str = "Si votre identifiant figure sur la liste électorale et que votre espace n'est pas encore activé, \
un courriel « Création de votre mot de passe Élections » vient de vous être envoyé. Connectez-vous à votre messagerie \
académique pour finaliser l'ouverture de votre espace électeur.";
/// Why a mail to an address that bounced or complained is not sent (shown to the administration).
pub const ADDRESS_BOUNCING: &str =
    "adresse signalée en échec par SES : courriel non envoyé, l'adresse est à corriger sur la liste";

pub const UNLOCK_ACCEPTED: &str = "Si cet identifiant correspond à un compte activé, un courriel vient d'être envoyé à \
votre messagerie académique : ouvrez son lien dans ce navigateur pour qu'il soit reconnu, puis connectez-vous avec votre \
mot de passe. Si votre espace n'était pas encore activé, vous recevez à la place le courriel de création de votre mot de \
passe Élections.";

pub const DEVICE_TRUSTED: &str = "Ce navigateur est maintenant reconnu comme le vôtre : connectez-vous avec votre \
identifiant et votre mot de passe. Les tentatives faites ailleurs ne bloquent plus vos connexions depuis ce navigateur.";

pub const REASSORT_ACCEPTED: &str = "Si les informations saisies correspondent à un compte activé, un courriel de réassort vient \
d'être envoyé à votre messagerie académique. Si votre espace n'était pas encore activé, vous recevez à la place le \
courriel de création de votre mot de passe Élections.";

/// The reply to an assistance request, whatever the identifier: known or not, the same words.
pub const ASSISTANCE_ACCEPTED: &str = "Votre demande d'assistance est enregistrée. Notez sa référence : elle vous sera \
demandée pour le suivi. Si l'identifiant indiqué figure sur la liste électorale, un accusé de réception est envoyé à \
l'adresse de messagerie académique inscrite sur la liste, et la réponse y parviendra.";

// ---- the security trail (`crate::audit`) ----------------------------------------------------

/// The French label of an event of a voter's trail, for the welcome page and `electeur-admin`.
pub fn audit_label(kind: crate::audit::AuditKind) -> &'static str {
    use crate::audit::AuditKind::*;
    match kind {
        ActivationAsked => "Courriel d'activation demandé",
        AccountActivated => "Espace activé",
        AccessWithoutActivation => "Accès sans activation",
        LoginSucceeded => "Connexion réussie",
        LoginFailed => "Mot de passe erroné",
        Locked => "Tentatives suspendues après des erreurs",
        Unlocked => "Suspension levée par un réassort",
        ReassortAsked => "Réassort demandé",
        ReassortUsed => "Mot de passe remplacé par réassort",
        SessionEnded => "Déconnexion",
        ClaimFiled => "Réclamation déposée",
        AddressChanged => "Adresse modifiée par l'administration",
        UnlockAsked => "Lien de déblocage demandé",
        DeviceTrusted => "Navigateur reconnu par un lien de déblocage",
        VoteRecorded => "Vote enregistré",
    }
}

// The vote (cast-vote and board).
pub const VOTE_NOT_PUBLISHED: &str =
    "Le vote n'est pas encore ouvert : l'urne de l'élection n'a pas été scellée.";
pub fn vote_opens_on(when: &str) -> String {
    format!("Le vote n'est pas encore ouvert : il ouvrira le {when}.")
}
pub fn vote_closed_since(when: &str) -> String {
    format!("Le vote est clos depuis le {when}.")
}
pub const VOTE_ALREADY_CAST: &str =
    "Vous avez déjà voté à ce scrutin : un vote est définitif et ne peut pas être remplacé.";
pub const VOTE_NOT_ON_ROLL: &str = "Vous n'êtes pas électeur de ce scrutin.";
pub const VOTE_UNKNOWN_CREDENTIAL: &str = "Ce code de vote n'est pas valable pour ce scrutin. Vérifiez le code indiqué sur votre notice de vote (16 caractères), ou demandez un nouveau code.";
pub fn vote_invalid_ballot(reason: &str) -> String {
    format!(
        "Le bulletin chiffré n'est pas valide ({reason}). Rechargez la page et votez à nouveau."
    )
}
pub const CODE_REQUEST_ACCEPTED: &str = "Votre demande est enregistrée ; un courriel vous le confirme. Le nouveau code vous parviendra comme votre notice de vote, et l'ancien ne sera plus valable.";
pub const CODE_REQUEST_WRONG_ANSWER: &str = "La question ou la réponse ne correspond pas à celles que vous avez choisies à l'activation. Vérifiez la question choisie et l'orthographe de la réponse.";
pub const CODE_REQUEST_LOCKED: &str = "Trop de réponses erronées : réessayez plus tard.";
pub const CODE_REQUEST_ALREADY: &str = "Une demande de nouveau code est déjà en cours : le nouveau code vous parviendra comme votre notice de vote.";
pub const CODE_REQUEST_NOTHING_LEFT: &str =
    "Vous avez voté à tous vos scrutins : aucun nouveau code n'est nécessaire.";
pub const CODE_REQUEST_NOT_ACTIVATED: &str = "Activez d'abord votre espace (mot de passe et question défi) : la demande de nouveau code passe par votre réponse secrète.";
pub const BOARD_SCRUTIN_REQUIRED: &str = "Indiquez le scrutin (paramètre scrutin).";
pub const VOTE_BAD_TRACKER: &str =
    "Une empreinte de bulletin a 43 caractères (lettres, chiffres, - et _).";

pub const BAD_NAME_SEARCH: &str =
    "Indiquez au moins deux lettres du nom recherché (100 caractères au plus).";
