/** The technique report page as the webview shows it. */

/** The page may style itself but runs no script and loads nothing. */
const CONTENT_SECURITY_POLICY =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:";

/** Returns the page with a content security policy that forbids scripts and loads. */
export function withContentSecurityPolicy(html: string): string {
    const meta = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`;
    if (/<head[^>]*>/i.test(html)) {
        return html.replace(/<head[^>]*>/i, (head) => `${head}\n${meta}`);
    }
    return `<!DOCTYPE html><html><head>${meta}</head><body>${html}</body></html>`;
}
