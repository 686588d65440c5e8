// The desktop page: starts IronRDP's web client (a web component with its RDP backend in WebAssembly) against the
// member named in the page, through the server's desktop WebSocket, with the page's one-time ticket.
import '/ui/static/desktop/iron-remote-desktop.js';
import { Backend, init } from '/ui/static/desktop/iron-remote-desktop-rdp.js';

const page = document.getElementById('desktop');
const status = document.getElementById('desktop-status');

function say(text, failed) {
  status.textContent = text;
  status.classList.toggle('error', Boolean(failed));
  document.body.dataset.desktop = failed ? 'failed' : text.startsWith('Connected') ? 'connected' : 'connecting';
}

/** What went wrong, for a person: the client's own error kinds and the gateway's RDCleanPath answers. */
function describe(error) {
  if (error && typeof error.kind === 'function') {
    const details = typeof error.rdcleanpathDetails === 'function' ? error.rdcleanpathDetails() : undefined;
    if (details && details.httpStatusCode === 401) {
      return 'The desktop ticket was refused (it is good for one minute, once): reload this page.';
    }
    if (details && details.httpStatusCode === 403) {
      return 'You may not open this desktop: only the constellation\'s people may.';
    }
    if (details && details.httpStatusCode) {
      return `The server could not reach the desktop (HTTP ${details.httpStatusCode}): reload this page, or use`
        + ' Connect from the constellation page.';
    }
    if (details && details.tlsAlertCode) {
      return `TLS with the desktop failed (alert ${details.tlsAlertCode}).`;
    }
    return `The desktop could not be opened: ${error.backtrace()}`;
  }
  return `The desktop could not be opened: ${error}`;
}

function desktopSize() {
  const bar = document.querySelector('.desktop-bar');
  const width = Math.max(640, Math.floor(window.innerWidth / 8) * 8);
  const height = Math.max(480, Math.floor((window.innerHeight - (bar ? bar.offsetHeight : 0)) / 2) * 2);
  return { width, height };
}

async function start() {
  say('Loading the remote desktop client…');
  await init('INFO');
  const element = document.createElement('iron-remote-desktop');
  element.module = Backend;
  element.setAttribute('scale', 'fit');
  element.setAttribute('flexcenter', 'true');
  element.addEventListener('ready', async (event) => {
    const ui = event.detail.irgUserInteraction;
    // The clipboard crosses the enclave's boundary: off here, whatever the member allows.
    ui.setEnableClipboard(false);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const config = ui.configBuilder()
      .withUsername(page.dataset.username)
      .withServerDomain(page.dataset.domain)
      .withDestination(`${page.dataset.member}:3389`)
      .withProxyAddress(`${scheme}//${location.host}${page.dataset.socket}`)
      .withAuthToken(page.dataset.ticket)
      .withDesktopSize(desktopSize())
      .build();
    say(`Connecting to ${page.dataset.member}…`);
    try {
      const session = await ui.connect(config);
      ui.setVisibility(true);
      say(`Connected to ${page.dataset.member}`);
      const ended = await session.run();
      say(`The desktop session ended: ${ended.reason()}. Reload this page to open it again.`, true);
    } catch (error) {
      say(describe(error), true);
    }
  });
  page.append(element);
}

start().catch((error) => say(`The remote desktop client did not start: ${error}`, true));
