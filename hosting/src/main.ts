import './styles.css';
import { handleSessionExpiry } from './api';
import { hideAuth, initAuth, showAuth } from './auth-view';
import { initConfirm } from './confirm-dialog';
import { byId } from './dom';
import { initDropAndPaste } from './drop-paste';
import { initGallery, resetGallery } from './gallery';
import { imageIdFromPath, initImageDialog, openImage } from './image-dialog';
import { forgetAll } from './image-store';
import { stopAll } from './poller';
import { clearSession, getSession, setSession } from './session';
import type { Session } from './types';
import { initUploader, resetUploader, uploadFiles } from './uploader';

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
  appView().hidden = true;
  byId('account', HTMLDivElement).hidden = true;
}

function enterApp(session: Session): void {
  hideAuth();
  byId('account-name', HTMLSpanElement).textContent = session.user.username;
  byId('account', HTMLDivElement).hidden = false;
  appView().hidden = false;
  document.title = 'Your cutouts — Cutout';
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
  initDropAndPaste(() => !appView().hidden, uploadFiles);
  initAuth((session) => {
    setSession(session);
    enterApp(session);
  });
  handleSessionExpiry(() => {
    // Several requests may be refused at once; one trip back to sign-in is enough.
    if (appView().hidden) return;
    leaveApp();
    showAuth('signin', { text: 'Your session has expired — sign in again', tone: 'info' });
  });
  byId('sign-out', HTMLButtonElement).addEventListener('click', () => {
    clearSession();
    leaveApp();
    history.replaceState(null, '', '/');
    showAuth('signin', { text: 'You have signed out.', tone: 'info' });
  });

  const session = getSession();
  if (session) enterApp(session);
  else showAuth('signin');
}

start();
