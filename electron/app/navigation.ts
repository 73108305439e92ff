/** What to do when the page tries to go somewhere: the app window only ever shows the app itself. */
export type NavigationDecision =
  { action: 'allow' } | { action: 'deny' } | { action: 'open-external'; url: string };

/**
 * True when `url` is the app's own page: a page of the app:// scheme the built renderer is served
 * from, the dev server's origin, or (should the app ever load it directly) the built index.html file.
 */
export function isAppUrl(url: string, appUrl: string): boolean {
  let target: URL;
  let app: URL;
  try {
    target = new URL(url);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (app.protocol === 'file:') {
    return target.protocol === 'file:' && target.host === '' && target.pathname === app.pathname;
  }
  // Compared by parts: URL.origin is "null" for custom schemes such as app://.
  return (
    target.protocol === app.protocol &&
    target.host === app.host &&
    target.username === '' &&
    target.password === '' &&
    ['http:', 'https:', 'app:'].includes(app.protocol)
  );
}

function externalLink(url: string): NavigationDecision {
  try {
    const parsed = new URL(url);
    // Credentials in a link are a phishing trick; only plain web links leave the app.
    if (
      (parsed.protocol === 'https:' || parsed.protocol === 'http:') &&
      parsed.username === '' &&
      parsed.password === ''
    ) {
      return { action: 'open-external', url: parsed.href };
    }
  } catch {
    // An unparsable URL is denied below.
  }
  return { action: 'deny' };
}

/** will-navigate: in-app navigation (hash routes, reload) stays, web links go to the browser, the rest is blocked. */
export function decideNavigation(url: string, appUrl: string): NavigationDecision {
  if (isAppUrl(url, appUrl)) return { action: 'allow' };
  return externalLink(url);
}

/** setWindowOpenHandler: the app never opens a second window of its own; web links go to the browser. */
export function decideWindowOpen(url: string): NavigationDecision {
  return externalLink(url);
}

/**
 * Permission requests from the page (camera, location, notifications, …): the app needs none of them,
 * except writing to the clipboard for its "copy" buttons.
 */
export function allowPermission(permission: string): boolean {
  return permission === 'clipboard-sanitized-write';
}
