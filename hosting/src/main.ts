import './styles.css';
import './account.css';
import { initAccount, resetAccount } from './account-dialog';
import { handleSessionExpiry } from './api';
import { hideAuth, initAuth, showAuth } from './auth-view';
import { initConfirm } from './confirm-dialog';
import { byId } from './dom';
import { initDropAndPaste } from './drop-paste';
import { initGallery, resetGallery } from './gallery';
import { imageIdFromPath, initImageDialog, openImage } from './image-dialog';
import { forgetAll } from './image-store';
import { stopAll } from './poller';
import { clearSession, followOtherTabs, getSession, setSession } from './session';
import type { Session } from './types';
import { initSamples } from './samples';
import { initUploader, resetUploader, uploadFiles, uploadWalked } from './uploader';

const appView = () => byId('app-view', HTMLElement);

function closeDialogs(): void {
  for (const dialog of document.querySelectorAll('dialog')) if (dialog.open) dialog.close();
}

/** Back to a blank, signed-out page: nothing of the last person's gallery stays in the DOM. */
function leaveApp(): void {
  stopAll();
  closeDialogs();
  resetUploader();
  resetGallery(false);
  forgetAll();
  resetAccount();
  appView().hidden = true;
  byId('account', HTMLDivElement).hidden = true;
}

function enterApp(session: Session): void {
  const fromForm = byId('auth-view', HTMLElement).contains(document.activeElement);
  hideAuth();
  byId('account-name', HTMLSpanElement).textContent = session.user.username;
  byId('account', HTMLDivElement).hidden = false;
  appView().hidden = false;
  document.title = 'Your cutouts — Cutout';
  // The focus was in the form just hidden: it would fall to <body>, and a keyboard would start
  // again above the header. It goes to the content instead (not on a plain load: Tab starts there).
  if (fromForm) byId('main', HTMLElement).focus();
  resetGallery(true);
  // A link to /images/{id} (or a reload with one open) opens that image.
  const id = imageIdFromPath(location.pathname);
  if (id) openImage(id, undefined, 'load');
  else if (location.pathname !== '/') history.replaceState(null, '', '/');
}

function start(): void {
  initConfirm();
  initImageDialog();
  initGallery();
  initUploader();
  initDropAndPaste(() => !appView().hidden, { files: uploadFiles, folder: uploadWalked });
  initSamples();
  initAuth((session, remember) => {
    setSession(session, remember);
    enterApp(session);
  });
  // Signed out here, everywhere, or with the account deleted: the landing page, saying which.
  const signOut = (message: string) => {
    clearSession();
    leaveApp();
    history.replaceState(null, '', '/');
    showAuth('signin', { text: message, tone: 'info' });
  };
  initAccount(signOut);
  followOtherTabs(() => {
    if (!appView().hidden) signOut('You were signed out in another tab.');
  });
  handleSessionExpiry(() => {
    // Several requests may be refused at once; one trip back to sign-in is enough.
    if (appView().hidden) return;
    leaveApp();
    showAuth('signin', { text: 'Your session has expired — sign in again', tone: 'info' });
  });
  byId('sign-out', HTMLButtonElement).addEventListener('click', () => signOut('You have signed out.'));
  // The skip link moves the focus without putting #main in the address: a later step back through
  // history to that address (closing an image does one) would take the focus to <main> again.
  document.querySelector<HTMLAnchorElement>('.skip-link')?.addEventListener('click', (event) => {
    event.preventDefault();
    byId('main', HTMLElement).focus();
  });

  const session = getSession();
  if (session) enterApp(session);
  else showAuth('signin');
}

start();
