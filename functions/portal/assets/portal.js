// Portail de l'électeur : une seule page, qui ne parle qu'à l'API JSON du même site.
// La session est dans un cookie HttpOnly : ce script ne la voit jamais.
'use strict';

(() => {
  // Le script s'exécute : la feuille de style n'affichera pas le message « rechargez la page ».
  document.documentElement.classList.add('js');

  const REQUEST_TIMEOUT_MS = 20000;
  const RETRY_DELAY_MS = 1000;
  // Réclamation saisie quand la session a pris fin : gardée dans cet onglet seulement
  // (sessionStorage), et envoyée après la reconnexion, avec la même clé d'idempotence.
  const PENDING_CLAIM = 'reclamation-en-attente';
  const ELECTORAL_LIST_PAGE = 50;
  const TIMEZONE = 'Europe/Paris';

  const state = {
    election: null,
    link: null, // { token, voterId, purpose } tant que le lien du courriel n'est pas consommé
    claimKey: null,
    scrutins: [],
    voterEmail: null,
    electionRequest: null,
    assistanceConnected: false,
    helpRequest: null,
  };

  const byId = (id) => document.getElementById(id);

  // ---------------------------------------------------------------------------------------------
  // Appels à l'API

  class ApiError extends Error {
    constructor(status, code, message, field) {
      super(message);
      this.status = status;
      this.code = code;
      this.field = field || null;
    }
  }

  function fallbackMessage(status) {
    if (status === 401) return 'Votre session a expiré. Veuillez vous reconnecter.';
    if (status === 404) return 'Élément introuvable.';
    if (status === 429) return 'Trop de demandes. Patientez un instant avant de réessayer.';
    if (status >= 500) return 'Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.';
    return 'Votre demande n\'a pas pu être traitée.';
  }

  // Une requête qui n'a pas abouti (réseau, délai dépassé, erreur du service) est refaite une fois,
  // si elle ne change rien côté serveur (lecture) : un incident passager ne bloque pas la page.
  function retryable(error) {
    return error instanceof ApiError && (error.code === 'network' || error.status >= 500);
  }

  async function api(method, path, body, headers) {
    const once = () => request(method, path, body, headers);
    if (method !== 'GET' && path !== '/api/token') return once();
    try {
      return await once();
    } catch (error) {
      if (!retryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      return once();
    }
  }

  async function request(method, path, body, headers) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    const init = {
      method,
      headers: Object.assign({ Accept: 'application/json' }, headers || {}),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: controller.signal,
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    let text;
    try {
      response = await fetch(path, init);
      text = await response.text();
    } catch (_) {
      throw new ApiError(0, 'network',
        'Le service ne répond pas. Vérifiez votre connexion puis réessayez.');
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (_) { data = null; }
    }
    if (!response.ok) {
      const message = data && typeof data.message === 'string' && data.message
        ? data.message : fallbackMessage(response.status);
      let code = 'http_' + response.status;
      if (data && typeof data.code === 'string') code = data.code;
      else if (data && typeof data.error === 'string') code = data.error;
      throw new ApiError(response.status, code, message, data && data.field);
    }
    return data;
  }

  // ---------------------------------------------------------------------------------------------
  // Écrans, messages, formulaires

  function show(screenId, options) {
    const opts = options || {};
    let target = null;
    for (const screen of document.querySelectorAll('[data-ecran]')) {
      const visible = screen.id === screenId;
      screen.hidden = !visible;
      if (visible) target = screen;
    }
    const title = target && target.dataset.titre;
    document.title = (title ? title + ' – ' : '') + 'Espace électeur – Élections professionnelles';
    if (opts.focus !== false && target) {
      const heading = target.querySelector('h1');
      if (heading) heading.focus();
    }
  }

  function announce(message) {
    byId('annonce').textContent = message || '';
  }

  function formError(form) {
    return form.querySelector('.erreur');
  }

  function clearErrors(form) {
    const box = formError(form);
    if (box) box.textContent = '';
    for (const field of form.querySelectorAll('[aria-invalid]')) field.removeAttribute('aria-invalid');
    for (const p of form.querySelectorAll('.erreur-champ')) p.textContent = '';
  }

  function showError(form, error) {
    const message = error instanceof ApiError ? error.message
      : 'Une erreur inattendue s\'est produite. Veuillez réessayer.';
    const box = formError(form);
    let focusTarget = null;
    if (error instanceof ApiError && error.field) {
      let field = form.elements.namedItem(error.field);
      // Un groupe de boutons radio : son premier bouton porte l'identifiant et l'erreur.
      if (field && !field.tagName && typeof field.length === 'number') field = field[0];
      if (field && field.id) {
        field.setAttribute('aria-invalid', 'true');
        const fieldBox = byId(field.id + '-erreur');
        if (fieldBox) fieldBox.textContent = message;
        focusTarget = field;
      }
    }
    // Une erreur de champ s'affiche sous le champ, qui reçoit le focus et la décrit ;
    // les autres s'affichent dans la zone d'alerte du formulaire.
    if (focusTarget) focusTarget.focus();
    else if (box) box.textContent = message;
  }

  function invalid(field, message) {
    return new ApiError(0, 'client', message, field);
  }

  // Empêche le double envoi, montre l'attente, affiche l'erreur éventuelle.
  async function busy(form, task) {
    if (form.dataset.occupe) return;
    form.dataset.occupe = '1';
    form.setAttribute('aria-busy', 'true');
    const buttons = Array.from(form.querySelectorAll('button'));
    for (const b of buttons) b.disabled = true;
    clearErrors(form);
    try {
      await task();
    } catch (error) {
      if (!(error instanceof ApiError)) console.error(error);
      if (error instanceof ApiError && error.code === 'unauthenticated' && form.id === 'form-reclamation') {
        const kept = keepPendingClaim();
        sessionEnded(kept
          ? 'Votre session a expiré ou a été fermée. Reconnectez-vous : votre réclamation est conservée '
            + 'dans cet onglet et sera envoyée dès votre connexion.'
          : undefined);
        return;
      }
      showError(form, error);
    } finally {
      delete form.dataset.occupe;
      form.removeAttribute('aria-busy');
      for (const b of buttons) b.disabled = false;
    }
  }

  function onSubmit(formId, handler) {
    const form = byId(formId);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(form, () => handler(form));
    });
    return form;
  }

  function value(form, name) {
    const field = form.elements.namedItem(name);
    return field ? field.value : '';
  }

  function charCount(text) {
    return Array.from(text).length;
  }

  function checkIdentifier(form) {
    const identifier = value(form, 'identifier').trim();
    if (!identifier) throw invalid('identifier', 'Indiquez votre identifiant (adresse de messagerie académique).');
    if (!/^[^\s@]+@[^\s@]+$/.test(identifier)) {
      throw invalid('identifier', 'L\'identifiant est une adresse de messagerie, de la forme prenom.nom@ac-academie.fr.');
    }
    return identifier;
  }

  function checkQuestion(form) {
    const raw = value(form, 'question_id');
    if (!raw) throw invalid('question_id', 'Choisissez une question défi.');
    return Number.parseInt(raw, 10);
  }

  function checkAnswer(form) {
    const answer = value(form, 'answer');
    if (!answer.trim()) throw invalid('answer', 'Indiquez votre réponse secrète.');
    return answer;
  }

  function fillQuestions(select, questions) {
    const keep = select.options[0];
    select.replaceChildren(keep);
    for (const q of questions || []) {
      const option = document.createElement('option');
      option.value = String(q.id);
      option.textContent = q.text;
      select.append(option);
    }
  }

  const dayFormat = new Intl.DateTimeFormat('fr-FR', {
    timeZone: TIMEZONE, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
  });
  const timeFormat = new Intl.DateTimeFormat('fr-FR', {
    timeZone: TIMEZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });

  // « mardi 1er décembre 2026 à 10 h 00 », à l'heure de Paris.
  function formatDate(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    const day = dayFormat.format(date).replace(/^(\S+ )1 /, '$11er ');
    const parts = Object.fromEntries(timeFormat.formatToParts(date).map((part) => [part.type, part.value]));
    return day + ' à ' + parts.hour + ' h ' + parts.minute;
  }

  function voterName(v) {
    return [v.civility, v.first_name, v.last_name].filter(Boolean).join(' ');
  }

  // ---------------------------------------------------------------------------------------------
  // Accueil

  // Le calendrier est demandé une seule fois par page (une nouvelle tentative en cas d'échec) ;
  // chaque écran qui en a besoin attend cette même demande.
  function loadElection() {
    if (!state.electionRequest) {
      state.electionRequest = api('GET', '/api/election').then((election) => {
        state.election = election;
        return election;
      }, () => null).then((election) => {
        renderPhase();
        return election;
      });
    }
    return state.electionRequest;
  }

  function renderPhase() {
    const phase = byId('phase');
    const e = state.election;
    renderHelpDates();
    if (!e) { phase.textContent = ''; return; }
    const c = e.calendar || {};
    const vote = c.voting_opens_at && c.voting_closes_at
      ? ' Le vote électronique aura lieu du ' + formatDate(c.voting_opens_at) + ' au ' + formatDate(c.voting_closes_at) + '.'
      : '';
    if (e.phase === 'not_open') {
      phase.textContent = 'L\'ouverture des espaces électeurs commencera le ' + formatDate(c.activation_opens_at) + '.' + vote;
    } else if (e.phase === 'open') {
      phase.textContent = 'Les espaces électeurs sont ouverts.' + vote;
    } else {
      phase.textContent = 'La période d\'ouverture des espaces électeurs est terminée.';
    }
  }

  function showHome(options) {
    byId('deconnexion').hidden = true;
    byId('form-ouverture').hidden = false;
    byId('ouverture-envoyee').hidden = true;
    show('ecran-accueil', options);
    loadElection();
  }

  function wireHome() {
    onSubmit('form-ouverture', async (form) => {
      const identifier = checkIdentifier(form);
      const result = await api('POST', '/api/activate', { identifier });
      byId('ouverture-message').textContent = (result && result.message) || '';
      form.reset();
      const done = byId('ouverture-envoyee');
      done.hidden = false;
      done.focus();
    });

    onSubmit('form-connexion', async (form) => {
      const identifier = checkIdentifier(form);
      const password = value(form, 'password');
      if (!password) throw invalid('password', 'Indiquez votre mot de passe Élections.');
      await api('POST', '/api/login', { identifier, password });
      form.reset();
      announce('');
      await enterPortal('');
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Liens reçus par courriel : création du mot de passe, question défi, confirmation du réassort

  function showLinkProblem(message) {
    byId('lien-message').textContent = message;
    show('ecran-lien');
  }

  async function openLink(purpose, token, voterId) {
    if (!token || !voterId) {
      showLinkProblem('Ce lien est incomplet. Ouvrez à nouveau le lien reçu par courriel, en entier.');
      return;
    }
    state.link = { token, voterId, purpose };
    let info;
    try {
      info = await api('POST', '/api/token', { voter_id: voterId, token });
    } catch (error) {
      state.link = null;
      showLinkProblem(error.message);
      return;
    }
    state.link.purpose = info.purpose === 'reassort' ? 'reassort' : 'activation';
    const name = [info.civility, info.last_name].filter(Boolean).join(' ');
    byId('salutation').textContent = name ? 'Bonjour ' + name + ',' : 'Bonjour,';
    showPasswordScreen(Boolean(info.password_set), { focus: false });
  }

  function showPasswordScreen(alreadySet, options) {
    const reassort = state.link && state.link.purpose === 'reassort';
    byId('mot-de-passe-titre').textContent = reassort
      ? 'Nouveau mot de passe d\'accès à mon espace électeur'
      : 'Création du mot de passe d\'accès à mon espace électeur';
    byId('mot-de-passe-intro').textContent = reassort
      ? 'Choisissez votre nouveau mot de passe Élections. Il remplacera l\'ancien une fois confirmé.'
      : 'Choisissez votre mot de passe Élections. Il vous servira à vous connecter au portail, puis au moment du vote.';
    byId('mot-de-passe-deja').hidden = !alreadySet;
    show('ecran-mot-de-passe', options);
  }

  async function showChallenge(questions) {
    let list = questions;
    if (!list || !list.length) {
      const result = await api('GET', '/api/questions');
      list = result.questions;
    }
    fillQuestions(byId('question'), list);
    byId('form-question').reset();
    show('ecran-question');
  }

  function linkBody(extra) {
    return Object.assign({ voter_id: state.link.voterId, token: state.link.token }, extra || {});
  }

  function afterPasswordNotSet(error) {
    if (error instanceof ApiError && error.code === 'password_not_set') {
      showPasswordScreen(false);
      showError(byId('form-mot-de-passe'), error);
      return true;
    }
    return false;
  }

  function wireLink() {
    const reveal = byId('afficher-mot-de-passe');
    reveal.addEventListener('change', () => {
      for (const id of ['mot-de-passe', 'confirmation']) byId(id).type = reveal.checked ? 'text' : 'password';
    });

    onSubmit('form-mot-de-passe', async (form) => {
      if (!state.link) throw new ApiError(0, 'client', 'Ouvrez à nouveau le lien reçu par courriel.');
      const password = value(form, 'password');
      const confirmation = value(form, 'confirmation');
      const length = charCount(password);
      if (length < 12) throw invalid('password', 'Votre mot de passe doit comporter au moins 12 caractères.');
      if (length > 128) throw invalid('password', 'Votre mot de passe doit comporter au plus 128 caractères.');
      if (password !== confirmation) {
        throw invalid('confirmation', 'La confirmation ne correspond pas au mot de passe saisi.');
      }
      const result = await api('POST', '/api/password', linkBody({ password }));
      form.reset();
      reveal.checked = false;
      reveal.dispatchEvent(new Event('change'));
      if (result && result.next === 'confirm_reassort') {
        show('ecran-confirmation');
      } else {
        await showChallenge(result && result.questions);
      }
    });

    byId('poursuivre').addEventListener('click', () => {
      const form = byId('form-mot-de-passe');
      busy(form, async () => {
        if (state.link && state.link.purpose === 'reassort') show('ecran-confirmation');
        else await showChallenge(null);
      });
    });

    const challenge = onSubmit('form-question', async (form) => {
      const questionId = checkQuestion(form);
      const answer = checkAnswer(form);
      try {
        await api('POST', '/api/activate-account', linkBody({ question_id: questionId, answer }));
      } catch (error) {
        if (afterPasswordNotSet(error)) return;
        throw error;
      }
      state.link = null;
      form.reset();
      await enterPortal('Votre compte a bien été activé. Votre question défi et votre réponse secrète ont été enregistrées.');
    });

    byId('sans-activation').addEventListener('click', () => {
      busy(challenge, async () => {
        try {
          await api('POST', '/api/skip-activation', linkBody());
        } catch (error) {
          if (afterPasswordNotSet(error)) return;
          throw error;
        }
        state.link = null;
        challenge.reset();
        await enterPortal('Vous accédez au portail sans avoir activé votre compte : votre mot de passe '
          + 'Élections n\'a pas été enregistré. Lors de votre prochaine connexion, demandez un nouveau lien '
          + 'depuis l\'accueil (« Accéder à mon espace électeur ») pour créer votre mot de passe et activer '
          + 'votre compte.', true);
      });
    });

    onSubmit('form-confirmation', async () => {
      try {
        await api('POST', '/api/reassort/confirm', linkBody());
      } catch (error) {
        if (afterPasswordNotSet(error)) return;
        throw error;
      }
      state.link = null;
      await enterPortal('Votre nouveau mot de passe est enregistré. Vos autres sessions ont été fermées.');
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Demande de réassort

  async function showReassortRequest() {
    const form = byId('form-reassort');
    form.hidden = false;
    byId('reassort-envoye').hidden = true;
    show('ecran-reassort', { focus: false });
    try {
      const result = await api('GET', '/api/questions');
      fillQuestions(byId('reassort-question'), result.questions);
    } catch (error) {
      showError(form, error);
    }
  }

  function wireReassort() {
    onSubmit('form-reassort', async (form) => {
      const identifier = checkIdentifier(form);
      const questionId = checkQuestion(form);
      const answer = checkAnswer(form);
      const result = await api('POST', '/api/reassort', { identifier, question_id: questionId, answer });
      byId('reassort-message').textContent = (result && result.message) || '';
      form.reset();
      form.hidden = true;
      const done = byId('reassort-envoye');
      done.hidden = false;
      done.focus();
    });

    byId('reassort-nouvel-essai').addEventListener('click', () => {
      byId('reassort-envoye').hidden = true;
      const form = byId('form-reassort');
      form.hidden = false;
      byId('reassort-identifiant').focus();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Connexion bloquée : un lien reçu par courriel fait reconnaître ce navigateur

  function showUnlockRequest() {
    byId('form-deblocage').hidden = false;
    byId('deblocage-envoye').hidden = true;
    show('ecran-deblocage', { focus: false });
  }

  async function openUnlockLink(token, voterId) {
    if (!token || !voterId) {
      showLinkProblem('Ce lien est incomplet. Ouvrez à nouveau le lien reçu par courriel, en entier.');
      return;
    }
    try {
      const info = await api('POST', '/api/token', { voter_id: voterId, token });
      if (info.purpose !== 'unlock') throw new Error('Ce lien ne sert pas à reconnaître un navigateur.');
    } catch (error) {
      showLinkProblem(error.message);
      return;
    }
    state.link = { token, voterId, purpose: 'unlock' };
    byId('form-navigateur').hidden = false;
    byId('navigateur-reconnu').hidden = true;
    show('ecran-navigateur', { focus: false });
  }

  function wireUnlock() {
    onSubmit('form-deblocage', async (form) => {
      const identifier = checkIdentifier(form);
      const result = await api('POST', '/api/unlock', { identifier });
      byId('deblocage-message').textContent = (result && result.message) || '';
      form.reset();
      form.hidden = true;
      const done = byId('deblocage-envoye');
      done.hidden = false;
      done.focus();
    });

    onSubmit('form-navigateur', async (form) => {
      const result = await api('POST', '/api/unlock/confirm', linkBody());
      state.link = null;
      byId('navigateur-message').textContent = (result && result.message) || '';
      form.hidden = true;
      const done = byId('navigateur-reconnu');
      done.hidden = false;
      done.focus();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Portail : informations, scrutins, listes électorales, réclamation

  async function enterPortal(note, warning) {
    history.replaceState(null, '', '/');
    announce('');
    const noteBox = byId('note-entree');
    noteBox.className = warning ? 'message message-attention' : 'message message-succes';
    noteBox.textContent = note || '';
    byId('scrutins-erreur').textContent = '';
    byId('scrutins').replaceChildren();
    let data;
    try {
      data = await api('GET', '/api/scrutins');
    } catch (error) {
      if (error.code === 'unauthenticated') { sessionEnded(); return; }
      data = null;
      byId('scrutins-erreur').textContent = error.message;
    }
    await loadElection();
    byId('deconnexion').hidden = false;
    const surtitre = byId('surtitre');
    surtitre.textContent = '';
    if (data) {
      const voter = data.voter || {};
      state.voterEmail = voter.email ? String(voter.email).toLowerCase() : null;
      // « Votre espace électeur est ouvert » seulement pour un compte activé : l'accès sans
      // activation n'ouvre rien pour la prochaine fois.
      surtitre.textContent = voter.activated ? 'Votre espace électeur est ouvert\u00a0!'
        : 'Accès sans activation\u00a0: votre espace électeur n\'est pas encore activé';
      renderVoter(voter, Boolean(note));
      state.scrutins = Array.isArray(data.scrutins) ? data.scrutins : [];
      renderScrutins(state.scrutins);
    } else {
      state.scrutins = [];
    }
    renderCalendar();
    await renderVote();
    await renderConnections();
    resetClaimForm();
    show('ecran-portail');
    if (data) resumePendingClaim();
  }

  function readPendingClaim() {
    try {
      const raw = window.sessionStorage.getItem(PENDING_CLAIM);
      return raw ? JSON.parse(raw) : null;
    } catch (_) {
      return null;
    }
  }

  function forgetPendingClaim() {
    try { window.sessionStorage.removeItem(PENDING_CLAIM); } catch (_) { /* stockage indisponible */ }
  }

  // Garde le contenu du formulaire de réclamation et sa clé pour l'envoyer après la reconnexion.
  function keepPendingClaim() {
    const form = byId('form-reclamation');
    const pending = {
      voter: state.voterEmail,
      key: state.claimKey,
      category: value(form, 'category'),
      scrutin_id: value(form, 'scrutin_id'),
      text: value(form, 'text'),
    };
    try {
      window.sessionStorage.setItem(PENDING_CLAIM, JSON.stringify(pending));
      return true;
    } catch (_) {
      return false;
    }
  }

  // Après une reconnexion du même électeur : remplit le formulaire et l'envoie avec la même clé.
  // Un autre électeur dans le même onglet ne la voit jamais.
  function resumePendingClaim() {
    const pending = readPendingClaim();
    if (!pending) return;
    if (!pending.voter || pending.voter !== state.voterEmail || !pending.key) {
      forgetPendingClaim();
      return;
    }
    const form = byId('form-reclamation');
    if (form.hidden) { forgetPendingClaim(); return; }
    form.elements.namedItem('category').value = pending.category || '';
    const scrutin = form.elements.namedItem('scrutin_id');
    scrutin.value = pending.scrutin_id || '';
    form.elements.namedItem('text').value = pending.text || '';
    updateCounter();
    state.claimKey = pending.key;
    announce('La réclamation saisie avant la fin de votre session est envoyée.');
    form.requestSubmit();
  }

  // Le message d'entrée (activation, accès sans activation, réassort) tient lieu de statut.
  function renderVoter(voter, hasNote) {
    byId('electeur').textContent = voterName(voter) + (voter.email ? ' – ' + voter.email : '');
    const status = byId('statut-compte');
    if (hasNote) {
      status.textContent = '';
    } else if (voter.activated) {
      status.className = 'message message-succes';
      status.textContent = 'Votre compte est activé.';
    } else {
      status.className = 'message message-attention';
      status.textContent = 'Votre compte n\'est pas activé : lors de votre prochaine connexion, '
        + 'demandez un nouveau lien depuis l\'accueil (« Accéder à mon espace électeur ») pour créer '
        + 'votre mot de passe et activer votre compte.';
    }
  }

  function renderCalendar() {
    const list = byId('calendrier');
    list.replaceChildren();
    const e = state.election;
    const c = (e && e.calendar) || {};
    const items = [];
    if (c.voting_opens_at && c.voting_closes_at) {
      items.push('Vote électronique : du ' + formatDate(c.voting_opens_at) + ' au ' + formatDate(c.voting_closes_at) + ' (heure de Paris).');
    }
    if (c.claim_deadline) {
      items.push('Réclamations sur les listes : jusqu\'au ' + formatDate(c.claim_deadline) + '.');
    }
    items.push('Votre mot de passe Élections vous sera demandé au moment du vote : conservez-le bien.');
    items.push('En cas de perte du mot de passe, demandez un réassort depuis l\'accueil avec votre question défi.');
    for (const text of items) {
      const li = document.createElement('li');
      li.textContent = text;
      list.append(li);
    }
  }

  // Les dernières connexions (GET /api/session) : le titulaire du compte y remarque une connexion
  // qui n'est pas la sienne.
  async function renderConnections() {
    const list = byId('connexions');
    list.replaceChildren();
    let data;
    try {
      data = await api('GET', '/api/session');
    } catch (error) {
      list.append(el('li', { text: 'Vos dernières connexions ne peuvent pas être affichées pour le moment.' }));
      return;
    }
    const connections = Array.isArray(data.last_connections) ? data.last_connections : [];
    if (!connections.length) list.append(el('li', { text: 'Aucune connexion enregistrée.' }));
    for (const c of connections) {
      const when = el('time', { datetime: c.at, text: formatDate(c.at) });
      list.append(el('li', { class: 'connexion' }, [when, document.createTextNode(' : ' + (c.label || ''))]));
    }
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [key, val] of Object.entries(props)) {
        if (key === 'text') node.textContent = val;
        else if (key === 'class') node.className = val;
        else node.setAttribute(key, val);
      }
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function renderScrutins(scrutins) {
    const container = byId('scrutins');
    container.replaceChildren();
    if (!scrutins.length) {
      container.append(el('p', { text: 'Aucun scrutin n\'est associé à votre compte.' }));
    }
    scrutins.forEach((scrutin, index) => {
      const titleId = 'scrutin-' + index + '-titre';
      const panelId = 'scrutin-' + index + '-liste';
      const article = el('article', { class: 'scrutin carte', 'aria-labelledby': titleId });
      article.append(el('h3', { id: titleId, text: scrutin.name }));
      if (scrutin.description) article.append(el('p', { class: 'aide', text: scrutin.description }));

      const lists = (scrutin.candidate_lists || []).slice().sort((a, b) => a.order - b.order);
      article.append(el('h4', { text: 'Listes de candidats' }));
      if (!lists.length) {
        article.append(el('p', { text: 'Aucune liste de candidats n\'est encore publiée pour ce scrutin.' }));
      } else {
        const ol = el('ol', { class: 'listes-candidats' });
        for (const list of lists) {
          const candidates = (list.candidates || []).slice().sort((a, b) => a.rank - b.rank);
          const summaryText = 'Liste n° ' + list.order + ' : ' + list.name
            + (list.organisation && !list.name.includes(list.organisation) ? ' (' + list.organisation + ')' : '')
            + ' – ' + candidates.length + (candidates.length > 1 ? ' candidats' : ' candidat');
          const people = el('ol', { class: 'candidats' });
          for (const c of candidates) people.append(el('li', { text: voterName(c) }));
          ol.append(el('li', null, [el('details', null, [el('summary', { text: summaryText }), people])]));
        }
        article.append(ol);
      }

      const toggle = el('button', {
        class: 'bouton bouton-secondaire', type: 'button', 'aria-expanded': 'false', 'aria-controls': panelId,
        text: 'Consulter la liste électorale',
      });
      const panel = el('div', { id: panelId, class: 'liste-electorale' });
      panel.hidden = true;
      const searchId = 'scrutin-' + index + '-recherche';
      const search = el('form', { class: 'recherche-liste', role: 'search', 'aria-label': 'Rechercher dans la liste électorale – ' + scrutin.name }, [
        el('label', { for: searchId, text: 'Rechercher un électeur par son nom' }),
        el('div', { class: 'recherche-ligne' }, [
          el('input', { id: searchId, name: 'q', type: 'search', maxlength: '100', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': searchId + '-aide' }),
          el('button', { class: 'bouton bouton-secondaire', type: 'submit', text: 'Rechercher' }),
        ]),
        el('p', { id: searchId + '-aide', class: 'aide', text: 'Au moins deux lettres du début du nom de famille ; les majuscules, les accents et les espaces ne comptent pas.' }),
      ]);
      search.noValidate = true;
      const results = el('div', { class: 'liste-resultats' });
      panel.append(search, results);
      const view = { scrutin, panel: results, cursors: [null], page: 0, loaded: false, query: '' };
      search.addEventListener('submit', (event) => {
        event.preventDefault();
        const q = search.elements.namedItem('q').value.trim();
        view.query = q;
        view.cursors = [null];
        loadElectoralPage(view, 0, true);
      });
      toggle.addEventListener('click', () => {
        const open = toggle.getAttribute('aria-expanded') === 'true';
        toggle.setAttribute('aria-expanded', String(!open));
        toggle.textContent = open ? 'Consulter la liste électorale' : 'Masquer la liste électorale';
        panel.hidden = open;
        if (!open && !view.loaded) loadElectoralPage(view, 0, false);
      });
      article.append(toggle, panel);
      container.append(article);
    });

    const select = byId('reclamation-scrutin');
    select.replaceChildren(select.options[0]);
    for (const s of scrutins) select.append(el('option', { value: s.id, text: s.name }));
  }

  async function loadElectoralPage(view, page, moveFocus) {
    const { scrutin, panel } = view;
    panel.setAttribute('aria-busy', 'true');
    const status = el('p', { class: 'chargement', text: 'Chargement de la liste électorale…' });
    panel.replaceChildren(status);
    let data;
    try {
      const cursor = view.cursors[page];
      const query = '?limit=' + ELECTORAL_LIST_PAGE + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '')
        + (view.query ? '&q=' + encodeURIComponent(view.query) : '');
      data = await api('GET', '/api/scrutins/' + encodeURIComponent(scrutin.id) + '/electeurs' + query);
    } catch (error) {
      panel.removeAttribute('aria-busy');
      if (error.code === 'unauthenticated') { sessionEnded(); return; }
      const retry = el('button', { class: 'bouton bouton-secondaire', type: 'button', text: 'Réessayer' });
      retry.addEventListener('click', () => loadElectoralPage(view, page, true));
      const problem = el('p', { class: 'message message-attention', role: 'alert', text: error.message });
      if (error.field === 'q') panel.replaceChildren(problem);
      else panel.replaceChildren(problem, retry);
      return;
    }
    view.loaded = true;
    view.page = page;
    if (data.next_cursor) view.cursors[page + 1] = data.next_cursor;
    else view.cursors.length = page + 1;

    const rows = (data.electeurs || []).map((e) => el('tr', null, [
      el('td', { text: e.civility || '' }),
      el('td', { text: e.last_name || '' }),
      el('td', { text: e.first_name || '' }),
    ]));
    const first = page * ELECTORAL_LIST_PAGE + 1;
    const last = page * ELECTORAL_LIST_PAGE + rows.length;
    const searching = Boolean(view.query);
    const total = Number.isInteger(data.total) ? data.total : null;
    const pages = total !== null && !searching ? Math.max(1, Math.ceil(total / ELECTORAL_LIST_PAGE)) : null;
    const caption = 'Liste électorale – ' + scrutin.name
      + (searching ? ' : noms commençant par « ' + view.query + ' »' : '')
      + (rows.length ? ' (' + (searching ? 'résultats ' : 'électeurs ') + first + ' à ' + last + ')' : '');
    const summary = el('p', { class: 'total-liste' });
    summary.textContent = (total !== null
      ? total.toLocaleString('fr-FR') + (total > 1 ? ' électeurs inscrits' : ' électeur inscrit') + ' sur cette liste.'
      : '')
      + (searching ? ' Recherche «\u00a0' + view.query + '\u00a0»\u00a0: ' + (rows.length || data.next_cursor
        ? 'page ' + (page + 1) + (data.next_cursor ? ', d\'autres résultats suivent.' : '.')
        : 'aucun électeur trouvé.') : '');
    const table = el('table', { class: 'tableau' }, [
      el('caption', { text: caption }),
      el('thead', null, [el('tr', null, [
        el('th', { scope: 'col', text: 'Civilité' }),
        el('th', { scope: 'col', text: 'Nom' }),
        el('th', { scope: 'col', text: 'Prénom' }),
      ])]),
      el('tbody', null, rows),
    ]);
    const nav = el('div', { class: 'pagination' });
    const previous = el('button', { class: 'bouton bouton-secondaire', type: 'button', text: 'Page précédente' });
    const next = el('button', { class: 'bouton bouton-secondaire', type: 'button', text: 'Page suivante' });
    previous.disabled = page === 0;
    next.disabled = !data.next_cursor;
    previous.addEventListener('click', () => loadElectoralPage(view, page - 1, true));
    next.addEventListener('click', () => loadElectoralPage(view, page + 1, true));
    const pageText = 'Page ' + (page + 1) + (pages ? ' sur ' + pages : '');
    nav.append(previous, el('span', { class: 'page', tabindex: '-1', text: pageText }), next);
    const parts = [summary, rows.length ? table : el('p', { text: searching ? 'Aucun électeur de cette liste n\'a un nom commençant ainsi.' : 'Aucun électeur sur cette page.' })];
    if (searching) {
      const all = el('button', { class: 'bouton bouton-secondaire', type: 'button', text: 'Revenir à toute la liste' });
      all.addEventListener('click', () => {
        view.query = '';
        view.cursors = [null];
        view.panel.parentElement.querySelector('input[name="q"]').value = '';
        loadElectoralPage(view, 0, true);
      });
      parts.push(all);
    }
    if (rows.length || page > 0) parts.push(nav);
    panel.replaceChildren(...parts);
    panel.removeAttribute('aria-busy');
    // Le bouton cliqué vient d'être remplacé : on place le focus sur le tableau de la nouvelle page.
    if (moveFocus) {
      table.setAttribute('tabindex', '-1');
      if (rows.length) {
        table.focus();
      } else {
        summary.setAttribute('tabindex', '-1');
        summary.focus();
      }
    }
  }

  function resetClaimForm() {
    const form = byId('form-reclamation');
    const closed = state.election && state.election.claims_open === false;
    byId('reclamation-close').textContent = closed
      ? 'La période de réclamation est close. Pour toute difficulté d\'accès au portail, utilisez l\'aide en ligne.'
      : '';
    form.reset();
    clearErrors(form);
    form.hidden = Boolean(closed);
    byId('reclamation-recue').hidden = true;
    state.claimKey = null;
    updateCounter();
  }

  function updateCounter() {
    const n = charCount(byId('reclamation-texte').value);
    byId('reclamation-compteur').textContent = n + (n > 1 ? ' caractères saisis.' : ' caractère saisi.');
  }

  function newIdempotencyKey() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function wirePortal() {
    const form = onSubmit('form-reclamation', async (f) => {
      const category = value(f, 'category');
      if (!category) throw invalid('category', 'Choisissez l\'objet de votre réclamation.');
      const text = value(f, 'text').trim();
      const n = charCount(text);
      if (n < 10) throw invalid('text', 'Votre réclamation doit comporter au moins 10 caractères.');
      if (n > 4000) throw invalid('text', 'Votre réclamation doit comporter au plus 4 000 caractères.');
      const scrutinId = value(f, 'scrutin_id') || null;
      // Une clé par rédaction : un nouvel envoi du même contenu (réseau coupé, double clic)
      // réutilise la clé et ne crée pas de seconde réclamation.
      if (!state.claimKey) state.claimKey = newIdempotencyKey();
      const claim = await api('POST', '/api/claims', { category, scrutin_id: scrutinId, text },
        { 'Idempotency-Key': state.claimKey });
      state.claimKey = null;
      forgetPendingClaim();
      byId('reclamation-reference').textContent = claim.reference;
      byId('reclamation-accuse').textContent = claim.acknowledgement_mail === 'sent'
        ? 'Un accusé de réception vous a été envoyé sur votre messagerie académique.'
        : 'Un accusé de réception part vers votre messagerie académique ; notez aussi cette référence.';
      f.hidden = true;
      const done = byId('reclamation-recue');
      done.hidden = false;
      done.focus();
    });
    // Toute modification du contenu en fait une nouvelle réclamation, donc une nouvelle clé.
    form.addEventListener('input', () => { state.claimKey = null; updateCounter(); });
    form.addEventListener('change', () => { state.claimKey = null; });

    byId('nouvelle-reclamation').addEventListener('click', () => {
      resetClaimForm();
      byId('reclamation-categorie').focus();
    });

    const logout = byId('deconnexion');
    logout.addEventListener('click', async () => {
      if (logout.disabled) return;
      logout.disabled = true;
      try {
        await api('POST', '/api/logout');
        forgetPendingClaim();
        leavePortal();
        announce('Vous êtes déconnecté(e). À bientôt sur votre portail Élections.');
        showHome();
      } catch (error) {
        announce(error.message);
      } finally {
        logout.disabled = false;
      }
    });
  }

  function leavePortal() {
    leaveBallot();
    vote.status = [];
    byId('vote-scrutins').replaceChildren();
    byId('bloc-vote').hidden = true;
    state.scrutins = [];
    state.claimKey = null;
    state.voterEmail = null;
    byId('scrutins').replaceChildren();
    byId('electeur').textContent = '';
    byId('note-entree').textContent = '';
  }

  function sessionEnded(message) {
    leavePortal();
    history.replaceState(null, '', '/');
    announce(message || 'Votre session a expiré ou a été fermée. Veuillez vous reconnecter.');
    showHome();
  }

  // La session est vérifiée sans faire attendre l'accueil : un électeur déjà connecté est mené à
  // son portail dès la réponse ; un visiteur non connecté ne voit aucun message, même si la
  // vérification est lente ou échoue.
  async function checkSession() {
    try {
      await api('GET', '/api/session');
    } catch (_) {
      return;
    }
    const home = byId('ecran-accueil');
    const typing = home.contains(document.activeElement) && document.activeElement.tagName === 'INPUT'
      && document.activeElement.value;
    if (home.hidden || typing || document.querySelector('form[data-occupe]')) return;
    await enterPortal('');
  }

  // ---------------------------------------------------------------------------------------------
  // Vote : le bulletin est construit et chiffré dans un travailleur (assets/vote-worker.js, sur
  // assets/ballot.js) ; seul le bulletin chiffré et signé part vers l'API, jamais le code de vote.

  const BOARD_PAGE = 50;
  const CODE_LENGTH_MESSAGE = 'Le code de vote comporte 16 lettres et chiffres, par exemple 7KQ2-M4XD-0111-9ZZZ : vérifiez votre saisie.';
  const CODE_CHARACTER_MESSAGE = 'Le code de vote ne comporte que des chiffres et des lettres (sans U ni accent) : vérifiez votre saisie.';
  const RECORD_MISMATCH_MESSAGE = 'Le dossier de l\'élection reçu ne correspond pas à son empreinte publiée : par précaution, '
    + 'aucun bulletin ne peut être préparé. Rechargez la page ; si le problème persiste, signalez-le par une réclamation.';
  const NO_WORKER_MESSAGE = 'Votre navigateur ne permet pas de préparer le bulletin chiffré. Utilisez une version récente '
    + 'de votre navigateur, puis réessayez.';

  const vote = {
    election: null, // GET /api/vote/election
    record: null, // le dossier relu par le travailleur : { election, fingerprint, publicKey, scrutins }
    recordProblem: null,
    status: [], // GET /api/vote/status
    scrutin: null, // le scrutin du bulletin en cours
    pending: null, // { scrutin, name, choice, label, ballot, tracker, key }
    worker: null,
    nextId: 0,
    waiting: new Map(),
  };

  // La version des ressources, lue dans l'adresse de ce script (?v=…), pour celle du travailleur.
  const ASSET_QUERY = (() => {
    const script = document.querySelector('script[src^="/assets/portal.js"]');
    const version = script && new URL(script.src, window.location.href).searchParams.get('v');
    return version ? '?v=' + encodeURIComponent(version) : '';
  })();

  function voteWorker() {
    if (!vote.worker) {
      const worker = new Worker('/assets/vote-worker.js' + ASSET_QUERY, { type: 'module' });
      worker.addEventListener('message', (event) => {
        const reply = event.data || {};
        const waiting = vote.waiting.get(reply.id);
        if (!waiting) return;
        if (reply.type === 'progress') {
          if (waiting.progress) waiting.progress(reply.done, reply.total);
          return;
        }
        vote.waiting.delete(reply.id);
        waiting.resolve(reply);
      });
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        for (const waiting of vote.waiting.values()) waiting.resolve({ ok: false, kind: 'worker' });
        vote.waiting.clear();
        vote.worker = null;
      });
      vote.worker = worker;
    }
    return vote.worker;
  }

  // Une demande au travailleur ; la réponse est { ok: true, … } ou { ok: false, kind }.
  function askWorker(message, progress) {
    return new Promise((resolve) => {
      if (typeof Worker !== 'function') {
        resolve({ ok: false, kind: 'worker' });
        return;
      }
      const id = ++vote.nextId;
      vote.waiting.set(id, { resolve, progress });
      try {
        voteWorker().postMessage(Object.assign({ id }, message));
      } catch (_) {
        vote.waiting.delete(id);
        resolve({ ok: false, kind: 'worker' });
      }
    });
  }

  async function loadVoteElection() {
    try {
      vote.election = await api('GET', '/api/vote/election');
    } catch (_) {
      vote.election = null;
    }
    return vote.election;
  }

  // Relit le dossier publié dans le travailleur : son empreinte (SHA-256 du texte) doit être celle
  // annoncée, sinon aucun bulletin n'est construit.
  async function checkRecord(election) {
    vote.record = null;
    vote.recordProblem = null;
    if (!election || typeof election.record !== 'string') return null;
    const reply = await askWorker({ type: 'record', record: election.record, fingerprint: election.fingerprint });
    if (reply.ok) {
      vote.record = reply;
    } else {
      vote.recordProblem = reply.kind === 'worker' ? NO_WORKER_MESSAGE : RECORD_MISMATCH_MESSAGE;
    }
    return vote.record;
  }

  function votingOpen(election) {
    return Boolean(election) && (election.state === 'open' || election.state === 'grace');
  }

  function votePeriodText(e) {
    const closes = e.voting_closes_at ? formatDate(e.voting_closes_at) : '';
    if (e.state === 'before') {
      return 'Le vote électronique ouvrira le ' + formatDate(e.voting_opens_at) + ' et fermera le ' + closes
        + ' (heure de Paris).';
    }
    if (e.state === 'open') return 'Le vote électronique est ouvert jusqu\'au ' + closes + ' (heure de Paris).';
    if (e.state === 'grace') {
      return 'Le vote électronique est clos depuis le ' + closes + ' (heure de Paris). Un électeur connecté avant '
        + 'la clôture dispose encore de 30 minutes pour terminer son vote.';
    }
    return 'Le vote électronique est clos depuis le ' + closes + ' (heure de Paris).'
      + (e.results ? ' Les résultats sont publiés sur l\'urne électronique publique.' : '');
  }

  // Le bloc « Voter » de la page d'accueil du portail : un bouton par scrutin, ou « A voté ».
  async function renderVote() {
    const block = byId('bloc-vote');
    const list = byId('vote-scrutins');
    const problem = byId('vote-erreur');
    list.replaceChildren();
    problem.textContent = '';
    const e = await loadVoteElection();
    if (!e || !e.state || e.state === 'unpublished') {
      block.hidden = true;
      return;
    }
    block.hidden = false;
    byId('vote-periode').textContent = votePeriodText(e);
    const open = votingOpen(e);
    byId('vote-consigne').hidden = !open;
    let status;
    try {
      status = await api('GET', '/api/vote/status');
    } catch (error) {
      if (error.code === 'unauthenticated') { sessionEnded(); return; }
      problem.textContent = error.message;
      return;
    }
    vote.status = Array.isArray(status && status.scrutins) ? status.scrutins : [];
    if (open) {
      await checkRecord(e);
      if (vote.recordProblem) problem.textContent = vote.recordProblem;
    }
    if (!vote.status.length) {
      list.append(el('li', { text: 'Vous n\'êtes électeur d\'aucun scrutin de ce vote.' }));
    }
    const lost = byId('code-perdu');
    lost.hidden = !open || !vote.status.some((s) => !s.voted);
    lost.open = false;
    byId('form-code-perdu').hidden = false;
    clearErrors(byId('form-code-perdu'));
    byId('code-perdu-envoye').hidden = true;
    vote.status.forEach((s, index) => {
      const nameId = 'vote-scrutin-' + index;
      const item = el('li', { class: 'vote-scrutin' }, [el('span', { id: nameId, class: 'vote-nom', text: s.name || s.id })]);
      if (s.voted) {
        item.append(el('span', { class: 'a-vote', text: 'A voté' }));
      } else if (open && vote.record) {
        const button = el('button', { class: 'bouton', type: 'button', text: 'Voter', 'aria-describedby': nameId });
        button.addEventListener('click', () => openBallot(s));
        item.append(button);
      } else if (!open) {
        item.append(el('span', { class: 'aide', text: e.state === 'before' ? 'Vote pas encore ouvert' : 'Vote clos' }));
      }
      list.append(item);
    });
  }

  function choiceLabel(scrutinId, choice) {
    if (choice === 'blanc') return 'Vote blanc';
    const scrutin = state.scrutins.find((s) => s.id === scrutinId);
    const list = scrutin && (scrutin.candidate_lists || []).find((l) => l.id === choice);
    if (!list) return choice;
    return 'Liste n° ' + list.order + ' : ' + list.name
      + (list.organisation && !list.name.includes(list.organisation) ? ' (' + list.organisation + ')' : '');
  }

  function setVoteState(text, progress) {
    byId('vote-etat').textContent = text || '';
    const bar = byId('vote-progression');
    bar.hidden = progress === undefined;
    if (progress !== undefined) bar.value = progress;
  }

  // L'écran de vote d'un scrutin : ses listes (avec leurs candidats) et le vote blanc, puis le code.
  function openBallot(status) {
    const record = vote.record && vote.record.scrutins.find((s) => s.id === status.id);
    if (!record) {
      byId('vote-erreur').textContent = 'Ce scrutin ne figure pas dans le dossier de l\'élection : le vote y est impossible.';
      return;
    }
    const name = status.name || record.name;
    vote.scrutin = { id: status.id, name, choices: record.choices };
    vote.pending = null;
    const scrutin = state.scrutins.find((s) => s.id === status.id);
    const options = byId('vote-options');
    options.replaceChildren();
    record.choices.forEach((choice, index) => {
      const id = index === 0 ? 'vote-choix' : 'vote-choix-' + index;
      const input = el('input', { id, type: 'radio', name: 'choice', value: choice });
      const row = el('div', { class: 'option-vote' }, [input, el('label', { for: id, text: choiceLabel(status.id, choice) })]);
      const list = choice !== 'blanc' && scrutin && (scrutin.candidate_lists || []).find((l) => l.id === choice);
      if (list) {
        const candidates = (list.candidates || []).slice().sort((a, b) => a.rank - b.rank);
        const people = el('ol', { class: 'candidats' });
        for (const c of candidates) people.append(el('li', { text: voterName(c) }));
        row.append(el('details', { class: 'candidats-liste' }, [
          el('summary', { text: 'Voir les ' + candidates.length + (candidates.length > 1 ? ' candidats' : ' candidat') + ' de la liste n° ' + list.order }),
          people,
        ]));
      }
      options.append(row);
    });
    const form = byId('form-vote');
    form.reset();
    clearErrors(form);
    form.hidden = false;
    byId('vote-confirmation').hidden = true;
    setVoteState('');
    byId('vote-titre').textContent = 'Voter – ' + name;
    byId('ecran-vote').dataset.titre = 'Voter – ' + name;
    byId('vote-dossier').replaceChildren('Empreinte du dossier de l\'élection, vérifiée par votre navigateur : ',
      el('code', { class: 'empreinte', text: vote.record.fingerprint }));
    show('ecran-vote');
  }

  function leaveBallot() {
    vote.pending = null;
    vote.scrutin = null;
    const form = byId('form-vote');
    form.reset();
    byId('vote-options').replaceChildren();
    setVoteState('');
  }

  async function buildBallot(form) {
    const choice = value(form, 'choice');
    if (!choice) throw invalid('choice', 'Choisissez une liste de candidats ou le vote blanc.');
    const code = value(form, 'code').replace(/\s+/g, ' ').trim();
    if (!code) throw invalid('code', 'Saisissez votre code de vote : il figure sur votre notice de vote.');
    const e = vote.election;
    const scrutin = vote.scrutin;
    setVoteState('Chiffrement de votre bulletin dans votre navigateur…', 0);
    const started = performance.now();
    const reply = await askWorker(
      { type: 'ballot', record: e.record, fingerprint: e.fingerprint, scrutin: scrutin.id, choice, code },
      (done, total) => { byId('vote-progression').value = total ? done / total : 0; },
    );
    const elapsed = performance.now() - started;
    setVoteState('');
    if (!reply.ok) {
      if (reply.kind === 'code') {
        throw invalid('code', /16/.test(reply.reason || '') ? CODE_LENGTH_MESSAGE : CODE_CHARACTER_MESSAGE);
      }
      if (reply.kind === 'fingerprint') throw new ApiError(0, 'client', RECORD_MISMATCH_MESSAGE);
      if (reply.kind === 'worker') throw new ApiError(0, 'client', NO_WORKER_MESSAGE);
      throw new ApiError(0, 'client', 'Votre bulletin n\'a pas pu être préparé. Rechargez la page puis réessayez.');
    }
    vote.pending = {
      scrutin: scrutin.id,
      name: scrutin.name,
      choice,
      label: choiceLabel(scrutin.id, choice),
      ballot: reply.ballot,
      tracker: reply.tracker,
      // Une clé par bulletin : un nouvel envoi du même bulletin (réponse perdue) n'en fait pas un
      // second vote, et le portail rend le même accusé.
      key: newIdempotencyKey(),
    };
    byId('vote-resume-scrutin').textContent = scrutin.name;
    byId('vote-resume-choix').textContent = vote.pending.label;
    byId('vote-empreinte').textContent = reply.tracker;
    const panel = byId('vote-confirmation');
    panel.dataset.chiffrementMs = elapsed.toFixed(1);
    clearErrors(byId('form-validation'));
    form.hidden = true;
    panel.hidden = false;
    announce('');
    byId('vote-confirmation-titre').focus();
  }

  function backToChoice(focusId) {
    vote.pending = null;
    byId('vote-confirmation').hidden = true;
    const form = byId('form-vote');
    form.hidden = false;
    if (focusId) byId(focusId).focus();
  }

  async function castBallot(form) {
    const pending = vote.pending;
    if (!pending) throw new ApiError(0, 'client', 'Préparez d\'abord votre bulletin.');
    const send = () => api('POST', '/api/vote', { ballot: pending.ballot }, { 'Idempotency-Key': pending.key });
    let receipt;
    try {
      // Une réponse perdue : le même bulletin est renvoyé une fois, avec la même clé ; le portail
      // rend alors l'accusé du vote déjà enregistré, jamais un second vote.
      try {
        receipt = await send();
      } catch (error) {
        // `conflict` : une autre demande du même vote était en cours ; la même réponse suit.
        if (!retryable(error) && !(error instanceof ApiError && error.code === 'conflict')) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
        receipt = await send();
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === 'unauthenticated') {
        leaveBallot();
        sessionEnded('Votre session a expiré ou a été fermée : votre vote n\'a pas été enregistré. '
          + 'Reconnectez-vous pour voter.');
        return;
      }
      if (error.code === 'unknown_credential') {
        backToChoice();
        showError(byId('form-vote'), invalid('code', error.message
          || 'Ce code de vote n\'est pas valable pour ce scrutin : vérifiez votre notice de vote.'));
        return;
      }
      if (error.code === 'already_voted') {
        leaveBallot();
        await enterPortal(error.message || 'Vous avez déjà voté à ce scrutin.', true);
        return;
      }
      if (error.code === 'network' || error.status >= 500) {
        throw new ApiError(error.status, error.code, 'Le service ne répond pas : votre vote n\'est peut-être pas '
          + 'enregistré. Cliquez à nouveau sur « Valider définitivement mon vote » : le même bulletin sera '
          + 'renvoyé et ne comptera qu\'une fois.');
      }
      throw error;
    }
    form.reset();
    showReceipt(pending, receipt || {});
  }

  function boardLink(scrutin, tracker) {
    return '/urne#' + new URLSearchParams({ scrutin, empreinte: tracker }).toString();
  }

  function showReceipt(pending, receipt) {
    const tracker = receipt.tracker || pending.tracker;
    byId('recu-scrutin').textContent = pending.name;
    byId('recu-empreinte').textContent = tracker;
    byId('recu-dossier').textContent = receipt.fingerprint || (vote.record && vote.record.fingerprint) || '';
    byId('recu-attention').textContent = receipt.tracker && receipt.tracker !== pending.tracker
      ? 'L\'empreinte enregistrée diffère de celle affichée avant la validation : signalez-le par une réclamation.'
      : '';
    byId('recu-lien-urne').href = boardLink(pending.scrutin, tracker);
    leaveBallot();
    show('ecran-recu');
  }

  // Un code de vote perdu : la demande, confirmée par la question défi, part vers l'autorité qui
  // fait les codes ; le nouveau code arrive comme la notice.
  function wireLostCode() {
    const details = byId('code-perdu');
    details.addEventListener('toggle', async () => {
      if (!details.open || details.dataset.questions) return;
      try {
        const result = await api('GET', '/api/questions');
        fillQuestions(byId('code-perdu-question'), result.questions);
        details.dataset.questions = '1';
      } catch (error) {
        showError(byId('form-code-perdu'), error);
      }
    });
    onSubmit('form-code-perdu', async (form) => {
      const questionId = checkQuestion(form);
      const answer = checkAnswer(form);
      const result = await api('POST', '/api/vote/code', { question_id: questionId, answer });
      form.reset();
      form.hidden = true;
      const done = byId('code-perdu-envoye');
      done.textContent = (result && result.message) || 'Votre demande de nouveau code de vote est enregistrée.';
      done.hidden = false;
      done.focus();
    });
  }

  function wireVote() {
    wireLostCode();
    onSubmit('form-vote', buildBallot);
    onSubmit('form-validation', castBallot);
    byId('vote-modifier').addEventListener('click', () => backToChoice('vote-choix'));
    byId('vote-retour').addEventListener('click', () => {
      leaveBallot();
      busy(byId('form-vote'), () => enterPortal(''));
    });
    byId('recu-imprimer').addEventListener('click', () => window.print());
    byId('recu-retour').addEventListener('click', () => enterPortal(''));
  }

  // ---------------------------------------------------------------------------------------------
  // L'urne électronique publique (/urne, sans session) : empreintes des bulletins par scrutin,
  // recherche de son empreinte, dossier de l'élection et, après le dépouillement, les résultats.

  const TRACKER_PATTERN = /^[A-Za-z0-9_-]{43}$/;

  async function showBoard() {
    byId('deconnexion').hidden = true;
    show('ecran-urne', { focus: false });
    const problem = byId('urne-erreur');
    problem.textContent = '';
    // Connecté, l'électeur voit les noms des listes de ses scrutins plutôt que leurs identifiants.
    try {
      const data = await api('GET', '/api/scrutins');
      state.scrutins = Array.isArray(data && data.scrutins) ? data.scrutins : [];
    } catch (_) { /* sans session : les identifiants des listes */ }
    let e;
    try {
      e = await api('GET', '/api/vote/election');
    } catch (error) {
      problem.textContent = error.status === 404
        ? 'L\'urne électronique n\'est pas encore ouverte.'
        : 'L\'urne électronique ne peut pas être affichée pour le moment. ' + error.message;
      return;
    }
    if (!e || e.state === 'unpublished' || typeof e.record !== 'string') {
      problem.textContent = 'Le dossier de l\'élection n\'est pas encore publié.';
      return;
    }
    vote.election = e;
    let record = null;
    try { record = JSON.parse(e.record); } catch (_) { record = null; }
    const checked = await checkRecord(e);
    renderRecord(e, record, checked);
    const scrutins = (record && Array.isArray(record.scrutins)) ? record.scrutins : [];
    const select = byId('urne-scrutin');
    select.replaceChildren(select.options[0]);
    for (const s of scrutins) select.append(el('option', { value: s.id, text: s.name || s.id }));
    renderResults(e.results, scrutins);
    const container = byId('urne-scrutins');
    container.replaceChildren();
    for (const [index, s] of scrutins.entries()) {
      const titleId = 'urne-scrutin-' + index + '-titre';
      const article = el('article', { class: 'scrutin carte', 'aria-labelledby': titleId }, [
        el('h3', { id: titleId, text: s.name || s.id }),
      ]);
      const panel = el('div', { class: 'urne-bulletins' });
      article.append(panel);
      container.append(article);
      const view = { scrutin: s, panel, cursors: [null], page: 0 };
      loadBoardPage(view, 0, false);
    }
    const wanted = new URLSearchParams(window.location.hash.replace(/^#/, ''));
    if (wanted.get('scrutin') || wanted.get('empreinte')) {
      select.value = wanted.get('scrutin') || '';
      byId('urne-empreinte').value = wanted.get('empreinte') || '';
      history.replaceState(null, '', '/urne');
      byId('form-urne').requestSubmit();
    } else {
      byId('ecran-urne').querySelector('h1').focus();
    }
  }

  function renderRecord(e, record, checked) {
    byId('urne-election').textContent = (record && (record.name || record.election)) || '';
    byId('urne-dossier-empreinte').textContent = e.fingerprint || '';
    byId('urne-cle').textContent = (record && record.public_key) || '';
    const seal = e.seal && typeof e.seal.digest === 'string' ? e.seal : null;
    byId('urne-sceau-titre').hidden = !seal;
    byId('urne-sceau').hidden = !seal;
    byId('urne-sceau-empreinte').textContent = seal ? seal.digest : '';
    byId('urne-sceau-date').textContent = seal && seal.closed_at
      ? 'Urne close et scellée le ' + formatDate(seal.closed_at) + ' (heure de Paris).' : '';
    const verdict = byId('urne-verification');
    if (checked) {
      verdict.className = 'message message-succes';
      verdict.textContent = 'Votre navigateur a recalculé l\'empreinte du dossier reçu : elle est identique à l\'empreinte publiée.';
    } else {
      verdict.className = 'message message-attention';
      verdict.textContent = vote.recordProblem === NO_WORKER_MESSAGE
        ? 'Votre navigateur n\'a pas pu recalculer l\'empreinte du dossier.'
        : 'L\'empreinte recalculée par votre navigateur diffère de l\'empreinte publiée : ce dossier n\'est pas celui qui a été scellé.';
    }
    const link = byId('urne-telecharger');
    if (link.dataset.url) URL.revokeObjectURL(link.dataset.url);
    const url = URL.createObjectURL(new Blob([e.record], { type: 'application/json' }));
    link.dataset.url = url;
    link.href = url;
    link.hidden = false;
  }

  function formatCount(n) {
    return Number.isFinite(n) ? n.toLocaleString('fr-FR') : '–';
  }

  // Les résultats (type Results du module `vote`) : par scrutin, les voix de chaque liste, les
  // votes blancs, les bulletins, les inscrits et la participation.
  function renderResults(results, scrutins) {
    const section = byId('urne-resultats');
    const container = byId('urne-resultats-scrutins');
    container.replaceChildren();
    if (!results || !Array.isArray(results.scrutins) || !results.scrutins.length) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    byId('urne-resultats-note').textContent = results.closed_at
      ? 'Urne close et scellée le ' + formatDate(results.closed_at) + ' (heure de Paris). Dépouillement vérifiable à partir du fichier de l\'urne.'
      : '';
    for (const r of results.scrutins) {
      const name = r.name || ((scrutins.find((s) => s.id === r.id) || {}).name) || r.id;
      const lists = Array.isArray(r.lists) ? r.lists : [];
      const expressed = lists.reduce((sum, l) => sum + (Number(l.votes) || 0), 0);
      const choices = (scrutins.find((s) => s.id === r.id) || {}).choices || [];
      // Sans session, les noms des listes ne sont pas connus : leur numéro sur le bulletin.
      const label = (id) => {
        const known = choiceLabel(r.id, id);
        const at = choices.indexOf(id);
        return known === id && at >= 0 ? 'Liste n° ' + (at + 1) + ' (' + id + ')' : known;
      };
      const rows = lists.map((l) => el('tr', null, [
        el('th', { scope: 'row', text: label(l.id) }),
        el('td', { text: formatCount(l.votes) }),
        el('td', { text: expressed ? (100 * l.votes / expressed).toLocaleString('fr-FR', { maximumFractionDigits: 2 }) + ' %' : '–' }),
      ]));
      const table = el('table', { class: 'tableau tableau-resultats' }, [
        el('caption', { text: 'Résultats – ' + name }),
        el('thead', null, [el('tr', null, [
          el('th', { scope: 'col', text: 'Liste' }),
          el('th', { scope: 'col', text: 'Voix' }),
          el('th', { scope: 'col', text: 'Part des voix' }),
        ])]),
        el('tbody', null, rows),
      ]);
      const turnout = Number(r.turnout);
      const figures = el('dl', { class: 'resume' }, [
        el('dt', { text: 'Votes blancs' }), el('dd', { text: formatCount(r.blanks) }),
        el('dt', { text: 'Bulletins dans l\'urne' }), el('dd', { text: formatCount(r.ballots) }),
        el('dt', { text: 'Électeurs inscrits' }), el('dd', { text: formatCount(r.registered) }),
        el('dt', { text: 'Participation' }),
        el('dd', { text: Number.isFinite(turnout) ? turnout.toLocaleString('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + ' %' : '–' }),
      ]);
      container.append(el('article', { class: 'carte resultat' }, [table, figures]));
    }
  }

  async function loadBoardPage(view, page, moveFocus) {
    const { scrutin, panel } = view;
    panel.setAttribute('aria-busy', 'true');
    panel.replaceChildren(el('p', { class: 'chargement', text: 'Chargement des empreintes…' }));
    let data;
    try {
      const cursor = view.cursors[page];
      data = await api('GET', '/api/board?scrutin=' + encodeURIComponent(scrutin.id) + '&limit=' + BOARD_PAGE
        + (cursor ? '&after=' + encodeURIComponent(cursor) : ''));
    } catch (error) {
      panel.removeAttribute('aria-busy');
      const retry = el('button', { class: 'bouton bouton-secondaire', type: 'button', text: 'Réessayer' });
      retry.addEventListener('click', () => loadBoardPage(view, page, true));
      panel.replaceChildren(el('p', { class: 'message message-attention', role: 'alert', text: error.message }), retry);
      return;
    }
    view.page = page;
    if (data.next) view.cursors[page + 1] = data.next;
    else view.cursors.length = page + 1;
    const trackers = Array.isArray(data.trackers) ? data.trackers : [];
    const count = Number.isInteger(data.count) ? data.count : null;
    const pages = count !== null ? Math.max(1, Math.ceil(count / BOARD_PAGE)) : null;
    const summary = el('p', { class: 'total-liste', tabindex: '-1',
      text: count === null ? '' : (count > 1 ? formatCount(count) + ' bulletins dans l\'urne.' : count + ' bulletin dans l\'urne.') });
    const parts = [summary];
    if (trackers.length) {
      const first = page * BOARD_PAGE + 1;
      const list = el('ol', { class: 'empreintes', start: String(first), 'aria-label': 'Empreintes des bulletins – ' + (scrutin.name || scrutin.id) + ', ' + first + ' à ' + (first + trackers.length - 1) });
      for (const t of trackers) list.append(el('li', null, [el('code', { text: t })]));
      parts.push(list);
    } else if (count === 0 || page === 0) {
      parts.push(el('p', { text: 'Aucun bulletin n\'est encore dans l\'urne de ce scrutin.' }));
    }
    if (trackers.length && (page > 0 || data.next)) {
      const nav = el('div', { class: 'pagination' });
      const previous = el('button', { class: 'bouton bouton-secondaire', type: 'button', text: 'Page précédente' });
      const next = el('button', { class: 'bouton bouton-secondaire', type: 'button', text: 'Page suivante' });
      previous.disabled = page === 0;
      next.disabled = !data.next;
      previous.addEventListener('click', () => loadBoardPage(view, page - 1, true));
      next.addEventListener('click', () => loadBoardPage(view, page + 1, true));
      nav.append(previous, el('span', { class: 'page', text: 'Page ' + (page + 1) + (pages ? ' sur ' + pages : '') }), next);
      parts.push(nav);
    }
    panel.replaceChildren(...parts);
    panel.removeAttribute('aria-busy');
    if (moveFocus) summary.focus();
  }

  function wireBoard() {
    onSubmit('form-urne', async (form) => {
      const result = byId('urne-trouve');
      result.className = 'message';
      result.textContent = '';
      const scrutin = value(form, 'scrutin');
      if (!scrutin) throw invalid('scrutin', 'Choisissez le scrutin de votre bulletin.');
      const tracker = value(form, 'tracker').trim();
      if (!tracker) throw invalid('tracker', 'Saisissez l\'empreinte de votre bulletin.');
      if (!TRACKER_PATTERN.test(tracker)) {
        throw invalid('tracker', 'Une empreinte comporte 43 caractères : lettres, chiffres, « - » et « _ ». Vérifiez votre saisie.');
      }
      const data = await api('GET', '/api/board?scrutin=' + encodeURIComponent(scrutin) + '&tracker=' + encodeURIComponent(tracker));
      const name = byId('urne-scrutin').selectedOptions[0].textContent;
      const shown = el('code', { class: 'empreinte', text: tracker });
      if (data && data.found) {
        result.className = 'message message-succes';
        result.replaceChildren('Votre bulletin est dans l\'urne du scrutin « ' + name + ' » : empreinte ', shown, '.');
      } else {
        result.className = 'message message-attention';
        result.replaceChildren('Aucun bulletin de l\'urne du scrutin « ' + name + ' » n\'a l\'empreinte ', shown,
          '. Vérifiez votre saisie et le scrutin ; si votre vote a été validé, signalez-le par une réclamation.');
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Mes informations pratiques : édito, foire aux questions, tutoriels (page /aide, une rubrique
  // par fragment : #edito, #faq, #parcours-electeur, #parcours-de-vote, #reassorts)

  // Les textes de l'édito et de la foire aux questions sont des données (GET /api/help, chargées
  // par electeur-admin help load) : écrits en texte, jamais en HTML.
  function loadHelp() {
    if (!state.helpRequest) {
      state.helpRequest = api('GET', '/api/help').then(renderHelp, (error) => {
        state.helpRequest = null;
        const message = el('p', { class: 'message message-attention', text:
          'Les textes de l\'aide n\'ont pas pu être chargés (' + error.message + '). Rechargez la page.' });
        for (const box of document.querySelectorAll('[data-aide-texte]')) box.replaceChildren(message.cloneNode(true));
      });
    }
    return state.helpRequest;
  }

  function renderHelp(texts) {
    byId('aide-edito-texte').replaceChildren(
      ...(texts.edito || []).map((p) => el('p', { text: p })));
    const faq = [];
    for (const entry of texts.faq || []) {
      faq.push(el('h2', { text: entry.question }));
      for (const p of entry.answer || []) faq.push(el('p', { text: p }));
      if (entry.calendar) faq.push(el('p', { id: 'aide-faq-dates' }));
    }
    byId('aide-faq-texte').replaceChildren(...faq);
    renderHelpDates();
  }

  function renderHelpDates() {
    const c = (state.election && state.election.calendar) || {};
    const dates = byId('aide-faq-dates');
    const edito = byId('aide-edito-dates');
    if (c.voting_opens_at && c.voting_closes_at) {
      const vote = 'Le vote électronique aura lieu du ' + formatDate(c.voting_opens_at) + ' au '
        + formatDate(c.voting_closes_at) + ' (heure de Paris).';
      const claims = c.claim_deadline
        ? ' Les réclamations sur les listes électorales sont reçues jusqu\'au ' + formatDate(c.claim_deadline) + '.'
        : '';
      if (dates) dates.textContent = vote + ' Il faut avoir ouvert son espace électeur pour voter.' + claims;
      edito.textContent = vote + claims;
    }
  }

  function showHelp(options) {
    const wanted = window.location.hash.replace(/^#/, '');
    const sections = Array.from(document.querySelectorAll('[data-aide]'));
    const section = sections.find((a) => a.dataset.aide === wanted) || byId('aide-faq');
    for (const a of sections) a.hidden = a !== section;
    for (const link of document.querySelectorAll('[data-aide-lien]')) {
      if (link.dataset.aideLien === section.dataset.aide) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    byId('ecran-aide').dataset.titre = section.dataset.titre;
    show('ecran-aide', options);
    const heading = section.querySelector('h1');
    if (heading && !(options && options.focus === false)) heading.focus();
    loadElection();
    loadHelp();
  }

  function wireHelp() {
    window.addEventListener('hashchange', () => {
      if (window.location.pathname === '/aide') showHelp();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Formulaire de demande d'assistance (page /assistance), avec ou sans session : avec une
  // session, la demande est celle du compte connecté et l'identifiant n'est pas demandé.

  function assistanceSession(connected) {
    state.assistanceConnected = connected;
    byId('assistance-connecte').hidden = !connected;
    byId('assistance-champ-identifiant').hidden = connected;
    byId('assistance-identifiant').disabled = connected;
  }

  function updateAssistanceCounter() {
    const n = charCount(byId('assistance-message').value);
    byId('assistance-compteur').textContent = n + (n > 1 ? ' caractères saisis.' : ' caractère saisi.');
  }

  async function showAssistance(options) {
    const form = byId('form-assistance');
    form.hidden = false;
    byId('assistance-recue').hidden = true;
    assistanceSession(false);
    updateAssistanceCounter();
    show('ecran-assistance', options);
    try {
      await api('GET', '/api/session');
      assistanceSession(true);
    } catch (_) {
      // Pas de session (ou vérification impossible) : l'identifiant est demandé.
    }
  }

  function wireAssistance() {
    const form = onSubmit('form-assistance', async (f) => {
      const body = {};
      if (!state.assistanceConnected) body.identifier = checkIdentifier(f);
      body.subject = value(f, 'subject');
      if (!body.subject) throw invalid('subject', 'Choisissez l\'objet de votre demande.');
      body.message = value(f, 'message').trim();
      const n = charCount(body.message);
      if (n < 10) throw invalid('message', 'Votre message doit comporter au moins 10 caractères.');
      if (n > 2000) throw invalid('message', 'Votre message doit comporter au plus 2 000 caractères.');
      let result;
      try {
        result = await api('POST', '/api/assistance', body);
      } catch (error) {
        // La session a pris fin entre-temps : l'identifiant est alors demandé.
        if (error instanceof ApiError && error.field === 'identifier' && state.assistanceConnected) {
          assistanceSession(false);
        }
        throw error;
      }
      byId('assistance-reference').textContent = result.reference;
      byId('assistance-suite').textContent = result.message || '';
      f.reset();
      f.hidden = true;
      updateAssistanceCounter();
      const done = byId('assistance-recue');
      done.hidden = false;
      done.focus();
    });
    form.addEventListener('input', updateAssistanceCounter);
    byId('nouvelle-assistance').addEventListener('click', () => {
      byId('assistance-recue').hidden = true;
      form.hidden = false;
      const first = state.assistanceConnected ? byId('assistance-objet') : byId('assistance-identifiant');
      first.focus();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Démarrage

  async function start() {
    wireHome();
    wireLink();
    wireReassort();
    wireUnlock();
    wirePortal();
    wireVote();
    wireBoard();
    wireHelp();
    wireAssistance();

    const url = new URL(window.location.href);
    const path = url.pathname;
    if (path === '/aide') {
      showHelp({ focus: false });
      return;
    }
    if (path === '/urne') {
      await showBoard();
      return;
    }
    if (path === '/assistance') {
      await showAssistance({ focus: false });
      return;
    }
    // Les liens des courriels portent le jeton dans le fragment (#token=…&electeurId=…), que le
    // navigateur n'envoie jamais au serveur ; la requête (?token=…) reste lue par précaution.
    const fragment = new URLSearchParams(url.hash.replace(/^#/, ''));
    const token = fragment.get('token') || url.searchParams.get('token');
    const voterId = fragment.get('electeurId') || url.searchParams.get('electeurId');
    // Le jeton ne doit rester ni dans la barre d'adresse ni dans l'historique.
    if (url.search || url.hash) history.replaceState(null, '', path);

    loadElection();
    if (path === '/activation') {
      await openLink('activation', token, voterId);
    } else if (path === '/reassort' && (token || voterId)) {
      await openLink('reassort', token, voterId);
    } else if (path === '/reassort') {
      await showReassortRequest();
    } else if (path === '/deblocage' && (token || voterId)) {
      await openUnlockLink(token, voterId);
    } else if (path === '/deblocage') {
      showUnlockRequest();
    } else {
      showHome({ focus: false });
      await checkSession();
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
